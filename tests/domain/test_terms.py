"""Specification of contract start and end dates (rules C1-C4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput, RuleViolation
from domain.terms import (
    Term,
    check_requested_end,
    earliest_end_date,
    first_of_next_month,
    is_month_end,
    last_day_of_month,
    minimum_term_end,
    notice_end,
    service_start_date,
    term_ends,
)

# A start long ago, so that the minimum term (C3) never bites in notice (C4) examples.
LONG_RUNNING = date(2025, 4, 1)


# --- helpers ---


def test_last_day_of_month_knows_leap_years() -> None:
    assert last_day_of_month(date(2028, 2, 10)) == date(2028, 2, 29)


def test_first_of_next_month_rolls_over_the_year() -> None:
    assert first_of_next_month(date(2026, 12, 31)) == date(2027, 1, 1)


def test_terms_are_monthly_or_annual() -> None:
    # rule C2
    assert {t.value for t in Term} == {"monthly", "annual"}


# --- C1: start date ---


def test_application_on_the_1st_starts_service_that_day() -> None:
    # rule C1
    assert service_start_date(date(2026, 4, 1)) == date(2026, 4, 1)


def test_application_mid_month_starts_service_on_the_1st_of_next_month() -> None:
    # rule C1
    assert service_start_date(date(2026, 4, 15)) == date(2026, 5, 1)


def test_application_mid_month_starts_that_day_when_the_customer_insists() -> None:
    # rule C1
    assert service_start_date(date(2026, 4, 15), insists_mid_month=True) == date(2026, 4, 15)


def test_requested_start_on_a_later_1st_is_accepted() -> None:
    # rule C1
    assert service_start_date(date(2026, 4, 15), date(2026, 6, 1)) == date(2026, 6, 1)


def test_requested_mid_month_start_is_refused_naming_the_next_1st() -> None:
    # rule C1
    with pytest.raises(RuleViolation) as refused:
        service_start_date(date(2026, 4, 10), date(2026, 4, 20))
    assert refused.value.rule == "C1"
    assert refused.value.details["next_possible_start"] == date(2026, 5, 1)
    assert "2026-05-01" in refused.value.message


def test_requested_mid_month_start_is_accepted_when_the_customer_insists() -> None:
    # rule C1: the first month is then billed in full
    start = service_start_date(date(2026, 4, 10), date(2026, 4, 20), insists_mid_month=True)
    assert start == date(2026, 4, 20)


def test_requested_start_before_the_application_is_invalid() -> None:
    # rule C1
    with pytest.raises(InvalidInput) as refused:
        service_start_date(date(2026, 4, 10), date(2026, 4, 1))
    assert refused.value.rule == "C1"


# --- C3: minimum term ---


def test_minimum_term_of_a_1_april_start_ends_30_june() -> None:
    # rule C3
    assert minimum_term_end(date(2026, 4, 1)) == date(2026, 6, 30)


def test_mid_month_start_counts_its_month_as_the_first_of_the_minimum_term() -> None:
    # rule C3: start 15 November -> earliest end 31 January
    assert minimum_term_end(date(2026, 11, 15)) == date(2027, 1, 31)


def test_start_1_april_earliest_end_is_30_june() -> None:
    # rule C3
    assert earliest_end_date(date(2026, 4, 1), Term.MONTHLY, date(2026, 4, 1)) == date(2026, 6, 30)


def test_start_15_november_earliest_end_is_31_january() -> None:
    # rule C3
    assert earliest_end_date(date(2026, 11, 15), Term.MONTHLY, date(2026, 11, 15)) == date(
        2027, 1, 31
    )


def test_end_within_the_minimum_term_is_refused_under_c3() -> None:
    # rule C3: notice alone would allow 31 May, the minimum term does not
    with pytest.raises(RuleViolation) as refused:
        check_requested_end(date(2026, 5, 31), date(2026, 4, 1), Term.MONTHLY, date(2026, 4, 1))
    assert refused.value.rule == "C3"
    assert refused.value.details["earliest_end_date"] == date(2026, 6, 30)
    assert "2026-06-30" in refused.value.message


# --- C4: notice and month ends ---


def test_to_end_on_30_november_the_request_must_arrive_by_31_october() -> None:
    # rule C4
    assert notice_end(date(2026, 10, 31)) == date(2026, 11, 30)
    check_requested_end(date(2026, 11, 30), LONG_RUNNING, Term.MONTHLY, date(2026, 10, 31))


def test_request_arriving_1_november_ends_at_the_earliest_on_31_december() -> None:
    # rule C4
    assert earliest_end_date(LONG_RUNNING, Term.MONTHLY, date(2026, 11, 1)) == date(2026, 12, 31)


def test_end_without_a_full_month_of_notice_is_refused_naming_the_earliest_end() -> None:
    # rule C4
    with pytest.raises(RuleViolation) as refused:
        check_requested_end(date(2026, 11, 30), LONG_RUNNING, Term.MONTHLY, date(2026, 11, 1))
    assert refused.value.rule == "C4"
    assert refused.value.details["earliest_end_date"] == date(2026, 12, 31)
    assert "2026-12-31" in refused.value.message


def test_end_date_that_is_not_a_month_end_is_refused() -> None:
    # rule C4
    with pytest.raises(RuleViolation) as refused:
        check_requested_end(date(2027, 1, 15), LONG_RUNNING, Term.MONTHLY, date(2026, 10, 1))
    assert refused.value.rule == "C4"
    assert refused.value.details["earliest_end_date"] == date(2026, 11, 30)


def test_later_month_end_with_enough_notice_is_accepted() -> None:
    # rule C4: "at least" one month's notice
    check_requested_end(date(2027, 3, 31), LONG_RUNNING, Term.MONTHLY, date(2026, 10, 1))


# --- C4 decision: annual contracts ---


def test_annual_terms_end_every_12_months_after_the_start() -> None:
    # rule C4
    ends = term_ends(date(2026, 4, 1), Term.ANNUAL)
    assert [next(ends) for _ in range(2)] == [date(2027, 3, 31), date(2028, 3, 31)]


def test_annual_term_of_a_mid_month_start_counts_its_month_as_the_first() -> None:
    # rule C4 with C3's counting: November is month 1
    assert next(term_ends(date(2026, 11, 15), Term.ANNUAL)) == date(2027, 10, 31)


def test_annual_contract_ends_at_the_current_term_end_with_a_months_notice() -> None:
    # rule C4
    start = date(2026, 4, 1)
    assert earliest_end_date(start, Term.ANNUAL, date(2027, 2, 28)) == date(2027, 3, 31)
    check_requested_end(date(2027, 3, 31), start, Term.ANNUAL, date(2027, 2, 28))


def test_annual_contract_without_notice_before_the_term_end_runs_another_term() -> None:
    # rule C4
    assert earliest_end_date(date(2026, 4, 1), Term.ANNUAL, date(2027, 3, 1)) == date(2028, 3, 31)


def test_annual_contract_cannot_end_at_a_month_end_that_is_not_a_term_end() -> None:
    # rule C4
    with pytest.raises(RuleViolation) as refused:
        check_requested_end(date(2026, 9, 30), date(2026, 4, 1), Term.ANNUAL, date(2026, 6, 1))
    assert refused.value.rule == "C4"
    assert refused.value.details["earliest_end_date"] == date(2027, 3, 31)
    assert "2027-03-31" in refused.value.message


def test_annual_contract_may_end_at_a_later_term_end() -> None:
    # rule C4
    check_requested_end(date(2028, 3, 31), date(2026, 4, 1), Term.ANNUAL, date(2026, 6, 1))


# --- properties ---

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


@given(start=days, received=days, term=st.sampled_from(Term))
def test_earliest_end_is_a_month_end_after_notice_and_minimum_term(
    start: date, received: date, term: Term
) -> None:
    # rules C3, C4
    earliest = earliest_end_date(start, term, received)
    assert is_month_end(earliest)
    assert earliest >= notice_end(received)
    assert earliest >= minimum_term_end(start)


@given(start=days, received=days, term=st.sampled_from(Term))
def test_earliest_end_is_always_accepted_and_the_month_end_before_never(
    start: date, received: date, term: Term
) -> None:
    # rules C3, C4
    earliest = earliest_end_date(start, term, received)
    check_requested_end(earliest, start, term, received)
    month_end_before = earliest.replace(day=1) - timedelta(days=1)
    with pytest.raises(RuleViolation):
        check_requested_end(month_end_before, start, term, received)
