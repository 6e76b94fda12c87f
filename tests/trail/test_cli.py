"""`econcierge audit seal`, `digest` and `verify`, and `privacy erase`, on SQLite and PostgreSQL.

Each test configures the command through the environment, as an operator would, and
tampers with the store by SQL (tests/trail/store_sql.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from uuid import UUID

import msgspec
import pytest
from click.testing import CliRunner, Result

from api.cli import main
from domain.personal import ERASED
from infra.bootstrap import EConcierge, build
from infra.checkpoints import TRAIL_LOG_ID
from infra.settings import Settings
from projections.audit_query import AuditFilter, whole_trail
from projections.catalog import close_views, views_of
from tests.trail.forgery import rewrite_history
from tests.trail.steps import FEE_REASON, History, record_history
from tests.trail.store_sql import StoredRows

REASON = "Request ER-2026-017 of 20 Nov 2026 under the APPI"


def _configure(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """The command's environment: this test's store (and NATS streams, if any)."""
    for name in ("DATABASE_URL", "DB_SCHEMA", "NATS_URL", "NATS_STREAM", "NATS_SUBJECT_PREFIX"):
        monkeypatch.delenv(f"ECONCIERGE_{name}", raising=False)
    monkeypatch.setenv("ECONCIERGE_DATA_DIR", str(settings.data_dir))
    values = {
        "DATABASE_URL": settings.database_url,
        "DB_SCHEMA": settings.db_schema,
        "NATS_URL": settings.nats_url,
        "NATS_STREAM": settings.nats_stream if settings.nats_url else None,
        "NATS_SUBJECT_PREFIX": settings.nats_subject_prefix if settings.nats_url else None,
    }
    for name, value in values.items():
        if value:
            monkeypatch.setenv(f"ECONCIERGE_{name}", value)


@pytest.fixture
def history(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[History]:
    """A store with a small history (two contracts, three events each), for the commands."""
    _configure(monkeypatch, settings)
    service = build(settings)
    try:
        yield record_history(service)
    finally:
        service.close()


def _run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _change_clients(rows: StoredRows, position: int) -> None:
    """One changed byte's worth: a client count edited in place (the hash no longer fits)."""
    state = rows.row(position)[4]
    rows.set_state(position, state.replace(b'"clients":35', b'"clients":99'))


def test_seal_then_digest_prints_the_checkpoint_and_verify_passes(history: History) -> None:
    sealed = _run("audit", "seal")
    digest = _run("audit", "digest")
    verified = _run("audit", "verify")

    assert sealed.exit_code == 0, sealed.output
    assert json.loads(digest.output) == json.loads(sealed.output.splitlines()[0])
    assert json.loads(digest.output)["size"] == 6
    assert verified.exit_code == 0, verified.output
    assert "trail verified: 8 events of 3 aggregates" in verified.output  # and the seal
    assert "1 checkpoint(s) recomputed" in verified.output


def test_verify_exits_non_zero_and_names_the_first_break(history: History) -> None:
    position = history.positions_of(history.first)[1]
    _change_clients(history.rows, position)

    result = _run("audit", "verify")

    assert result.exit_code == 1
    assert f"TRAIL BROKEN at position {position}, aggregate {history.first} version 2" in result.output
    assert "the event was changed after it was recorded" in result.output


def test_verify_from_a_position_checks_from_there_on(history: History) -> None:
    # Given a changed event early in the log, and none after the second contract's second event
    early = history.positions_of(history.first)[1]
    later = history.positions_of(history.second)[1]
    assert early < later
    _change_clients(history.rows, early)

    from_later = _run("audit", "verify", "--from", str(later))
    from_start = _run("audit", "verify", "--from", "1")

    # Then a scan from after the break passes (it chains to the history before it), one
    # from the start finds it
    assert from_later.exit_code == 0, from_later.output
    assert f"from position {later}" in from_later.output
    assert from_start.exit_code == 1
    assert f"TRAIL BROKEN at position {early}" in from_start.output


def test_verify_from_a_position_inside_a_checkpoint_recomputes_it_whole(history: History) -> None:
    # Given a sealed log whose first event was then rewritten with its chain recomputed
    assert _run("audit", "seal").exit_code == 0
    rewritten = history.positions_of(history.first)[0]
    rewrite_history(history.rows, rewritten, lambda d: d.update(customer_name="X"), reseal=False)
    start = history.positions_of(history.second)[-1]

    result = _run("audit", "verify", "--from", str(start))

    # Then starting after the rewritten event still finds it: the checkpoint is recomputed whole
    assert rewritten < start
    assert result.exit_code == 1
    assert "checkpoint 1 sealed root" in result.output


def test_verify_of_one_contract_checks_only_its_chains(history: History) -> None:
    position = history.positions_of(history.second)[1]
    _change_clients(history.rows, position)

    first = _run("audit", "verify", "--contract", str(history.first))
    second = _run("audit", "verify", "--contract", str(history.second))

    assert first.exit_code == 0, first.output
    assert "trail verified: 3 events of 1 aggregates" in first.output
    assert second.exit_code == 1
    assert f"TRAIL BROKEN at position {position}, aggregate {history.second}" in second.output


def test_a_corrupted_checkpoint_record_is_a_break_of_verify_and_an_error_of_digest(history: History) -> None:
    assert _run("audit", "seal").exit_code == 0
    position, *_, state = next(r for r in history.rows.rows() if r[1] == TRAIL_LOG_ID and r[2] == 2)
    history.rows.set_state(position, state.replace(b'"size":6', b'"size":"six"'))

    verified = _run("audit", "verify")
    digest = _run("audit", "digest")

    assert verified.exit_code == 1
    assert f"TRAIL BROKEN at position {position}, aggregate {TRAIL_LOG_ID} version 2" in verified.output
    assert "the record of checkpoint 1 does not read as a checkpoint" in verified.output
    assert digest.exit_code == 1
    assert "the record of checkpoint 1 (trail log version 2) cannot be read" in digest.output


@pytest.mark.nats
def test_verify_against_nats_finds_a_consistent_rewrite_behind_a_published_checkpoint(
    trail_nats: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store whose checkpoint `audit seal` published on NATS
    _configure(monkeypatch, trail_nats)
    service = build(trail_nats)
    try:
        history = record_history(service)
    finally:
        service.close()
    sealed = _run("audit", "seal")
    assert sealed.exit_code == 0 and "published 1 digest(s) on NATS" in sealed.output
    assert _run("audit", "verify", "--against-nats").exit_code == 0

    # When the history behind it is rewritten with every hash and the checkpoint recomputed
    rewrite_history(history.rows, history.positions_of(history.first)[1], lambda d: d.update(clients=5))

    alone = _run("audit", "verify")
    against = _run("audit", "verify", "--against-nats")

    # Then only the published digest shows it
    assert alone.exit_code == 0, alone.output
    assert against.exit_code == 1
    assert "checkpoint 1 in the store differs from the digest published on NATS" in against.output


def test_verify_against_nats_needs_nats(history: History) -> None:
    result = _run("audit", "verify", "--against-nats")

    assert result.exit_code == 2
    assert "ECONCIERGE_NATS_URL" in result.output


def test_digest_without_a_checkpoint_says_how_to_make_one(history: History) -> None:
    result = _run("audit", "digest")

    assert result.exit_code != 0
    assert "audit seal" in result.output


def test_privacy_erase_erases_a_company_records_who_and_why_and_rebuilds_the_views(
    history: History, settings: Settings
) -> None:
    # When the operator erases the first company from the command line
    result = _run(
        "privacy", "erase", "--subject", f"contract:{history.first}", "--reason", REASON,
        "--operator", "op-tanaka",
    )  # fmt: skip

    # Then it says what it did, the trail holds the erasure, and readings show it erased
    assert result.exit_code == 0, result.output
    assert f"erased the personal data of contract:{history.first}: 1 key(s) destroyed" in result.output
    assert "recorded by op-tanaka" in result.output and "views rebuilt: " in result.output
    service = build(settings)
    try:
        erasure = _last_event(service, "PersonalDataErased")
        assert (erasure.meta.actor_id, str(erasure.meta.actor_role)) == ("op-tanaka", "operator")
        assert (erasure.subject, erasure.reason) == (f"contract:{history.first}", REASON)
        assert service.get_contract(history.first).fee_reason == ERASED
        assert service.get_contract(history.second).fee_reason == FEE_REASON  # another company
        with views_of(service).read() as tx:
            first = msgspec.json.encode(list(whole_trail(tx, AuditFilter(contract_id=history.first))))
            second = msgspec.json.encode(list(whole_trail(tx, AuditFilter(contract_id=history.second))))
        assert ERASED.encode() in first and b"Yamada Taro" not in first
        assert b"Yamada Taro" in second
    finally:
        close_views(service)
        service.close()
    assert _run("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    ("subject", "reason", "message"),
    [
        pytest.param("first", "because", "reason of at least 10 characters", id="short-reason"),
        pytest.param("person:1", REASON, "subject must be contract:<uuid>", id="no-subject"),
        pytest.param(f"contract:{UUID(int=7)}", REASON, "no personal data was ever recorded", id="unknown"),
    ],
)
def test_privacy_erase_refuses_an_unusable_request_and_erases_nothing(
    history: History, subject: str, reason: str, message: str
) -> None:
    subject = f"contract:{history.first}" if subject == "first" else subject

    result = _run("privacy", "erase", "--subject", subject, "--reason", reason, "--operator", "op-tanaka")

    assert result.exit_code == 1
    assert "nothing erased: " in result.output and message in result.output
    assert "PersonalDataErased" not in {row[3].rpartition(".")[2] for row in history.rows.rows()}


def test_privacy_erase_needs_a_reason_and_the_operator(history: History) -> None:
    without_reason = _run("privacy", "erase", "--subject", f"contract:{history.first}", "--operator", "op")
    without_operator = _run("privacy", "erase", "--subject", f"contract:{history.first}", "--reason", REASON)

    assert without_reason.exit_code == 2 and "--reason" in without_reason.output
    assert without_operator.exit_code == 2 and "--operator" in without_operator.output


def _last_event(service: EConcierge, event_type: str) -> object:
    head = service.recorder.max_notification_id() or 0
    found = [
        service.mapper.to_domain_event(n)
        for n in service.recorder.select_notifications(start=1, limit=head)
        if n.topic.endswith(f".{event_type}")
    ]
    return found[-1]
