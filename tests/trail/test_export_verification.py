"""A dispute export carries its evidence, and verifies alone with scripts/verify_export.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from infra.bootstrap import EConcierge
from infra.checkpoints import checkpoints
from infra.clock import FixedClock
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all
from tests.api.ticket_steps import contract_in_service
from tests.trail.steps import sealed

SCRIPT = Path(__file__).parents[2] / "scripts" / "verify_export.py"


def _export(client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path) -> Path:
    """A contract in service with one ticket, sealed, exported as a dispute file."""
    desk = contract_in_service(client, clock)
    desk.open_ticket(summary="Mail stopped; Ms Ito (03-5555-0101) noticed it")
    sealed(service)
    desk.open_ticket(summary="Printer jam")  # after the checkpoint: not sealed yet
    catch_up_all(service, views_of(service), VIEWS)
    answer = desk.as_operator().get(f"/v1/audit/export?contract_id={desk.contract_id}")
    assert answer.status_code == 200, answer.text
    path = tmp_path / "dispute.jsonl"
    path.write_bytes(answer.content)
    return path


def _verify(*args: str | Path) -> subprocess.CompletedProcess[str]:
    # -S -I: no site-packages at all, so the script proves it needs the standard library only.
    return subprocess.run(
        [sys.executable, "-S", "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True, check=False
    )


def _digests(service: EConcierge, tmp_path: Path) -> Path:
    path = tmp_path / "digests.jsonl"
    path.write_bytes(b"".join(msgspec.json.encode(c) + b"\n" for c in checkpoints(service)))
    return path


def test_an_export_verifies_alone_against_the_digests_kept_outside(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    export = _export(client, service, clock, tmp_path)
    lines = [json.loads(line) for line in export.read_text().splitlines()]

    result = _verify(export, "--digests", _digests(service, tmp_path))

    assert result.returncode == 0, result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"VERIFIED: {len(lines)} events")
    assert all(line["trail"]["hash"] == line["chain_hash"] for line in lines)
    assert any(line["trail"]["checkpoint"] is None for line in lines)  # the unsealed ticket
    assert "not covered by a checkpoint yet" in result.stdout


def test_an_edited_export_fails_and_names_the_line(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    export = _export(client, service, clock, tmp_path)
    lines = export.read_text().splitlines()
    entry = json.loads(lines[0])
    entry["actor_id"] = "cust-someone-else"  # the readable part no longer says what was recorded
    lines[0] = json.dumps(entry)
    export.write_text("\n".join(lines) + "\n")

    result = _verify(export)

    assert result.returncode == 1
    assert "FAIL: line 1" in result.stdout and "actor_id" in result.stdout


def test_an_export_whose_checkpoint_differs_from_the_kept_digest_fails(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    export = _export(client, service, clock, tmp_path)
    kept = json.loads(_digests(service, tmp_path).read_text().splitlines()[0])
    kept["hash"] = "f" * 64
    (tmp_path / "other.jsonl").write_text(json.dumps(kept) + "\n")

    result = _verify(export, "--digests", tmp_path / "other.jsonl", "--strict")

    assert result.returncode == 1
    assert "differs from the kept digest" in result.stdout


def _lines(export: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export.read_text().splitlines()]


def _write(export: Path, lines: list[dict[str, Any]]) -> Path:
    export.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return export


def test_a_version_missing_inside_an_aggregates_exported_versions_fails_even_when_partial(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    # Given an export without the assignment's second event (its first and third are there)
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    assignment = [line for line in lines if line["aggregate_kind"] == "ConciergeAssignment"]
    assert len(assignment) >= 3
    _write(export, [line for line in lines if line is not assignment[1]])

    # Then the gap is a failure, with or without --partial
    for options in ((), ("--partial",)):
        result = _verify(export, *options)
        assert result.returncode == 1, result.stdout
        assert "version(s) 2 between versions 1 and" in result.stdout


def test_an_export_without_an_aggregates_first_versions_fails_unless_partial(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    # Given an export that starts at the contract's second event
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    first = next(line for line in lines if line["aggregate_kind"] == "Contract")
    _write(export, [line for line in lines if line is not first])

    strict_by_default, partial = _verify(export), _verify(export, "--partial")

    assert strict_by_default.returncode == 1
    assert "versions 1–1 are not in the export" in strict_by_default.stdout
    assert partial.returncode == 0, partial.stdout
    assert "note: " in partial.stdout and "versions 1–1 are not in the export" in partial.stdout


def test_a_whole_aggregate_missing_from_a_contracts_export_fails(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    # Given a contract's export with a liability claim on a ticket, the ticket's lines removed
    desk = contract_in_service(client, clock)
    ticket_id = desk.open_ticket(summary="Printer jam")["id"]
    claim = desk.as_operator().post(
        "/v1/liability/claims", json={"ticket_id": ticket_id, "kind": "damage", "description": "Toner spilt"}
    )
    assert claim.status_code == 201, claim.text
    sealed(service)
    catch_up_all(service, views_of(service), VIEWS)
    export = tmp_path / "dispute.jsonl"
    export.write_bytes(client.get(f"/v1/audit/export?contract_id={desk.contract_id}").content)
    assert _verify(export).returncode == 0
    lines = _lines(export)
    _write(export, [line for line in lines if line["aggregate_id"] != ticket_id])

    # Then the ticket the claim names is missing: a failure, a note with --partial
    result = _verify(export)
    assert result.returncode == 1
    assert f"ticket {ticket_id}" in result.stdout and "its events are not in the export" in result.stdout
    assert _verify(export, "--partial").returncode == 0

    # And so is a contract's export without the contract's own events
    _write(export, [line for line in lines if line["aggregate_id"] != desk.contract_id])
    result = _verify(export)
    assert result.returncode == 1
    assert f"contract {desk.contract_id}: its own events" in result.stdout


@pytest.mark.parametrize(
    ("field", "value"),
    [("event_type", "ContractEnded"), ("aggregate_kind", "Ticket"), ("event_id", "x:1")],
)
def test_labels_derivable_from_the_hashed_topic_and_id_are_checked(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path, field: str, value: str
) -> None:
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    lines[0][field] = value

    result = _verify(_write(export, lines))

    assert result.returncode == 1
    assert "FAIL: line 1" in result.stdout and f"{field} {value!r} is not" in result.stdout


def test_a_lines_contract_is_checked_against_what_its_aggregates_hashed_events_name(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    last = len(lines)
    lines[-1]["contract_id"] = "00000000-0000-0000-0000-000000000001"

    result = _verify(_write(export, lines))

    assert result.returncode == 1
    assert f"FAIL: line {last}" in result.stdout and "contract_id" in result.stdout


def test_summary_and_rules_are_reported_as_not_evidence(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    # Given an export whose readable summary was rewritten (it is derived text, not hashed)
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    lines[0]["summary"] = "Something else entirely"

    result = _verify(_write(export, lines))

    # Then the verdict cannot rest on it, and the script says so
    assert result.returncode == 0, result.stdout
    assert "not evidence (shown for reading, not covered by the hashes): summary, rules" in result.stdout


def test_the_html_export_carries_the_checkpoint_and_each_events_inclusion_proof(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    export = _export(client, service, clock, tmp_path)
    lines = _lines(export)
    contract_id = lines[0]["contract_id"]
    (checkpoint,) = checkpoints(service)

    html = client.get(f"/v1/audit/export?contract_id={contract_id}&format=html").text

    assert checkpoint.hash in html and checkpoint.root in html
    for line in lines:
        t = line["trail"]
        assert t["hash"] in html and t["prev"] in html
        assert all(sibling in html for sibling in t["proof"])
        if t["checkpoint"] is not None:
            assert f'leaf {t["leaf_index"]} of checkpoint {checkpoint.number}' in html
    assert "not covered by a checkpoint yet" in html
    assert "scripts/verify_export.py" in html


def _console_export(service: EConcierge, contract_id: object, fmt: str) -> bytes:
    """The export the console's button downloads, signed in with a session cookie."""
    from api.app import create_app
    from api.console.csrf import CSRF_COOKIE, form_token
    from domain.meta import Role

    with TestClient(create_app(service)) as web:
        web.get("/console/sign-in")  # the page sets the CSRF nonce cookie
        token = web.app.state.tokens.issue(sub="op-tanaka", role=Role.OPERATOR)
        web.post(
            "/console/sign-in",
            data={"token": token, "csrf_token": form_token(web.cookies[CSRF_COOKIE], None)},
            follow_redirects=False,
        )
        answer = web.get(f"/console/disputes/contracts/{contract_id}/export?format={fmt}")
    assert answer.status_code == 200, answer.text[:300]
    assert answer.headers["content-disposition"].startswith("attachment;")
    return answer.content


def test_the_consoles_export_is_the_apis_and_verifies_alone(
    client: TestClient, service: EConcierge, clock: FixedClock, tmp_path: Path
) -> None:
    api_export = _export(client, service, clock, tmp_path)
    contract_id = json.loads(api_export.read_text().splitlines()[0])["contract_id"]
    downloaded = tmp_path / "from-console.jsonl"
    downloaded.write_bytes(_console_export(service, contract_id, "jsonl"))

    result = _verify(downloaded, "--digests", _digests(service, tmp_path))

    assert result.returncode == 0, result.stdout
    assert downloaded.read_bytes() == api_export.read_bytes()
    api_html = client.get(f"/v1/audit/export?contract_id={contract_id}&format=html").content
    assert _console_export(service, contract_id, "html") == api_html  # its evidence too
