"""A dispute export carries its evidence, and verifies alone with scripts/verify_export.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
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
