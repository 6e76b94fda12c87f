"""Where views live: one small SQL wrapper over SQLite and PostgreSQL, so a view's SQL is written once.

Views write portable SQL with `?` placeholders (CREATE TABLE/INDEX IF NOT EXISTS, TEXT,
BIGINT, INTEGER, INSERT ... ON CONFLICT ... DO UPDATE). On PostgreSQL the placeholders
become `%s` and every connection's search_path is the configured schema, so view tables
sit beside the event store in the same database (and tests stay isolated per schema).
On the embedded default the views live in their own SQLite file under the data directory,
so projection writes never contend with command writes for the event store's lock.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import psycopg
from psycopg import sql as pgsql
from psycopg_pool import ConnectionPool

from infra.settings import Settings

Dialect = Literal["sqlite", "postgres"]
_MAX_PARAMS = 4_000  # per statement: below SQLite's 32,766 and PostgreSQL's 65,535
Row = tuple[Any, ...]


@lru_cache(maxsize=512)
def _to_pyformat(statement: str) -> str:
    # psycopg reads `%` as a placeholder marker, so literal ones are doubled first.
    return statement.replace("%", "%%").replace("?", "%s")


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Tx:
    """One open transaction on the view store: run portable SQL, read rows back."""

    def __init__(self, connection: Any, dialect: Dialect, namespace: str) -> None:
        self._conn = connection
        self.dialect: Dialect = dialect
        self._namespace = namespace

    def _sql(self, statement: str) -> str:
        return _to_pyformat(statement) if self.dialect == "postgres" else statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        cursor = self._conn.execute(self._sql(statement), tuple(params))
        return cursor.rowcount

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = [tuple(row) for row in rows]
        if not rows:
            return
        if self.dialect == "postgres":
            with self._conn.cursor() as cursor:
                cursor.executemany(self._sql(statement), rows)
        else:
            self._conn.executemany(statement, rows)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], suffix: str = ""
    ) -> None:
        """Insert many rows with multi-row VALUES statements (far fewer round trips than
        executemany); `suffix` may add an ON CONFLICT clause (then keys must be unique
        within `rows`: PostgreSQL will not update one row twice in a statement)."""
        rows = [tuple(row) for row in rows]
        per_row = "(" + ", ".join("?" * len(columns)) + ")"
        chunk = max(1, _MAX_PARAMS // len(columns))
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            self.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join([per_row] * len(part))
                + (f" {suffix}" if suffix else ""),
                [value for row in part for value in row],
            )

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        return [
            tuple(row) for row in self._conn.execute(self._sql(statement), tuple(params)).fetchall()
        ]

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._conn.execute(self._sql(statement), tuple(params)).fetchone()
        return tuple(row) if row is not None else None

    def serialise(self, name: str) -> None:
        """Hold an exclusive lock named `name` until this transaction ends (DDL races).

        SQLite needs nothing: every write transaction starts with BEGIN IMMEDIATE.
        """
        if self.dialect == "postgres":
            self.execute("SELECT pg_advisory_xact_lock(?)", (lock_key(self._namespace, name),))


class ViewStore:
    """Opens transactions on the views' database (subclasses: SQLite file, PostgreSQL schema)."""

    dialect: Dialect
    #: Distinguishes stores sharing one PostgreSQL database (the schema), for lock keys.
    namespace: str

    @contextmanager
    def transaction(self) -> Iterator[Tx]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    @contextmanager
    def read(self) -> Iterator[Tx]:  # pragma: no cover - abstract
        raise NotImplementedError
        yield

    def close(self) -> None:
        """Release connections."""


class SQLiteViewStore(ViewStore):
    """Views in their own SQLite file (WAL: readers never wait for the projection writer)."""

    dialect: Dialect = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.namespace = str(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        # A crash may lose the last commits, never split one: position and rows stay together.
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")  # one writer at a time: positions are read under lock
            try:
                yield Tx(conn, "sqlite", self.namespace)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()

    @contextmanager
    def read(self) -> Iterator[Tx]:
        conn = self._connect()
        try:
            conn.execute("BEGIN")  # one consistent snapshot for every query of the read
            yield Tx(conn, "sqlite", self.namespace)
            conn.rollback()
        finally:
            conn.close()


class PostgresViewStore(ViewStore):
    """Views as tables in the event store's database and schema (a small connection pool)."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str, schema: str | None, pool_size: int = 4) -> None:
        self.url = url
        self.schema = schema or "public"
        self.namespace = self.schema
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(2, pool_size),
            configure=self._configure,
            check=ConnectionPool.check_connection,  # a server restart must not poison the pool
            open=True,
            name=f"views-{self.schema}",
        )

    def _configure(self, conn: psycopg.Connection[Any]) -> None:
        conn.execute(pgsql.SQL("SET search_path TO {}").format(pgsql.Identifier(self.schema)))
        conn.commit()

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        """A dedicated connection outside the pool (advisory locks, LISTEN)."""
        conn = psycopg.connect(self.url, connect_timeout=5, **kwargs)
        if not conn.autocommit:
            self._configure(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._pool.connection() as conn:  # commits on success, rolls back on error
            yield Tx(conn, "postgres", self.namespace)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._pool.connection() as conn:
            yield Tx(conn, "postgres", self.namespace)

    def close(self) -> None:
        self._pool.close()


def open_view_store(settings: Settings) -> ViewStore:
    """The store for these settings: PostgreSQL when a database URL is set, else SQLite."""
    if settings.database_url:
        return PostgresViewStore(settings.database_url, settings.db_schema, settings.db_pool_size)
    return SQLiteViewStore(settings.data_dir / "views.sqlite3")
