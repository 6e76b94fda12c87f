"""Specification of base service hours (rule O1) and the 24-hour target (rule O3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInput
from domain.service_hours import (
    JST,
    HolidayCalendar,
    is_off_hours_visit,
    is_past_response_target,
    is_within_base_hours,
    response_deadline,
)
from infra.holidays import JapaneseHolidayCalendar


class FakeHolidays:
    """A fixed set of holidays, so pure tests need no calendar library."""

    def __init__(self, *days: date) -> None:
        self.days = set(days)

    def is_holiday(self, day: date) -> bool:
        return day in self.days


NO_HOLIDAYS: HolidayCalendar = FakeHolidays()
REAL: HolidayCalendar = JapaneseHolidayCalendar()


def jst(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in Japan time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


WEDNESDAY = date(2026, 11, 4)
SATURDAY = date(2026, 11, 7)
CULTURE_DAY = date(2026, 11, 3)  # a Tuesday and a public holiday


# --- O1: base hours ---


def test_visit_on_wednesday_10_to_11_is_within_base_hours() -> None:
    # rule O1
    assert not is_off_hours_visit(jst(WEDNESDAY, 10), jst(WEDNESDAY, 11), NO_HOLIDAYS)


def test_18_30_on_a_weekday_is_outside_base_hours() -> None:
    # rule O1
    assert not is_within_base_hours(jst(WEDNESDAY, 18, 30), NO_HOLIDAYS)


def test_base_hours_include_the_9_00_and_18_00_boundaries() -> None:
    # rule O1
    assert is_within_base_hours(jst(WEDNESDAY, 9), NO_HOLIDAYS)
    assert is_within_base_hours(jst(WEDNESDAY, 18), NO_HOLIDAYS)


def test_visit_on_a_saturday_is_off_hours() -> None:
    # rule O1
    assert is_off_hours_visit(jst(SATURDAY, 10), jst(SATURDAY, 11), NO_HOLIDAYS)


def test_visit_on_a_public_holiday_is_off_hours() -> None:
    # rule O1
    calendar = FakeHolidays(CULTURE_DAY)
    assert is_off_hours_visit(jst(CULTURE_DAY, 10), jst(CULTURE_DAY, 11), calendar)


def test_visit_on_culture_day_is_off_hours_by_the_real_japanese_calendar() -> None:
    # rule O1: a maintained calendar, not a hand-written list
    assert is_off_hours_visit(jst(CULTURE_DAY, 10), jst(CULTURE_DAY, 11), REAL)


def test_real_japanese_calendar_knows_holidays_and_working_days() -> None:
    # rule O1
    assert REAL.is_holiday(CULTURE_DAY)
    assert REAL.is_holiday(date(2026, 1, 1))
    assert not REAL.is_holiday(WEDNESDAY)


def test_visit_running_past_18_00_is_off_hours() -> None:
    # rule O1 decision: any part outside base hours makes the visit off-hours
    assert is_off_hours_visit(jst(WEDNESDAY, 17), jst(WEDNESDAY, 18, 30), NO_HOLIDAYS)


def test_visit_arriving_before_9_00_is_off_hours() -> None:
    # rule O1 decision
    assert is_off_hours_visit(jst(WEDNESDAY, 8, 30), jst(WEDNESDAY, 10), NO_HOLIDAYS)


def test_visit_spanning_the_night_is_off_hours() -> None:
    # rule O1 decision
    thursday = WEDNESDAY + timedelta(days=1)
    assert is_off_hours_visit(jst(WEDNESDAY, 17), jst(thursday, 10), NO_HOLIDAYS)


def test_visit_times_are_judged_in_japan_time() -> None:
    # rule O1: 01:00-02:00 UTC is 10:00-11:00 in Tokyo
    arrival = datetime(2026, 11, 4, 1, tzinfo=UTC)
    assert not is_off_hours_visit(arrival, arrival + timedelta(hours=1), NO_HOLIDAYS)


def test_naive_datetimes_are_refused() -> None:
    # rule O1: a naive time's zone would be a guess
    with pytest.raises(InvalidInput) as refused:
        is_off_hours_visit(datetime(2026, 11, 4, 10), jst(WEDNESDAY, 11), NO_HOLIDAYS)
    assert refused.value.rule == "O1"


def test_departure_before_arrival_is_refused() -> None:
    # rule O1
    with pytest.raises(InvalidInput) as refused:
        is_off_hours_visit(jst(WEDNESDAY, 11), jst(WEDNESDAY, 10), NO_HOLIDAYS)
    assert refused.value.rule == "O1"


@given(
    start=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(JST)
    ),
    minutes=st.integers(min_value=0, max_value=3 * 24 * 60),
)
def test_a_visit_is_off_hours_when_either_end_is_outside_base_hours(
    start: datetime, minutes: int
) -> None:
    # rule O1 decision
    end = start + timedelta(minutes=minutes)
    if not (is_within_base_hours(start, REAL) and is_within_base_hours(end, REAL)):
        assert is_off_hours_visit(start, end, REAL)


# --- O3: 24-hour target ---


def test_response_deadline_is_24_hours_after_opening() -> None:
    # rule O3
    assert response_deadline(jst(WEDNESDAY, 10)) == jst(WEDNESDAY + timedelta(days=1), 10)


def test_open_ticket_is_past_target_after_24_hours() -> None:
    # rule O3
    opened = jst(WEDNESDAY, 10)
    assert not is_past_response_target(opened, None, opened + timedelta(hours=24))
    assert is_past_response_target(opened, None, opened + timedelta(hours=24, minutes=1))


def test_arrival_within_24_hours_meets_the_target_whatever_now_is() -> None:
    # rule O3
    opened = jst(WEDNESDAY, 10)
    now = opened + timedelta(days=5)
    assert not is_past_response_target(opened, opened + timedelta(hours=23), now)


def test_arrival_after_24_hours_missed_the_target() -> None:
    # rule O3
    opened = jst(WEDNESDAY, 10)
    assert is_past_response_target(opened, opened + timedelta(hours=25), opened + timedelta(days=2))


def test_naive_opening_time_is_refused() -> None:
    # rule O3
    with pytest.raises(InvalidInput) as refused:
        response_deadline(datetime(2026, 11, 4, 10))
    assert refused.value.rule == "O3"
