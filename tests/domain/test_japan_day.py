"""A fact is billed on its Japan-time day (rules C1, P10): whatever offset the instant carries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from domain.billing_lines import japan_day
from domain.service_hours import JST


def test_an_instant_in_japan_time_is_billed_on_its_own_day() -> None:
    assert japan_day(datetime(2026, 11, 30, 23, 59, tzinfo=JST)) == date(2026, 11, 30)
    nine = timezone(timedelta(hours=9))  # as decoded from "+09:00"
    assert japan_day(datetime(2026, 12, 1, 0, 0, tzinfo=nine)) == date(2026, 12, 1)


def test_an_instant_in_another_offset_is_billed_on_the_japan_day_it_falls_on() -> None:
    # 15:30 UTC on 30 November is 00:30 on 1 December in Tokyo: December's month
    assert japan_day(datetime(2026, 11, 30, 15, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert japan_day(datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=-5)))) == date(
        2026, 12, 1
    )
