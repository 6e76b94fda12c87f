"""How the console writes amounts, dates and times: yen as ¥92,400, instants in Japan time."""

from __future__ import annotations

from datetime import date, datetime

from infra.clock import JST


def yen(amount: int | None) -> str:
    """¥92,400 (a credit: -¥1,200); an unknown amount is a dash."""
    if amount is None:
        return "–"
    sign = "-" if amount < 0 else ""
    return f"{sign}¥{abs(amount):,}"


def japan_time(instant: datetime | None, pattern: str) -> str:
    """An aware instant shown in Japan time, whatever zone it was recorded in."""
    if instant is None:
        return "–"
    return instant.astimezone(JST).strftime(pattern)


def day(value: date | None, pattern: str) -> str:
    return "–" if value is None else value.strftime(pattern)


def local_input(instant: datetime) -> str:
    """The value of an `<input type="datetime-local">` for an instant (Japan time, seconds)."""
    return instant.astimezone(JST).replace(tzinfo=None, microsecond=0).isoformat()


def short_event(event_id: str) -> str:
    """An audit event id `<aggregate id>:<version>` shortened for reading: `9b9a95f5…:3`."""
    aggregate, _, version = event_id.rpartition(":")
    return f"{aggregate[:8]}…:{version}" if aggregate else event_id
