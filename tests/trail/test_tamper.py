"""Tampering with stored rows is found by `audit verify`, which names where (issue 9, done 1).

Each test edits the event store with SQL, as someone with write access to the database
would, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest

from infra.bootstrap import EConcierge
from infra.chain import open_envelope
from infra.checkpoints import TRAIL_LOG_ID
from infra.verify import verify
from tests.projections.steps import ctx
from tests.trail.forgery import next_event
from tests.trail.steps import first_break, record_history, sealed, verified


def test_an_untouched_trail_verifies(service: EConcierge) -> None:
    history = record_history(service)
    sealed(service)
    service.record_client_count(ctx(), history.first, "hq", 40, 1)

    report = verified(service)

    assert report.events == len(history.rows.rows())
    assert report.checkpoints == 1
    assert report.aggregates == 3  # the two contracts and the trail log


def test_one_changed_byte_in_a_stored_event_is_named(service: EConcierge) -> None:
    history = record_history(service)
    position = history.positions_of(history.second)[1]
    state = history.rows.row(position)[4]
    history.rows.set_state(position, state.replace(b'"clients":35', b'"clients":36'))

    found = first_break(service)

    assert (found.kind, found.position) == ("hash", position)
    assert (found.aggregate_id, found.version) == (history.second, 2)
    assert "changed" in found.detail


def test_a_deleted_event_breaks_the_chain_of_its_aggregate(service: EConcierge) -> None:
    history = record_history(service)
    _, second_event, third_event = history.positions_of(history.first)
    history.rows.delete(second_event)

    found = first_break(service)

    assert (found.kind, found.position) == ("missing", third_event)
    assert (found.aggregate_id, found.version) == (history.first, 3)
    assert "version 2 is missing" in found.detail


def test_two_swapped_events_are_named(service: EConcierge) -> None:
    history = record_history(service)
    _, second_event, third_event = history.positions_of(history.first)
    second_state, third_state = history.rows.row(second_event)[4], history.rows.row(third_event)[4]
    history.rows.set_state(second_event, third_state)
    history.rows.set_state(third_event, second_state)

    found = first_break(service)

    assert (found.kind, found.position, found.version) == ("hash", second_event, 2)


def test_two_events_swapped_in_log_order_are_named(service: EConcierge) -> None:
    history = record_history(service)
    _, second_event, third_event = history.positions_of(history.first)
    history.rows.swap_positions(second_event, third_event)

    report = first_break(service)

    assert (report.position, report.aggregate_id, report.version) == (second_event, history.first, 3)


def test_a_forged_event_is_named(service: EConcierge) -> None:
    history = record_history(service)
    last = history.positions_of(history.first)[-1]
    _, aggregate_id, _, topic, state = history.rows.row(last)
    history.rows.insert(aggregate_id, 4, topic, state)  # a copy of a real event, as version 4
    forged = history.positions_of(history.first)[-1]

    found = first_break(service)

    assert (found.kind, found.position, found.aggregate_id, found.version) == ("hash", forged, history.first, 4)


def test_a_forged_event_linked_to_another_version_is_a_link_break(service: EConcierge) -> None:
    # Given a forged version 4, hashed right but naming version 1's hash as its predecessor
    history = record_history(service)
    first_event = history.rows.row(history.positions_of(history.first)[0])
    wrong = open_envelope(first_event[4]).hash
    version, topic, state = next_event(history.rows, history.first, _lower_fee, prev=wrong)
    history.rows.insert(history.first, version, topic, state)
    forged = history.positions_of(history.first)[-1]

    found = first_break(service)

    assert (found.kind, found.position, found.aggregate_id, found.version) == ("link", forged, history.first, 4)
    assert "was stored with" in found.detail and "the chain is broken here" in found.detail


def test_an_earlier_version_after_a_later_one_in_the_log_is_an_order_break(service: EConcierge) -> None:
    # Given versions 2 and 3 of one aggregate exchanged in log order
    history = record_history(service)
    _, second_event, third_event = history.positions_of(history.first)
    history.rows.swap_positions(second_event, third_event)

    report = verify(service)

    # Then version 3 first misses version 2, and version 2 then comes out of order
    assert [(b.kind, b.position, b.version) for b in report.breaks if b.aggregate_id == history.first] == [
        ("missing", second_event, 3),
        ("order", third_event, 2),
    ]
    assert "version 2 comes after version 3" in report.breaks[-1].detail


def test_a_forged_event_put_into_a_gap_of_a_sealed_range_is_found_by_the_checkpoint(service: EConcierge) -> None:
    # Given a gap in the sealed log (as a rolled-back transaction leaves on PostgreSQL)
    history = record_history(service)
    history.rows.insert(uuid4(), 1, "tests.trail:Gap", b"{}")
    gap = history.rows.rows()[-1][0]
    service.record_client_count(ctx(), history.second, "hq", 40, 1)
    history.rows.delete(gap)
    checkpoint = sealed(service)
    verified(service)

    # When a perfect forgery (next version, right link, right hash) is put into the gap
    version, topic, state = next_event(history.rows, history.first, _lower_fee)
    history.rows.insert(history.first, version, topic, state, position=gap)

    # Then every chain holds, but the checkpoint sealed one event less in that range
    report = verify(service)
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("checkpoint", checkpoint.number)]
    assert (
        f"sealed {checkpoint.size} events but positions {checkpoint.first_position}–"
        f"{checkpoint.last_position} now hold {checkpoint.size + 1}"
    ) in report.breaks[0].detail


def test_a_forged_event_renumbered_into_a_sealed_range_is_found_by_the_checkpoint(service: EConcierge) -> None:
    # Given a sealed log, and a perfect forgery given the place right after its predecessor
    # by moving every later row one position on
    history = record_history(service)
    checkpoint = sealed(service)
    version, topic, state = next_event(history.rows, history.first, _lower_fee)
    room = history.positions_of(history.first)[-1] + 1
    history.rows.make_room_at(room)
    history.rows.insert(history.first, version, topic, state, position=room)

    # Then every chain holds, but the events of the sealed range no longer give its root
    report = verify(service)
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("checkpoint", checkpoint.number)]
    assert f"sealed root {checkpoint.root[:16]}" in report.breaks[0].detail


def test_a_perfect_forgery_after_the_latest_checkpoint_is_beyond_what_verify_can_see(service: EConcierge) -> None:
    # The limit README states: an event appended after the aggregate's last one, linked and
    # hashed right, after the latest checkpoint, is what a genuine write looks like. Only the
    # checkpoints (and the digests kept outside) bound how far back this can reach.
    history = record_history(service)
    sealed(service)
    version, topic, state = next_event(history.rows, history.first, _lower_fee)
    history.rows.insert(history.first, version, topic, state)

    verified(service)


def _lower_fee(data: dict[str, Any]) -> None:
    data["monthly_fee"] = 1


def test_an_aggregates_last_event_deleted_behind_a_checkpoint_is_found(service: EConcierge) -> None:
    history = record_history(service)
    checkpoint = sealed(service)
    history.rows.delete(history.positions_of(history.second)[-1])  # no later event names it

    found = first_break(service)

    assert (found.kind, found.checkpoint) == ("checkpoint", checkpoint.number)
    assert f"sealed {checkpoint.size} events" in found.detail


def test_two_aggregates_events_swapped_behind_a_checkpoint_are_found(service: EConcierge) -> None:
    history = record_history(service)
    sealed(service)
    history.rows.swap_positions(history.positions_of(history.first)[0], history.positions_of(history.second)[0])

    found = first_break(service)

    assert found.kind == "checkpoint"
    assert "root" in found.detail


def test_verify_from_a_position_chains_to_the_history_before_it(service: EConcierge) -> None:
    history = record_history(service)
    start = history.positions_of(history.second)[1]

    report = verified(service, from_position=start)

    assert report.start == start
    assert report.events == len([r for r in history.rows.rows() if r[0] >= start])


def test_verify_of_one_contract_ignores_another_contracts_break(service: EConcierge) -> None:
    history = record_history(service)
    position = history.positions_of(history.second)[1]
    state = history.rows.row(position)[4]
    history.rows.set_state(position, state.replace(b'"clients":35', b'"clients":36'))

    verified(service, contract_id=history.first)
    assert first_break(service, contract_id=history.second).aggregate_id == history.second


@pytest.mark.parametrize(
    "corrupt",
    [
        pytest.param(lambda state: state[: len(state) // 2], id="cut-in-half"),
        pytest.param(lambda state: state.replace(b'"size":6', b'"size":"six"'), id="field-of-another-type"),
    ],
)
def test_a_corrupted_checkpoint_record_is_a_break_not_a_crash(
    service: EConcierge, corrupt: Callable[[bytes], bytes]
) -> None:
    # Given a sealed checkpoint whose own record is then corrupted in the store
    history = record_history(service)
    checkpoint = sealed(service)
    position, _, version, _, state = next(r for r in history.rows.rows() if r[1] == TRAIL_LOG_ID and r[2] == 2)
    history.rows.set_state(position, corrupt(state))

    # When the trail is verified
    found = first_break(service)

    # Then the record is named at its position, with what is wrong with it
    assert (found.kind, found.position, found.checkpoint) == ("checkpoint", position, checkpoint.number)
    assert (found.aggregate_id, found.version) == (TRAIL_LOG_ID, version)
    assert "does not read as a checkpoint" in found.detail
