"""The Japanese public holiday calendar (rule O1), backed by the maintained `jpholiday` package."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

import jpholiday


@lru_cache(maxsize=4096)
def _is_japanese_holiday(day: date) -> bool:
    """Whether `day` is a Japanese public holiday, cached as the same days recur in views."""
    return bool(jpholiday.is_holiday(day))


class JapaneseHolidayCalendar:
    """Implements `domain.service_hours.HolidayCalendar` with jpholiday."""

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a Japanese public holiday (substitute holidays included)."""
        # jpholiday also accepts datetimes; normalise so the cache keys on the day alone.
        if isinstance(day, datetime):
            day = day.date()
        return _is_japanese_holiday(day)
