"""Closing a billing month (P14, P15): a closed statement never changes; a late fact
becomes an adjustment on the next open statement that names the statement it corrects."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest

from domain.aggregates.billing_period import BILLING_PERIODS_ID, BillingPeriods
from domain.billing import Statement
from domain.billing_lines import LineCode
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.projections.billing_world import World, ctx, month


def test_a_close_seals_each_statement_s_total_and_digest(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    first, _ = world.in_service("Sakura Trading")
    world.in_service("Kaede Design", monthly_report=True)

    world.close_months("2026-12")

    periods = service.billing_periods()
    assert periods is not None and periods.closed_through == date(2026, 12, 1)
    sealed = {(s.statement_id, s.total, s.digest) for s in periods.last_sealed}
    shown = {(s.statement_id, s.total, s.digest) for s in world.statements(month=date(2026, 12, 1))}
    assert sealed == shown and len(shown) == 2
    assert world.statement(first, "2026-12").closed_by == f"{BILLING_PERIODS_ID}:2"
    assert world.statement(first, "2027-01").closed_by is None  # open: a draft


def test_a_late_visit_for_a_closed_month_is_adjusted_on_the_next_statement(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.close_months("2026-12")
    closed = world.statement(contract_id, "2026-12")

    world.at("2027-01-08 10:00")
    world.visit(ticket, concierge, "2026-12-27 10:00")  # a Sunday in December, logged late

    assert world.statement(contract_id, "2026-12") == closed  # P14: never changed
    (adjustment,) = world.statement(contract_id, "2027-01").adjustments
    assert (adjustment.code, adjustment.amount, adjustment.for_month) == (
        LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2026, 12, 1),
    )  # fmt: skip
    assert adjustment.corrects == closed.statement_id
    assert f"{ticket}:3" in adjustment.evidence  # the late VisitLogged event
    assert world.statement(contract_id, "2027-01").total == 30_800 + 3_300


def test_an_adjustment_once_closed_is_not_billed_again(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.close_months("2026-12")
    world.visit(ticket, concierge, "2026-12-27 10:00")
    world.close_months("2027-01", "2027-02")

    totals = world.totals(contract_id)

    assert totals == {"2026-12": 30_800, "2027-01": 34_100, "2027-02": 30_800, "2027-03": 30_800}


def test_a_backdated_fee_change_adjusts_every_closed_month_it_reaches(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.close_months("2026-12", "2027-01")
    world.at("2027-02-10 10:00")
    service.renegotiate_fee(
        world.operator(), contract_id, 40_000, "agreed in December", date(2026, 12, 1)
    )

    february = world.statement(contract_id, "2027-02")

    assert [(a.for_month, a.amount) for a in february.adjustments] == [
        (date(2026, 12, 1), 9_200), (date(2027, 1, 1), 9_200),
    ]  # fmt: skip
    assert february.corrects == (f"{contract_id}:2026-12", f"{contract_id}:2027-01")
    assert february.total == 40_000 + 2 * 9_200


def _ended_in_february_with_a_late_visit(world: World) -> tuple[UUID, UUID, Statement]:
    """A contract cancelled to end on 28 February 2027, every month through February
    closed, then a Saturday visit of 27 February logged in March: (contract, ticket,
    the closed February statement)."""
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.service.request_cancellation(world.customer(), contract_id, date(2027, 2, 28), None)
    world.close_months("2026-12", "2027-01", "2027-02")
    (closed,) = world.statements(contract_id, month=month("2027-02"))
    world.visit(ticket, concierge, "2027-02-27 10:00")  # a Saturday, logged in March
    return contract_id, ticket, closed


def test_after_the_end_a_late_fact_is_a_correction_of_the_last_month_never_a_later_statement(
    service: EConcierge, clock: FixedClock
) -> None:
    """C4: no statement for a month after the contract's end. P14: a correction is a new
    statement that refers to the one it corrects: here one for the last service month."""
    world = World(service, clock)
    contract_id, ticket, closed = _ended_in_february_with_a_late_visit(world)

    statements = world.statements(contract_id)

    assert max(s.month for s in statements) == month("2027-02")  # nothing dated March
    original, correction = [s for s in statements if s.month == month("2027-02")]
    assert original == closed  # P14: never changed
    assert correction.statement_id == f"{contract_id}:2027-02:correction-1"
    assert correction.lines == ()
    assert [(a.code, a.amount, a.for_month, a.corrects) for a in correction.adjustments] == [
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, month("2027-02"), closed.statement_id),
    ]  # fmt: skip
    assert correction.corrects == (closed.statement_id,)
    assert f"{ticket}:3" in correction.adjustments[0].evidence  # the late VisitLogged event
    assert (correction.total, correction.closed_by) == (3_300, None)  # open until March closes


def test_a_correction_after_the_end_is_sealed_by_the_next_close_and_a_later_one_is_numbered_on(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, ticket, closed = _ended_in_february_with_a_late_visit(world)
    world.close_months("2027-03")  # seals the correction; March itself bills nothing
    world.at("2027-04-05 10:00")
    service.record_sale(world.operator(), ticket, "Toner", 8_800)  # recorded after the end

    statements = world.statements(contract_id)
    first, second = (s for s in statements if ":correction-" in s.statement_id)
    sealed = {s.statement_id: s for s in service.billing_periods().last_sealed}

    assert max(s.month for s in statements) == month("2027-02")
    assert first.closed_by == f"{BILLING_PERIODS_ID}:5"  # the March close
    assert (sealed[first.statement_id].total, sealed[first.statement_id].digest) == (
        first.total, first.digest,
    )  # fmt: skip
    assert second.statement_id == f"{contract_id}:2027-02:correction-2"
    assert (second.closed_by, second.total, second.corrects) == (
        None, 8_800, (closed.statement_id,),
    )  # fmt: skip
    assert [a.code for a in second.adjustments] == [LineCode.PRODUCT]


def test_a_month_closes_only_after_it_ends(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    world.at("2026-12-31 23:00")

    with pytest.raises(RuleViolation, match="has not ended yet") as refused:
        world.close("2026-12")
    assert refused.value.rule == "P14"


def test_months_close_in_order_and_once(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    world.close_months("2026-12")

    with pytest.raises(RuleViolation, match="already closed"):
        world.close("2026-11")
    with pytest.raises(RuleViolation, match="already closed"):
        world.close("2026-12")


def test_only_billing_closes_a_month(service: EConcierge, clock: FixedClock) -> None:
    World(service, clock).at("2027-01-05 10:00")

    with pytest.raises(RuleViolation, match="only the billing staff"):
        service.close_billing_month(ctx("op-tanaka", Role.OPERATOR), month("2026-12"))


def test_a_close_refuses_a_malformed_registration_number(
    service: EConcierge, clock: FixedClock
) -> None:
    import msgspec

    service.settings = msgspec.structs.replace(service.settings, invoice_registration_number="T12")
    world = World(service, clock).at("2027-01-05 10:00")

    with pytest.raises(InvalidInput, match="13 digits"):
        world.close("2026-12")


def test_a_close_records_the_issuer_on_its_statements(
    service: EConcierge, clock: FixedClock
) -> None:
    """P14: the issuer's name and registration number as they were when it closed."""
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.close_months("2026-12")

    statement = world.statement(contract_id, "2026-12")
    periods = service.state_at(BillingPeriods, BILLING_PERIODS_ID, 2)

    assert (statement.issuer_name, statement.registration_number) == (
        service.settings.invoice_issuer_name, service.settings.invoice_registration_number,
    )  # fmt: skip
    assert periods.closures[0].as_of_position < service.recorder.max_notification_id()
