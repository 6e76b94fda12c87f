"""The injectable clock: Japan time, always aware (architecture.md, Storage)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


class Clock(Protocol):
    """Where "now" comes from; tests pass a FixedClock."""

    def now(self) -> datetime: ...

    def today(self) -> date: ...


class SystemClock:
    """The wall clock, in Japan time."""

    def now(self) -> datetime:
        return datetime.now(JST)

    def today(self) -> date:
        return self.now().date()


class FixedClock:
    """A clock that stands still until told to move (for tests and replays)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at.astimezone(JST)

    def now(self) -> datetime:
        return self._at

    def today(self) -> date:
        return self._at.date()

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(JST)

    def advance(self, **delta: float) -> None:
        self._at += timedelta(**delta)
