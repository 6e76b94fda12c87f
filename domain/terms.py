"""Contract term policies: when service starts and the earliest date it may end (C1-C4)."""

from __future__ import annotations

import calendar
import itertools
from collections.abc import Iterator
from datetime import date, timedelta
from enum import StrEnum

from domain.errors import InvalidInput, RuleViolation

#: rule C3 decision: the month of a (possibly mid-month) start counts as month 1 of 3.
MINIMUM_TERM_MONTHS = 3
#: rule C4: one month's notice, ending at the month end after the month of arrival.
NOTICE_MONTHS = 1
#: rule C4 decision: an annual contract ends only at the end of a 12-month term.
ANNUAL_TERM_MONTHS = 12


class Term(StrEnum):
    """How long one contract term runs (rule C2)."""

    MONTHLY = "monthly"
    ANNUAL = "annual"


def last_day_of_month(d: date) -> date:
    """The last day of the month that contains `d`."""
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def first_of_next_month(d: date) -> date:
    """The 1st of the month after the month that contains `d`."""
    return last_day_of_month(d) + timedelta(days=1)


def _add_months(first: date, months: int) -> date:
    """The 1st of the month `months` after the month of `first`."""
    index = first.year * 12 + (first.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _end_of_nth_month(start: date, n: int) -> date:
    """The last day of the n-th month of a period whose first month contains `start`."""
    return last_day_of_month(_add_months(start.replace(day=1), n - 1))


def is_month_end(d: date) -> bool:
    """Whether `d` is the last day of its month."""
    return d == last_day_of_month(d)


def service_start_date(
    received_on: date, requested_start: date | None = None, insists_mid_month: bool = False
) -> date:
    """The day service starts for an application received on `received_on` (rule C1)."""
    if requested_start is None:
        if received_on.day == 1:
            return received_on
        # Insisting without a date means "start right away", i.e. the day of application.
        return received_on if insists_mid_month else first_of_next_month(received_on)
    if requested_start < received_on:
        raise InvalidInput(
            f"Service cannot start ({requested_start.isoformat()}) before the application"
            f" was received ({received_on.isoformat()}).",
            rule="C1",
            requested_start=requested_start,
            received_on=received_on,
        )
    if requested_start.day == 1 or insists_mid_month:
        # A mid-month start is billed for the full month: no pro rata (rule C1).
        return requested_start
    next_first = first_of_next_month(requested_start)
    raise RuleViolation(
        f"Service starts on the 1st of a month; the next possible start is"
        f" {next_first.isoformat()} unless the customer insists on a mid-month start.",
        rule="C1",
        requested_start=requested_start,
        next_possible_start=next_first,
    )


def minimum_term_end(service_start: date) -> date:
    """The earliest end the minimum term allows: end of the 3rd month of service (rule C3)."""
    return _end_of_nth_month(service_start, MINIMUM_TERM_MONTHS)


def notice_end(received_on: date) -> date:
    """The earliest end one month's notice allows for a request received that day (rule C4)."""
    return _end_of_nth_month(received_on, 1 + NOTICE_MONTHS)


def term_ends(service_start: date, term: Term) -> Iterator[date]:
    """The successive dates a contract may end on: every month end, or every 12-month term end."""
    step = ANNUAL_TERM_MONTHS if term is Term.ANNUAL else 1
    return (_end_of_nth_month(service_start, n * step) for n in itertools.count(1))


def earliest_end_date(service_start: date, term: Term, received_on: date) -> date:
    """The earliest end a cancellation received on `received_on` may ask for (rules C3, C4)."""
    floor = max(minimum_term_end(service_start), notice_end(received_on))
    return next(end for end in term_ends(service_start, term) if end >= floor)


def _is_term_end(d: date, service_start: date, term: Term) -> bool:
    """Whether `d` is one of the contract's term ends."""
    return next(end for end in term_ends(service_start, term) if end >= d) == d


def check_requested_end(
    requested_end: date, service_start: date, term: Term, received_on: date
) -> None:
    """Refuse a requested end date that rules C3/C4 do not allow, naming the earliest one."""
    earliest = earliest_end_date(service_start, term, received_on)
    details = {"requested_end": requested_end, "earliest_end_date": earliest}
    tail = f"the earliest possible end date is {earliest.isoformat()}."
    if not is_month_end(requested_end):
        raise RuleViolation(
            f"A contract ends only on the last day of a month; {tail}", rule="C4", **details
        )
    # Notice is checked first: the minimum term "bites" only when the notice alone would do.
    if requested_end < notice_end(received_on):
        raise RuleViolation(
            f"Cancellation needs one full month of notice before the month end; {tail}",
            rule="C4",
            **details,
        )
    if requested_end < minimum_term_end(service_start):
        raise RuleViolation(
            f"No cancellation within the first {MINIMUM_TERM_MONTHS} months of service; {tail}",
            rule="C3",
            **details,
        )
    if not _is_term_end(requested_end, service_start, term):
        raise RuleViolation(
            f"An annual contract ends only at the end of a 12-month term; {tail}",
            rule="C4",
            **details,
        )
