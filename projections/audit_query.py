"""Reading the audit trail: filters, pages in log order, and whole trails for export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

import msgspec

from domain.errors import InvalidInput
from infra.clock import JST
from projections.audit import COLUMNS, TRAIL, epoch_us
from projections.store import Tx

EXPORT_CHUNK = 1_000


class AuditEntry(msgspec.Struct, frozen=True, kw_only=True):
    """One event of the trail, as the API lists it and the JSON Lines export writes it."""

    position: int  # the event's place in the global log
    event_id: str  # "<aggregate id>:<version>": unique, stable across rebuilds
    aggregate_kind: str
    aggregate_id: UUID
    version: int
    contract_id: UUID | None
    event_type: str
    topic: str
    actor_id: str
    actor_role: str
    correlation_id: str
    causation_id: str
    at: datetime  # Japan time
    summary: str
    rules: list[str]
    payload: dict[str, Any]  # the event's own fields
    chain_hash: str | None = None  # the event's hash in the tamper-evident trail (issue 9)


class AuditFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which events to read; every given criterion must hold."""

    contract_id: UUID | None = None  # the contract and its tickets and assignments
    aggregate_id: UUID | None = None  # one aggregate (a ticket, an assignment, a contract)
    actor_id: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive

    def where(self, after: int) -> tuple[str, list[Any]]:
        clauses, params = ["position > ?"], [after]
        if self.contract_id is not None:
            clauses.append("contract_id = ?")
            params.append(str(self.contract_id))
        if self.aggregate_id is not None:
            clauses.append("aggregate_id = ?")
            params.append(str(self.aggregate_id))
        if self.actor_id is not None:
            clauses.append("actor_id = ?")
            params.append(self.actor_id)
        if self.start is not None:
            clauses.append("at_us >= ?")
            params.append(epoch_us(self.start))
        if self.end is not None:
            clauses.append("at_us < ?")
            params.append(epoch_us(self.end))
        return " AND ".join(clauses), params


def parse_instant(text: str, *, field: str, end: bool = False) -> datetime:
    """A date (`2026-11-18`: that day's start, or with `end` the next day's start) or an
    ISO datetime (without offset: Japan time), as an aware datetime."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1 if end else 0), time(), JST)
        instant = datetime.fromisoformat(text)  # 3.11 reads "Z" too
    except (ValueError, OverflowError):  # OverflowError: the day after 9999-12-31
        raise InvalidInput(
            f"{field} must be a date (YYYY-MM-DD) or an ISO datetime, not {text!r}", **{field: text}
        ) from None
    return instant if instant.tzinfo else instant.replace(tzinfo=JST)


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    data = dict(zip(COLUMNS, row, strict=True))
    return AuditEntry(
        position=int(data["position"]),
        event_id=data["event_id"],
        aggregate_kind=data["aggregate_kind"],
        aggregate_id=UUID(data["aggregate_id"]),
        version=int(data["version"]),
        contract_id=UUID(data["contract_id"]) if data["contract_id"] else None,
        event_type=data["event_type"],
        topic=data["topic"],
        actor_id=data["actor_id"],
        actor_role=data["actor_role"],
        correlation_id=data["correlation_id"],
        causation_id=data["causation_id"],
        at=datetime.fromisoformat(data["at"]).astimezone(JST),
        summary=data["summary"],
        rules=[r for r in data["rules"].split(",") if r],
        payload=msgspec.json.decode(data["payload"]),
        chain_hash=data["chain_hash"],
    )


def read_trail(tx: Tx, where: AuditFilter, *, after: int = 0, limit: int = 100) -> list[AuditEntry]:
    """Up to `limit` events after position `after` that match, in log order."""
    clause, params = where.where(after)
    rows = tx.fetchall(
        f"SELECT {', '.join(COLUMNS)} FROM {TRAIL} WHERE {clause} ORDER BY position LIMIT ?",
        [*params, limit],
    )
    return [_entry(row) for row in rows]


def whole_trail(tx: Tx, where: AuditFilter) -> Iterator[AuditEntry]:
    """Every matching event in log order (read in chunks, for exports)."""
    after = 0
    while True:
        chunk = read_trail(tx, where, after=after, limit=EXPORT_CHUNK)
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        after = chunk[-1].position
