"""Snapshots: the same state as replay, out of the trail, sealed, and gone after an erasure.

Every test runs on SQLite and PostgreSQL (tests/conftest.py), with a snapshot every
three events so that short histories cross the interval many times.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from uuid import UUID

import msgspec
import pytest
from eventsourcing.persistence import IntegrityError

from domain.aggregates.ticket import Ticket
from domain.meta import EventMeta, Role
from domain.personal import ERASED
from infra.application import CommandContext
from infra.bootstrap import EConcierge, build
from infra.checkpoints import TRAIL_LOG_ID, seal
from infra.clock import FixedClock
from infra.privacy import erase_personal_data
from infra.settings import Settings
from infra.snapshots import SNAPSHOT_TOPIC, SnapshotMapper, SnapshotSchemaError, drop_all
from infra.verify import verify
from tests.benchmarks import world
from tests.infra.snapshot_steps import (
    SECRETS,
    exactly,
    live_a_whole_life,
    replayed,
    snapshot_versions,
)
from tests.projections.steps import apply_contract

INTERVAL = 3


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, snapshot_interval=INTERVAL)


def _desk(service: EConcierge, clock: FixedClock) -> world.Desk:
    desk = world.contract_in_service(service, clock)
    clock.set(world.IN_SERVICE - timedelta(hours=3))  # tickets open before their visits (O3)
    return desk


def _visits(desk: world.Desk, ticket_id: UUID, count: int) -> None:
    """Visits after the ticket's opening (O3), logged once they have ended (O1)."""
    desk.service.clock.set(world.IN_SERVICE)  # type: ignore[attr-defined]
    for i in range(count):
        desk.log_visit(ticket_id, world.IN_SERVICE - timedelta(hours=2, minutes=i))


def _snapshot_rows(service: EConcierge, ticket_id: UUID) -> list[bytes]:
    assert service.snapshots is not None
    return [bytes(s.state) for s in service.snapshots.recorder.select_events(ticket_id)]


def _rewrite_snapshots(service: EConcierge, state: bytes) -> None:
    """Change every stored snapshot's bytes, as someone with write access to the database."""
    recorder = service.snapshots.recorder  # type: ignore[union-attr]
    schema = getattr(recorder.datastore, "schema", None)
    table = f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(f"UPDATE {table} SET state = {'%s' if schema else '?'}", (state,))


def test_a_snapshot_gives_back_exactly_the_state_replay_gives_at_every_version(
    service: EConcierge,
) -> None:
    ticket_id = live_a_whole_life(service)
    head = service.get_ticket(ticket_id).version
    assert snapshot_versions(service, ticket_id) == [head // INTERVAL * INTERVAL]  # saves took them

    for version in range(1, head + 1):
        with contextlib.suppress(IntegrityError):  # the saves took some of them already
            service.take_snapshot(ticket_id, version=version)
        for later in (version, min(version + 2, head)):  # the snapshot alone; then with events
            loaded = service.repository.get(ticket_id, version=later)
            assert exactly(loaded) == exactly(replayed(service, ticket_id, later)), (version, later)


def test_the_checkpoint_chain_is_snapshotted_like_a_ticket(service: EConcierge) -> None:
    for customer in ("Sakura", "Kaede", "Momiji", "Sumire", "Tsubaki", "Yuri", "Ran"):
        apply_contract(service, customer)
        assert seal(service) is not None
    head = service.repository.get(TRAIL_LOG_ID).version

    assert snapshot_versions(service, TRAIL_LOG_ID) == [head // INTERVAL * INTERVAL]
    assert _snapshot_rows(service, TRAIL_LOG_ID)[0].startswith(b'{"key":null')  # nothing personal
    loaded = service.repository.get(TRAIL_LOG_ID, version=head)
    assert exactly(loaded) == exactly(replayed(service, TRAIL_LOG_ID))


def test_commands_snapshot_a_ticket_every_interval_and_keep_the_latest_only(
    service: EConcierge, clock: FixedClock
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()  # version 2
    _visits(desk, ticket_id, 5)  # versions 3 to 7: the commands at 3 and 6 take one each

    assert snapshot_versions(service, ticket_id) == [6]
    cold = service.repository.get(ticket_id, version=7)  # snapshot 6, then event 7
    assert exactly(cold) == exactly(replayed(service, ticket_id))


def test_a_command_snapshots_the_ticket_it_committed_without_reading_the_store_again(
    service: EConcierge, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()  # version 2, cached
    snapshot_reads: list[UUID] = []  # a reload reads the latest snapshot first
    recorder = service.snapshots.recorder  # type: ignore[union-attr]
    select = recorder.select_events

    def counted(originator_id: UUID, *args: object, **kwargs: object) -> object:
        snapshot_reads.append(originator_id)
        return select(originator_id, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(recorder, "select_events", counted)
    _visits(desk, ticket_id, 1)  # version 3 crosses the interval: a snapshot is taken
    monkeypatch.undo()

    assert snapshot_reads == []  # taken of the committed ticket, not of a reload
    assert snapshot_versions(service, ticket_id) == [3]
    cold = service.repository.get(ticket_id, version=3)  # the snapshot alone
    assert exactly(cold) == exactly(replayed(service, ticket_id))


def test_a_save_crossing_several_multiples_takes_one_snapshot_at_its_end(
    service: EConcierge, clock: FixedClock
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()

    def seven_visits(t: Ticket, c: object, s: frozenset[str]) -> None:
        for i in range(7):
            end = world.IN_SERVICE - timedelta(hours=1, minutes=i)
            t.log_visit(c, end - timedelta(hours=1), end, calendar=service.holidays, serving=s)  # type: ignore[arg-type]

    clock.set(world.IN_SERVICE)  # the visits have ended (O1)
    service.change_ticket(desk.concierge(), ticket_id, seven_visits)  # versions 3 to 9

    assert snapshot_versions(service, ticket_id) == [9]


def test_snapshots_stay_out_of_the_trail_and_never_break_it(
    service: EConcierge, clock: FixedClock
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()
    _visits(desk, ticket_id, 1)  # version 3: a snapshot at the head
    service.repository.cache.clear()  # type: ignore[union-attr]  # a cold process

    _visits(desk, ticket_id, 1)  # loads the snapshot; the new event chains to stored event 3
    _rewrite_snapshots(service, b"{}\nnot a snapshot")  # a changed snapshot is only not used
    service.repository.cache.clear()  # type: ignore[union-attr]
    _visits(desk, ticket_id, 2)

    assert verify(service).ok
    topics = {n.topic for n in service.recorder.select_notifications(start=1, limit=10_000)}
    assert SNAPSHOT_TOPIC not in topics
    assert exactly(service.repository.get(ticket_id, version=6)) == exactly(
        replayed(service, ticket_id)
    )


@pytest.mark.parametrize(
    "damage",
    [
        lambda state: state.replace(b'"schema":"', b'"schema":"0', 1),  # taken by other code
        lambda state: state[:-1] + bytes([state[-1] ^ 1]),  # a changed byte of the sealed state
    ],
    ids=["another-schema", "changed-byte"],
)
def test_a_snapshot_that_cannot_be_used_is_skipped_for_replay(
    service: EConcierge, clock: FixedClock, damage: object
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()
    _visits(desk, ticket_id, 2)  # a snapshot at 3
    [state] = _snapshot_rows(service, ticket_id)
    _rewrite_snapshots(service, damage(state))  # type: ignore[operator]

    loaded = service.repository.get(ticket_id, version=4)

    assert exactly(loaded) == exactly(replayed(service, ticket_id))


def test_snapshots_are_disposable(service: EConcierge, clock: FixedClock) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()
    _visits(desk, ticket_id, 2)

    assert drop_all(service.snapshots.recorder) == 1  # type: ignore[union-attr]

    assert snapshot_versions(service, ticket_id) == []
    assert exactly(service.repository.get(ticket_id, version=4)) == exactly(
        replayed(service, ticket_id)
    )


def test_a_snapshot_holds_no_personal_text_in_clear(service: EConcierge) -> None:
    ticket_id = live_a_whole_life(service)

    [state] = _snapshot_rows(service, ticket_id)

    assert not [s for s in SECRETS if s.encode() in state]
    assert service.get_ticket(ticket_id).summary.endswith(SECRETS[1])  # it opens with its key


def test_after_an_erasure_no_snapshot_holds_the_erased_data(
    service: EConcierge, clock: FixedClock
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.open_ticket()
    service.instruct_work(world.customer(), ticket_id, f"Please call {SECRETS[0]} first")
    _visits(desk, ticket_id, 2)  # a snapshot at 3, sealed with the company's key
    kept = service.snapshots.recorder.select_events(ticket_id)  # type: ignore[union-attr]
    operator = CommandContext(meta=EventMeta("op-tanaka", Role.OPERATOR, "corr", "req"))

    erase_personal_data(
        service, operator, f"contract:{desk.contract_id}", "Request ER-1 under the APPI"
    )

    assert _snapshot_rows(service, ticket_id) == []  # deleted with the key
    service.snapshots.recorder.insert_events(kept)  # type: ignore[union-attr]  # a late writer's copy
    loaded = service.repository.get(ticket_id, version=4)  # it no longer opens: replayed
    assert loaded.instructions[0].what == ERASED
    assert exactly(loaded) == exactly(replayed(service, ticket_id))
    _visits(desk, ticket_id, 2)  # the next snapshot (at 6) holds what replay gives: erased text
    assert snapshot_versions(service, ticket_id) == [6]
    assert exactly(service.repository.get(ticket_id, version=6)) == exactly(
        replayed(service, ticket_id)
    )


def test_a_snapshot_that_fails_never_fails_the_command(
    service: EConcierge,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    desk = _desk(service, clock)
    ticket_id = desk.ready_ticket()

    def broken(self: SnapshotMapper, snapshot: object) -> None:
        raise SnapshotSchemaError("a state struct out of date")

    monkeypatch.setattr(SnapshotMapper, "to_stored_event", broken)
    with caplog.at_level(logging.ERROR, logger="econcierge.snapshots"):
        _visits(desk, ticket_id, 1)  # version 3 crosses the interval

    assert service.get_ticket(ticket_id).version == 3
    assert snapshot_versions(service, ticket_id) == []
    assert "no snapshot of" in caplog.text


def test_a_ticket_attribute_missing_from_its_state_struct_is_refused(service: EConcierge) -> None:
    ticket_id = live_a_whole_life(service)
    ticket = service.get_ticket(ticket_id)
    ticket.__dict__["new_attribute"] = 1
    snapshot = Ticket.Snapshot.take(ticket)

    with pytest.raises(SnapshotSchemaError, match="new_attribute"):
        service.snapshots.mapper.to_stored_event(snapshot)  # type: ignore[union-attr]


def test_an_interval_of_zero_turns_snapshots_off(settings: Settings, clock: FixedClock) -> None:
    service = build(msgspec.structs.replace(settings, snapshot_interval=0), clock)
    try:
        desk = _desk(service, clock)
        ticket_id = desk.ready_ticket()
        _visits(desk, ticket_id, 4)

        assert service.snapshots is None
        assert exactly(service.repository.get(ticket_id, version=6)) == exactly(
            replayed(service, ticket_id)
        )
    finally:
        service.close()
