"""Reading the billing view: statements by contract and month, and the P15 searches
(transaction date range, amount range, counterparty, alone or combined)."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec

from domain.billing import Statement
from projections.billing_tables import CLOSURES, STATEMENTS, counterparty_key, decode_statement
from projections.store import Tx


class StatementFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which statements to read; every given criterion must hold."""

    contract_id: str | None = None
    month: date | None = None  # the 1st of the billed month
    start: date | None = None  # transaction dates overlapping [start, end] (P15)
    end: date | None = None
    min_total: int | None = None
    max_total: int | None = None
    counterparty: str | None = None  # part of the customer's name, any case (P15)

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        checks: list[tuple[bool, str, Any]] = [
            (self.contract_id is not None, "contract_id = ?", self.contract_id),
            (self.month is not None, "month = ?", self.month and self.month.isoformat()),
            (self.start is not None, "date_to >= ?", self.start and self.start.isoformat()),
            (self.end is not None, "date_from <= ?", self.end and self.end.isoformat()),
            (self.min_total is not None, "total >= ?", self.min_total),
            (self.max_total is not None, "total <= ?", self.max_total),
        ]
        for given, clause, value in checks:
            if given:
                clauses.append(clause)
                params.append(value)
        if self.counterparty:
            clauses.append("counterparty LIKE ? ESCAPE '\\'")
            params.append(f"%{_escape(counterparty_key(self.counterparty))}%")
        return (" AND ".join(clauses) or "1 = 1"), params


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class StoredStatement(msgspec.Struct, frozen=True):
    """A statement and the seal its close recorded (None while its month is open)."""

    statement: Statement
    seal_total: int | None
    seal_digest: str | None

    @property
    def seal_matches(self) -> bool | None:
        """Whether the statement still is what its close sealed (None: not closed)."""
        if self.seal_digest is None:
            return None
        return (self.seal_total, self.seal_digest) == (self.statement.total, self.statement.digest)


def find_statements(
    tx: Tx, where: StatementFilter, *, after: tuple[str, str] | None = None, limit: int = 100
) -> list[StoredStatement]:
    """Up to `limit` matching statements by month, then id, after the (month, id) cursor."""
    clause, params = where.where()
    if after is not None:
        clause += " AND (month > ? OR (month = ? AND statement_id > ?))"
        params += [after[0], after[0], after[1]]
    rows = tx.fetchall(
        f"SELECT body, seal_total, seal_digest FROM {STATEMENTS} WHERE {clause}"
        " ORDER BY month, statement_id LIMIT ?",
        [*params, limit],
    )
    return [StoredStatement(decode_statement(body), total, digest) for body, total, digest in rows]


def closed_through(tx: Tx) -> date | None:
    """The last month closed (every month up to it is closed)."""
    row = tx.fetchone(f"SELECT MAX(through) FROM {CLOSURES}")
    return date.fromisoformat(row[0]) if row and row[0] else None


class MonthStatement:
    """A statement as the console's billing page lists it (`corrects` as one text)."""

    def __init__(self, statement: Statement) -> None:
        self._statement = statement

    def __getattr__(self, name: str) -> Any:
        return getattr(self._statement, name)

    @property
    def corrects(self) -> str | None:
        return ", ".join(self._statement.corrects) or None


def statements_for_month(tx: Tx, month: date) -> list[MonthStatement]:
    """Every statement of one month (the console's billing page)."""
    found = find_statements(tx, StatementFilter(month=month.replace(day=1)), limit=1_000_000)
    return [MonthStatement(s.statement) for s in found]


def month_closed(tx: Tx, month: date) -> bool:
    """Whether the month is closed (the console's billing page)."""
    through = closed_through(tx)
    return through is not None and month.replace(day=1) <= through
