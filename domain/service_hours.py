"""Service hours policies: base hours and off-hours visits (O1), the 24-hour target (O3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import msgspec

from domain.errors import InvalidInput

#: All service hours are Japan time, whatever zone a caller's datetime carries (rule O1).
JST = ZoneInfo("Asia/Tokyo")
#: rule O3: no guarantee, but the target is to arrive within 24 hours of opening.
RESPONSE_TARGET = timedelta(hours=24)


class HolidayCalendar(Protocol):
    """The port to a maintained Japanese public holiday calendar (rule O1)."""

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a Japanese public holiday."""
        ...


class BaseHours(msgspec.Struct, frozen=True):
    """The daily window of base service hours on a working day, Japan time (rule O1)."""

    opens: time = time(9, 0)
    closes: time = time(18, 0)


BASE_HOURS = BaseHours()


def to_japan_time(moment: datetime, *, rule: str = "O1") -> datetime:
    """`moment` in Japan time; naive datetimes are refused as their zone is a guess."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput(
            f"A timezone-aware datetime is required, got naive {moment.isoformat()}.",
            rule=rule,
            moment=moment.isoformat(),
        )
    return moment.astimezone(JST)


def is_working_day(day: date, calendar: HolidayCalendar) -> bool:
    """Whether `day` is a weekday that is not a Japanese public holiday (rule O1)."""
    return day.weekday() < 5 and not calendar.is_holiday(day)


def is_within_base_hours(
    moment: datetime, calendar: HolidayCalendar, hours: BaseHours = BASE_HOURS
) -> bool:
    """Whether `moment` lies in base hours: a working day, 9:00-18:00 inclusive (rule O1)."""
    local = to_japan_time(moment)
    return is_working_day(local.date(), calendar) and hours.opens <= local.time() <= hours.closes


def is_off_hours_visit(
    arrival: datetime,
    departure: datetime,
    calendar: HolidayCalendar,
    hours: BaseHours = BASE_HOURS,
) -> bool:
    """Whether a visit is off-hours (rule O1).

    Decision: a visit is off-hours if any part of it lies outside base hours: arrival
    before 9:00, departure after 18:00, on a Saturday, Sunday or Japanese public holiday,
    or spanning more than one day (it then crosses the night).
    """
    start, end = to_japan_time(arrival), to_japan_time(departure)
    if end < start:
        raise InvalidInput(
            f"A visit cannot depart ({end.isoformat()}) before it arrives ({start.isoformat()}).",
            rule="O1",
            arrival=start.isoformat(),
            departure=end.isoformat(),
        )
    # Base hours are one window per day, so a same-day visit is inside iff both ends are.
    same_day = start.date() == end.date()
    return not (
        same_day
        and is_within_base_hours(start, calendar, hours)
        and is_within_base_hours(end, calendar, hours)
    )


def response_deadline(opened_at: datetime) -> datetime:
    """When the 24-hour arrival target of a ticket opened at `opened_at` runs out (rule O3)."""
    # Add elapsed time in UTC so the 24 hours stay 24 whatever zone the caller used.
    opened = to_japan_time(opened_at, rule="O3")
    return (opened.astimezone(UTC) + RESPONSE_TARGET).astimezone(JST)


def is_past_response_target(
    opened_at: datetime, first_arrival_at: datetime | None, now: datetime
) -> bool:
    """Whether the first arrival came, or is still awaited, after the 24-hour target (O3)."""
    deadline = response_deadline(opened_at)
    if first_arrival_at is not None:
        return to_japan_time(first_arrival_at, rule="O3") > deadline
    return to_japan_time(now, rule="O3") > deadline
