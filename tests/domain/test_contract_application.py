"""Specification of applying for a contract: start date (C1), payment (C2), agreed fee (P3-P6)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.aggregates.contract import Contract, ContractStatus, Payment
from domain.errors import InvalidInput, RuleViolation
from domain.pricing import Plan
from domain.terms import Term
from tests.domain.builders import apply_for, at, cause, one_event, site


def test_application_on_the_15th_starts_service_on_the_1st_of_next_month() -> None:
    # rule C1
    contract = apply_for(received_on=date(2026, 4, 15))
    event = one_event(contract)
    assert isinstance(event, Contract.ContractApplied)
    assert (event.service_start_date, event.mid_month_start) == (date(2026, 5, 1), False)
    assert contract.status is ContractStatus.APPLIED


def test_application_on_the_15th_starts_that_day_when_the_customer_insists() -> None:
    # rule C1: a mid-month start is billed for the full first month, flagged on the event
    event = one_event(apply_for(received_on=date(2026, 4, 15), insists_mid_month=True))
    assert isinstance(event, Contract.ContractApplied)
    assert (event.service_start_date, event.mid_month_start) == (date(2026, 4, 15), True)


def test_insisting_on_a_later_mid_month_date_starts_on_that_date() -> None:
    # rule C1
    event = one_event(
        apply_for(
            received_on=date(2026, 4, 15), requested_start=date(2026, 4, 20), insists_mid_month=True
        )
    )
    assert isinstance(event, Contract.ContractApplied)
    assert (event.service_start_date, event.mid_month_start) == (date(2026, 4, 20), True)


def test_application_on_the_1st_starts_service_that_day() -> None:
    # rule C1
    event = one_event(apply_for(received_on=date(2026, 4, 1)))
    assert isinstance(event, Contract.ContractApplied)
    assert (event.service_start_date, event.mid_month_start) == (date(2026, 4, 1), False)


def test_a_requested_mid_month_start_without_insistence_names_the_next_1st() -> None:
    # rule C1
    with pytest.raises(RuleViolation) as refused:
        apply_for(received_on=date(2026, 4, 10), requested_start=date(2026, 4, 20))
    assert refused.value.rule == "C1"
    assert refused.value.details["next_possible_start"] == date(2026, 5, 1)


def test_an_application_received_in_the_future_is_refused() -> None:
    # rule C1: operators record applications after they arrive, never before
    with pytest.raises(InvalidInput) as refused:
        apply_for(received_on=date(2026, 11, 19), by=cause(at(date(2026, 11, 18))))
    assert refused.value.rule == "C1"


def test_annual_payment_needs_an_annual_term() -> None:
    # rule C2
    with pytest.raises(InvalidInput) as refused:
        apply_for(term=Term.MONTHLY, payment=Payment.ANNUAL)
    assert refused.value.rule == "C2"


def test_annual_payment_costs_exactly_twelve_monthly_fees() -> None:
    # rule C2: 12 months invoiced at once, no discount
    contract = apply_for(site(clients=30), term=Term.ANNUAL, payment=Payment.ANNUAL)
    assert contract.monthly_fee == 92_400
    assert contract.months_per_invoice == 12
    assert contract.annual_amount == 12 * 92_400 == 1_108_800


def test_monthly_payment_invoices_one_month_at_a_time() -> None:
    # rule C2: an annual term may still be paid monthly
    contract = apply_for(term=Term.ANNUAL, payment=Payment.MONTHLY)
    assert contract.months_per_invoice == 1


def test_without_an_agreed_fee_the_standard_quote_is_contracted() -> None:
    # rules P2, P3
    event = one_event(apply_for(site(clients=30)))
    assert isinstance(event, Contract.ContractApplied)
    assert (event.monthly_fee, event.standard_monthly_fee, event.fee_reason) == (
        92_400,
        92_400,
        None,
    )
    assert event.units == 3


def test_an_agreed_fee_different_from_the_quote_needs_a_reason() -> None:
    # rule P3
    with pytest.raises(InvalidInput) as refused:
        apply_for(site(clients=30), agreed_fee=80_000)
    assert refused.value.rule == "P3"


def test_an_agreed_fee_with_its_reason_is_contracted_beside_the_standard_fee() -> None:
    # rule P3
    event = one_event(apply_for(site(clients=30), agreed_fee=80_000, fee_reason="modern equipment"))
    assert isinstance(event, Contract.ContractApplied)
    assert (event.monthly_fee, event.standard_monthly_fee) == (80_000, 92_400)
    assert event.fee_reason == "modern equipment"


def test_100_clients_cannot_be_contracted_without_an_agreed_fee() -> None:
    # rule P4: the error carries the suggested range (30-40 % of the linear 308,000)
    with pytest.raises(RuleViolation) as refused:
        apply_for(site(clients=100))
    assert refused.value.rule == "P4"
    assert refused.value.details["suggested_range"] == [92_400, 123_200]


def test_100_clients_at_an_agreed_fee_inside_the_suggested_range_need_no_reason() -> None:
    # rule P4
    event = one_event(apply_for(site(clients=100), agreed_fee=110_000))
    assert isinstance(event, Contract.ContractApplied)
    assert (event.monthly_fee, event.standard_monthly_fee) == (110_000, None)


def test_2_clients_still_pay_one_unit() -> None:
    # rule P5
    event = one_event(apply_for(site(clients=2)))
    assert isinstance(event, Contract.ContractApplied)
    assert event.monthly_fee == 30_800


def test_an_agreed_fee_below_one_unit_is_refused_on_the_standard_plan() -> None:
    # rule P5
    with pytest.raises(RuleViolation) as refused:
        apply_for(site(clients=2), agreed_fee=20_000, fee_reason="small office")
    assert refused.value.rule == "P5"


def test_a_reduced_plan_may_agree_a_fee_below_one_unit() -> None:
    # rule P6
    contract = apply_for(
        site(clients=2), plan=Plan.remote_only, agreed_fee=15_000, fee_reason="remote"
    )
    assert (contract.monthly_fee, contract.plan) == (15_000, Plan.remote_only)


def test_a_negative_agreed_fee_is_never_valid() -> None:
    # rule P6
    with pytest.raises(InvalidInput) as refused:
        apply_for(site(clients=2), plan=Plan.remote_only, agreed_fee=-1, fee_reason="x")
    assert refused.value.rule == "P6"


def test_the_tariff_and_the_recorded_volume_are_kept_on_the_contract() -> None:
    # rules P8, P9: the volume is recorded per cluster
    contract = apply_for(
        site("hq", clients=8), site("hq", clients=4, city="Shibuya"), site("osaka", 5)
    )
    assert {k: v.clients for k, v in contract.volumes.items()} == {"hq": 12, "osaka": 5}
    assert contract.clusters == ("hq", "osaka")
    assert contract.tariff.unit_fee == 30_800
