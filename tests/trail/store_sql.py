"""Tampering with the stored events by SQL, as someone with write access to the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg

from infra.bootstrap import EConcierge

Row = tuple[int, UUID, int, str, bytes]  # position, aggregate id, version, topic, state


class StoredRows:
    """Direct SQL on the event store's table, on SQLite or PostgreSQL."""

    def __init__(self, service: EConcierge) -> None:
        settings = service.settings
        self.postgres = bool(settings.database_url)
        self.settings = settings
        table = service.recorder.events_table_name  # type: ignore[attr-defined]
        if self.postgres:
            self.table = f'"{settings.db_schema}"."{table}"'
            self.position = "notification_id"
        else:
            self.table = table
            self.position = "rowid"

    @contextmanager
    def _sql(self) -> Iterator[Any]:
        if self.postgres:
            assert self.settings.database_url
            with psycopg.connect(self.settings.database_url) as conn:
                yield conn
        else:
            conn = sqlite3.connect(self.settings.sqlite_path)
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()

    def _q(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def _id(self, aggregate_id: UUID) -> Any:
        return aggregate_id if self.postgres else aggregate_id.hex

    def rows(self) -> list[Row]:
        with self._sql() as conn:
            found = conn.execute(
                f"SELECT {self.position}, originator_id, originator_version, topic, state"
                f" FROM {self.table} ORDER BY {self.position}"
            ).fetchall()
        return [(int(p), UUID(str(o)), int(v), t, bytes(s)) for p, o, v, t, s in found]

    def row(self, position: int) -> Row:
        return next(r for r in self.rows() if r[0] == position)

    def set_state(self, position: int, state: bytes) -> None:
        with self._sql() as conn:
            conn.execute(self._q(f"UPDATE {self.table} SET state = ? WHERE {self.position} = ?"), (state, position))

    def delete(self, position: int) -> None:
        with self._sql() as conn:
            conn.execute(self._q(f"DELETE FROM {self.table} WHERE {self.position} = ?"), (position,))

    def swap_positions(self, a: int, b: int) -> None:
        """Exchange the log places of two events (their rows keep their contents)."""
        p = self.position
        with self._sql() as conn:
            for old, new in ((a, -a), (b, a), (-a, b)):
                conn.execute(self._q(f"UPDATE {self.table} SET {p} = ? WHERE {p} = ?"), (new, old))

    def insert(self, aggregate_id: UUID, version: int, topic: str, state: bytes, position: int | None = None) -> None:
        """Insert a row at the log's end, or at a chosen (free) position."""
        columns, values = "originator_id, originator_version, topic, state", "?, ?, ?, ?"
        params: tuple[Any, ...] = (self._id(aggregate_id), version, topic, state)
        if position is not None:
            columns, values, params = f"{self.position}, {columns}", f"?, {values}", (position, *params)
        with self._sql() as conn:
            conn.execute(self._q(f"INSERT INTO {self.table} ({columns}) VALUES ({values})"), params)

    def make_room_at(self, position: int) -> None:
        """Renumber the rows from `position` on one place later, so that `position` is free."""
        p = self.position
        with self._sql() as conn:
            later = conn.execute(self._q(f"SELECT {p} FROM {self.table} WHERE {p} >= ? ORDER BY {p} DESC"), (position,))
            for (old,) in later.fetchall():
                conn.execute(self._q(f"UPDATE {self.table} SET {p} = ? WHERE {p} = ?"), (old + 1, old))

    def contains(self, text: str) -> bool:
        """Whether any stored byte sequence contains `text` (UTF-8)."""
        needle = text.encode()
        return any(needle in row[4] for row in self.rows())
