"""Where views live: one small SQL wrapper over SQLite and PostgreSQL, so a view's SQL is written once.

Views write portable SQL with `?` placeholders (CREATE TABLE/INDEX IF NOT EXISTS, TEXT,
BIGINT, INTEGER, INSERT ... ON CONFLICT ... DO UPDATE). On PostgreSQL the placeholders
become `$1, $2, ...` and statements go through a raw cursor (no client-side parsing of the
query: a multi-row INSERT has thousands of placeholders), and every connection's
search_path is the configured schema, so view tables sit beside the event store in the
same database (and tests stay isolated per schema). Bulk appends (`copy_rows`) are COPY on
PostgreSQL and one prepared INSERT run by `executemany` on SQLite.
On the embedded default the views live in their own SQLite file under the data directory,
so projection writes never contend with command writes for the event store's lock.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
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
def _to_numbered(statement: str) -> str:
    """`?` placeholders as PostgreSQL's `$1, $2, ...` (the raw cursor sends the text as is)."""
    parts = statement.split("?")
    numbered = [parts[0]]
    for number, part in enumerate(parts[1:], 1):
        numbered.append(f"${number}{part}")
    return "".join(numbered)


def _values(columns: int, rows: int) -> str:
    """`($1, $2), ($3, $4)`: the VALUES of a multi-row INSERT on PostgreSQL."""
    marks = [f"${n}" for n in range(1, 1 + columns * rows)]
    return ", ".join(
        "(" + ", ".join(marks[r * columns : (r + 1) * columns]) + ")" for r in range(rows)
    )


def quote_identifier(name: str) -> str:
    """A PostgreSQL identifier (a schema name), quoted."""
    return '"' + name.replace('"', '""') + '"'


def lock_key(*parts: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    digest = hashlib.blake2b("\x00".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Tx:
    """One open transaction on the view store: run portable SQL, read rows back."""

    def __init__(
        self,
        connection: Any,
        dialect: Dialect,
        namespace: str,
        column_types: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self._conn = connection
        self.dialect: Dialect = dialect
        self._namespace = namespace
        self._raw: Any = None
        #: PostgreSQL: each table's column types, for binary COPY (shared by the store's Txs).
        self._column_types = column_types if column_types is not None else {}

    def _run(self, statement: str, params: Sequence[Any]) -> Any:
        """Execute on the dialect's cursor; returns the cursor (rows, rowcount)."""
        if self.dialect == "postgres":
            if self._raw is None:
                self._raw = psycopg.RawCursor(self._conn)
            return self._raw.execute(_to_numbered(statement), tuple(params))
        return self._conn.execute(statement, tuple(params))

    def execute(self, statement: str, params: Sequence[Any] = ()) -> int:
        """Run one statement; returns the number of rows it changed."""
        return int(self._run(statement, params).rowcount)

    def executemany(self, statement: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement per row (prepared once; pipelined on PostgreSQL)."""
        rows = [tuple(row) for row in rows]
        if not rows:
            return
        if self.dialect == "postgres":
            with psycopg.RawCursor(self._conn) as cursor:
                cursor.executemany(_to_numbered(statement), rows)
        else:
            self._conn.executemany(statement, rows)

    def copy_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        """Append rows in bulk (no conflict handling): binary COPY on PostgreSQL (values
        must have their column's type: int for INTEGER/BIGINT, str for TEXT), one prepared
        INSERT run by `executemany` on SQLite."""
        names = ", ".join(columns)
        if self.dialect == "postgres":
            rows = rows if isinstance(rows, list) else list(rows)
            if not rows:
                return
            types = self._types_of(table)
            with self._conn.cursor() as cursor, cursor.copy(
                f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types([types[column] for column in columns])  # binary: half the work
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self._conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)

    def _types_of(self, table: str) -> dict[str, str]:
        """The table's column types (PostgreSQL; looked up once per store and table)."""
        types = self._column_types.get(table)
        if types is None:
            found = self.fetchall(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute"
                " WHERE attrelid = ?::regclass AND attnum > 0 AND NOT attisdropped",
                (table,),
            )
            types = self._column_types[table] = {name: kind for name, kind in found}
        return types

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], suffix: str = ""
    ) -> None:
        """Insert many rows in few statements; `suffix` may add an ON CONFLICT clause (then
        keys must be unique within `rows`: PostgreSQL will not update one row twice in a
        statement). Without a suffix this is `copy_rows`."""
        if not suffix:
            self.copy_rows(table, columns, rows)
            return
        if self.dialect == "sqlite":
            marks = ", ".join("?" * len(columns))
            self._conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) {suffix}", rows
            )
            return
        rows = [tuple(row) for row in rows]
        chunk = max(1, _MAX_PARAMS // len(columns))
        for start in range(0, len(rows), chunk):
            part = rows[start : start + chunk]
            if self._raw is None:
                self._raw = psycopg.RawCursor(self._conn)
            self._raw.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                f"{_values(len(columns), len(part))} {suffix}",
                [value for row in part for value in row],
            )

    def fetchall(self, statement: str, params: Sequence[Any] = ()) -> list[Row]:
        return [tuple(row) for row in self._run(statement, params).fetchall()]

    def fetchone(self, statement: str, params: Sequence[Any] = ()) -> Row | None:
        row = self._run(statement, params).fetchone()
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

    # ---- rebuilding into fresh tables (projections/rebuild.py) ---------------------------

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:  # pragma: no cover - abstract
        """Held for a whole rebuild: a second rebuild of this store waits for the first."""
        raise NotImplementedError
        yield

    def shadow(self) -> ViewStore:  # pragma: no cover - abstract
        """A fresh, empty store beside this one, where a rebuild builds its tables."""
        raise NotImplementedError

    @contextmanager
    def swapping(self, shadow: ViewStore) -> Iterator[Tx]:  # pragma: no cover - abstract
        """A write transaction on this store in which `adopt` can take the shadow's tables."""
        raise NotImplementedError
        yield

    def adopt(  # pragma: no cover - abstract
        self, tx: Tx, shadow: ViewStore, tables: Sequence[str], ddl: Sequence[str]
    ) -> None:
        """Inside `swapping`: replace these tables by the shadow's (made with `ddl`)."""
        raise NotImplementedError

    def discard(self, shadow: ViewStore) -> None:  # pragma: no cover - abstract
        """Close the shadow and remove what is left of it."""
        raise NotImplementedError


def is_index(statement: str) -> bool:
    """Whether a DDL statement creates an index (a bulk load may create it afterwards)."""
    return statement.lstrip().upper().startswith(("CREATE INDEX", "CREATE UNIQUE INDEX"))


class SQLiteViewStore(ViewStore):
    """Views in their own SQLite file (WAL: readers never wait for the projection writer)."""

    dialect: Dialect = "sqlite"

    _SHADOW = "rebuild_shadow"  # the shadow's name while a swap attaches it

    def __init__(self, path: Path, *, scratch: bool = False) -> None:
        self.path = path
        self.namespace = str(path)
        # A scratch store (a rebuild's shadow) is thrown away after a crash: no syncing.
        self._synchronous = "OFF" if scratch else "NORMAL"
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(self._connect()) as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
        # A crash may lose the last commits, never split one: position and rows stay together.
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
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

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        import fcntl

        with open(self.path.with_name(self.path.name + ".rebuild-lock"), "a+b") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes (or we die)
            yield

    def shadow(self) -> SQLiteViewStore:
        path = self.path.with_name(self.path.stem + ".rebuild" + self.path.suffix)
        _remove_sqlite_files(path)  # what an interrupted rebuild left
        return SQLiteViewStore(path, scratch=True)

    @contextmanager
    def swapping(self, shadow: ViewStore) -> Iterator[Tx]:
        assert isinstance(shadow, SQLiteViewStore)
        conn = self._connect()
        try:
            conn.execute("ATTACH DATABASE ? AS " + self._SHADOW, (str(shadow.path),))
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(conn, "sqlite", self.namespace)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            conn.execute("DETACH DATABASE " + self._SHADOW)
        finally:
            conn.close()

    def adopt(self, tx: Tx, shadow: ViewStore, tables: Sequence[str], ddl: Sequence[str]) -> None:
        # One file cannot take another's tables: copy them, then index the copies (faster
        # than indexing row by row). Names are qualified: the shadow has the same tables.
        for table in tables:
            tx.execute(f"DROP TABLE IF EXISTS main.{table}")
        for statement in ddl:
            if not is_index(statement):
                tx.execute(statement)  # unqualified CREATE TABLE: always into main
        for table in tables:
            tx.execute(f"INSERT INTO main.{table} SELECT * FROM {self._SHADOW}.{table}")
        for statement in ddl:
            if is_index(statement):
                tx.execute(statement)  # on main's table: main comes first in name lookup

    def discard(self, shadow: ViewStore) -> None:
        assert isinstance(shadow, SQLiteViewStore)
        shadow.close()
        _remove_sqlite_files(shadow.path)


def _remove_sqlite_files(path: Path) -> None:
    for name in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            os.remove(name)


class PostgresViewStore(ViewStore):
    """Views as tables in the event store's database and schema (a small connection pool)."""

    dialect: Dialect = "postgres"

    def __init__(self, url: str, schema: str | None, pool_size: int = 4) -> None:
        self.url = url
        self.schema = schema or "public"
        self.namespace = self.schema
        self._column_types: dict[str, dict[str, str]] = {}  # for binary COPY (Tx.copy_rows)
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
            yield Tx(conn, "postgres", self.namespace, self._column_types)

    @contextmanager
    def read(self) -> Iterator[Tx]:
        with self._pool.connection() as conn:
            yield Tx(conn, "postgres", self.namespace, self._column_types)

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        # Session-level, on its own connection: the server releases it if we die.
        with self.connect(autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (lock_key(self.namespace, "rebuild"),))
            yield

    def shadow(self) -> PostgresViewStore:
        name = f"{self.schema}__rebuild"
        with self.connect(autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(name)} CASCADE")  # a crash's
            conn.execute(f"CREATE SCHEMA {quote_identifier(name)}")
        return PostgresViewStore(self.url, name, pool_size=2)

    @contextmanager
    def swapping(self, shadow: ViewStore) -> Iterator[Tx]:
        with self.transaction() as tx:
            yield tx

    def adopt(self, tx: Tx, shadow: ViewStore, tables: Sequence[str], ddl: Sequence[str]) -> None:
        # Moving a table to another schema moves its indexes too, and copies nothing.
        assert isinstance(shadow, PostgresViewStore)
        for table in tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
            tx.execute(
                f"ALTER TABLE {quote_identifier(shadow.schema)}.{table}"
                f" SET SCHEMA {quote_identifier(self.schema)}"
            )

    def discard(self, shadow: ViewStore) -> None:
        assert isinstance(shadow, PostgresViewStore)
        shadow.close()
        with self.connect(autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {quote_identifier(shadow.schema)} CASCADE")

    def close(self) -> None:
        self._pool.close()


def open_view_store(settings: Settings) -> ViewStore:
    """The store for these settings: PostgreSQL when a database URL is set, else SQLite."""
    if settings.database_url:
        return PostgresViewStore(settings.database_url, settings.db_schema, settings.db_pool_size)
    return SQLiteViewStore(settings.data_dir / "views.sqlite3")
