"""Billing over a contract's life: its start (C1), annual payment (C2) and its end (C4)."""

from __future__ import annotations

from datetime import date

from domain.aggregates.contract import Payment
from domain.billing_lines import LineCode
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.projections.billing_world import World


def test_a_mid_month_start_bills_the_first_month_in_full(
    service: EConcierge, clock: FixedClock
) -> None:
    """C1: service from 18 November (the customer insisted): November costs a full month."""
    world = World(service, clock)
    contract_id, _ = world.in_service(insists_mid_month=True)
    world.close_months("2026-11")

    november, december = world.statements(contract_id)

    assert (november.month, november.total) == (date(2026, 11, 1), 30_800)
    assert "service from 2026-11-18, billed in full (C1)" in november.lines[0].description
    assert (november.lines[0].date_from, november.lines[0].date_to) == (
        date(2026, 11, 1), date(2026, 11, 30),
    )  # fmt: skip
    assert december.total == 30_800


def test_an_application_without_insisting_starts_billing_on_the_next_1st(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service()

    world.project()

    assert world.statements(contract_id) == []  # November: nothing to bill yet
    world.close_months("2026-11")
    assert [f"{s.month:%Y-%m}" for s in world.statements(contract_id)] == ["2026-12"]


def test_an_annual_payment_bills_twelve_months_on_the_first_statement_only(
    service: EConcierge, clock: FixedClock
) -> None:
    """C2: 12 months at once, no discount; nothing more until the next term."""
    world = World(service, clock)
    contract_id, _ = world.in_service(payment=Payment.ANNUAL, monthly_report=True)

    world.close_months("2026-12", "2027-01", "2027-02")

    (first,) = world.statements(contract_id)  # no statements for January and February
    assert first.total == 12 * 30_800 + 12 * 5_500
    assert [line.code for line in first.lines] == [LineCode.ANNUAL_PAYMENT, LineCode.MONTHLY_REPORT]
    assert (first.lines[0].date_from, first.lines[0].date_to) == (
        date(2026, 12, 1), date(2027, 11, 30),
    )  # fmt: skip


def test_an_annual_payment_bills_the_next_term_on_its_first_month(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service(payment=Payment.ANNUAL)
    world.at("2027-12-02 10:00")
    service.record_client_count(world.operator(), contract_id, "hq", 10, 1)  # any event

    totals = world.totals(contract_id)

    assert totals == {"2026-12": 369_600, "2027-12": 369_600}


def test_a_cancelled_contract_has_no_statement_after_its_end(
    service: EConcierge, clock: FixedClock
) -> None:
    """C3/C4: started 1 December, cancelled for 28 February: March and later bill nothing."""
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-15 10:00")
    service.request_cancellation(world.customer(), contract_id, date(2027, 2, 28), None)
    world.close_months("2026-12", "2027-01", "2027-02", "2027-03")
    service.end_contract(world.operator(), contract_id)
    world.close_months("2027-04")

    assert world.totals(contract_id) == {"2026-12": 30_800, "2027-01": 30_800, "2027-02": 30_800}


def test_a_withdrawn_cancellation_bills_on(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-15 10:00")
    service.request_cancellation(world.customer(), contract_id, date(2027, 2, 28), None)
    world.at("2027-02-10 10:00")
    service.withdraw_cancellation(world.customer(), contract_id)
    world.close_months("2027-02")

    assert list(world.totals(contract_id)) == ["2026-12", "2027-01", "2027-02", "2027-03"]
