"""Tampering with stored rows is found by `audit verify`, which names where (issue 9, done 1).

Each test edits the event store with SQL, as someone with write access to the database
would, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra.bootstrap import EConcierge
from infra.checkpoints import TRAIL_LOG_ID
from tests.projections.steps import ctx
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
