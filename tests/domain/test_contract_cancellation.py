"""Specification of ending a contract: minimum term (C3), notice and month ends (C4)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.aggregates.contract import Contract, ContractStatus
from domain.errors import InvalidInput, RuleViolation
from domain.terms import Term
from tests.domain.builders import (
    applied,
    at,
    cancellation_requested,
    cause,
    ended,
    given,
    started,
    then,
)

# Service began long ago, so the minimum term (C3) never bites in the notice (C4) examples.
LONG_RUNNING = applied(received_on=date(2025, 4, 1))


def _refusal(contract: Contract, end: date, received_on: date) -> RuleViolation:
    """When a cancellation for `end` arrives on `received_on`, then it is refused."""
    with pytest.raises(RuleViolation) as refused:
        contract.request_cancellation(cause(received_on), end, received_on)
    assert contract.collect_events() == []
    return refused.value


def test_to_end_on_30_november_the_notice_may_arrive_on_31_october() -> None:
    # rule C4
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    contract.request_cancellation(cause(date(2026, 10, 31)), date(2026, 11, 30), date(2026, 10, 31))
    assert then(contract) == [
        (
            "CancellationRequested",
            {"requested_end_date": date(2026, 11, 30), "received_on": date(2026, 10, 31)},
        )
    ]


def test_notice_arriving_on_1_november_is_too_late_for_30_november() -> None:
    # rule C4: the refusal names the earliest possible end date
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    error = _refusal(contract, date(2026, 11, 30), date(2026, 11, 1))
    assert error.rule == "C4"
    assert error.details["earliest_end_date"] == date(2026, 12, 31)
    assert "2026-12-31" in error.message


def test_a_contract_ends_only_on_the_last_day_of_a_month() -> None:
    # rule C4
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    error = _refusal(contract, date(2026, 12, 15), date(2026, 10, 1))
    assert error.rule == "C4"
    assert error.details["earliest_end_date"] == date(2026, 11, 30)


def test_start_on_1_april_cannot_end_before_30_june() -> None:
    # rule C3: the earliest end is the last day of the 3rd month of service
    contract = given(applied(received_on=date(2026, 4, 1)), started(date(2026, 4, 1)))
    assert contract.earliest_end_date(date(2026, 4, 1)) == date(2026, 6, 30)
    error = _refusal(contract, date(2026, 5, 31), date(2026, 4, 1))
    assert error.rule == "C3"
    assert error.details["earliest_end_date"] == date(2026, 6, 30)


def test_start_on_1_april_may_end_on_30_june() -> None:
    # rule C3
    contract = given(applied(received_on=date(2026, 4, 1)), started(date(2026, 4, 1)))
    contract.request_cancellation(cause(date(2026, 4, 1)), date(2026, 6, 30), date(2026, 4, 1))
    assert [name for name, _ in then(contract)] == ["CancellationRequested"]


def test_a_mid_month_start_on_15_november_counts_november_as_the_first_month() -> None:
    # rule C3: billed in full, so the earliest end is 31 January
    contract = given(
        applied(received_on=date(2026, 11, 15), insists_mid_month=True), started(date(2026, 11, 15))
    )
    assert contract.earliest_end_date(date(2026, 11, 15)) == date(2027, 1, 31)
    error = _refusal(contract, date(2026, 12, 31), date(2026, 11, 15))
    assert (error.rule, error.details["earliest_end_date"]) == ("C3", date(2027, 1, 31))


def test_an_annual_contract_ends_only_at_the_end_of_a_12_month_term() -> None:
    # rule C4 decision
    contract = given(
        applied(received_on=date(2026, 4, 1), term=Term.ANNUAL), started(date(2026, 4, 1))
    )
    error = _refusal(contract, date(2026, 12, 31), date(2026, 11, 1))
    assert error.rule == "C4"
    assert error.details["earliest_end_date"] == date(2027, 3, 31)


def test_an_annual_contract_may_end_at_its_term_end_with_a_months_notice() -> None:
    # rule C4 decision
    contract = given(
        applied(received_on=date(2026, 4, 1), term=Term.ANNUAL), started(date(2026, 4, 1))
    )
    contract.request_cancellation(cause(date(2027, 2, 28)), date(2027, 3, 31), date(2027, 2, 28))
    assert [name for name, _ in then(contract)] == ["CancellationRequested"]


def test_a_cancellation_received_in_the_future_is_refused_citing_c4() -> None:
    # rule C4 (the rule that reads the day a cancellation arrived): requests are recorded
    # after they arrive, so a received_on after today is refused, and nothing is recorded
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    with pytest.raises(InvalidInput) as refused:
        contract.request_cancellation(
            cause(date(2026, 10, 1)), date(2026, 12, 31), date(2026, 10, 2)
        )
    assert refused.value.rule == "C4"
    assert "2026-10-02" in refused.value.message
    assert contract.collect_events() == []


def test_a_second_cancellation_is_refused_while_one_is_pending() -> None:
    # rule C4
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 12, 31), date(2026, 10, 1)),
    )
    error = _refusal(contract, date(2027, 1, 31), date(2026, 10, 2))
    assert error.rule == "C4"


def test_a_pending_cancellation_can_be_withdrawn() -> None:
    # rule C4
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 12, 31), date(2026, 10, 1)),
    )
    contract.withdraw_cancellation(cause(date(2026, 11, 2)))
    assert then(contract) == [("CancellationWithdrawn", {"requested_end_date": date(2026, 12, 31)})]
    assert contract.cancellation is None


def test_there_is_nothing_to_withdraw_without_a_pending_cancellation() -> None:
    # rule C4
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    with pytest.raises(RuleViolation) as refused:
        contract.withdraw_cancellation(cause(date(2026, 11, 2)))
    assert refused.value.rule == "C4"


def test_a_contract_does_not_end_on_its_end_date() -> None:
    # rule C4: service runs through the whole last day
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 11, 30), date(2026, 10, 1)),
    )
    with pytest.raises(RuleViolation) as refused:
        contract.end(cause(at(date(2026, 11, 30), 23)))
    assert refused.value.rule == "C4"


def test_a_contract_ends_the_day_after_its_end_date() -> None:
    # rule C4
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 11, 30), date(2026, 10, 1)),
    )
    contract.end(cause(at(date(2026, 12, 1), 0)))
    assert then(contract) == [("ContractEnded", {"ended_on": date(2026, 11, 30)})]
    assert contract.status is ContractStatus.ENDED


def test_a_contract_ends_only_through_a_cancellation() -> None:
    # rule C4
    contract = given(LONG_RUNNING, started(date(2025, 4, 1)))
    with pytest.raises(RuleViolation) as refused:
        contract.end(cause(date(2026, 12, 1)))
    assert refused.value.rule == "C4"


def test_an_ended_contract_refuses_every_change() -> None:
    # rule C4
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 11, 30), date(2026, 10, 1)),
        ended(date(2026, 11, 30)),
    )
    with pytest.raises(RuleViolation):
        contract.withdraw_cancellation(cause(date(2026, 12, 2)))
    with pytest.raises(RuleViolation):
        contract.record_client_count(cause(date(2026, 12, 2)), "hq", 40, 0)
    assert contract.earliest_end_date(date(2026, 12, 2)) is None


def test_a_cancellation_cannot_be_withdrawn_once_its_end_date_has_passed() -> None:
    # rule C4: it has taken effect, even before the contract is formally closed
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 11, 30), date(2026, 10, 1)),
    )
    with pytest.raises(RuleViolation) as refused:
        contract.withdraw_cancellation(cause(date(2026, 12, 1)))
    assert refused.value.rule == "C4"


def test_a_cancellation_can_be_withdrawn_on_its_last_day() -> None:
    # rule C4
    contract = given(
        LONG_RUNNING,
        started(date(2025, 4, 1)),
        cancellation_requested(date(2026, 11, 30), date(2026, 10, 1)),
    )
    contract.withdraw_cancellation(cause(date(2026, 11, 30)))
    assert [name for name, _ in then(contract)] == ["CancellationWithdrawn"]
