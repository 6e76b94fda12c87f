"""The baselines of the command path: raw single-row INSERTs into a scratch table."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import psycopg

from tests.benchmarks.load import Operation

#: About the size of one stored event of the command mix (topic + JSON state).
PAYLOAD = os.urandom(400)

CREATE = "CREATE TABLE IF NOT EXISTS bench_scratch (id bigserial PRIMARY KEY, payload bytea)"
INSERT = "INSERT INTO bench_scratch (payload) VALUES (%s)"


@contextmanager
def pg_inserters(url: str, threads: int) -> Iterator[list[Operation]]:
    """One operation per thread, each on its own autocommit connection: one INSERT a call."""
    with ExitStack() as stack:
        conns = [stack.enter_context(psycopg.connect(url, autocommit=True)) for _ in range(threads)]
        conns[0].execute(CREATE)

        def inserter(conn: psycopg.Connection) -> Operation:
            return lambda: conn.execute(INSERT, (PAYLOAD,), prepare=True) and None

        yield [inserter(conn) for conn in conns]


@contextmanager
def sqlite_inserters(path: str, threads: int) -> Iterator[list[Operation]]:
    """SQLite: one connection per thread in autocommit (WAL, as the service's store)."""
    import sqlite3

    conns = [sqlite3.connect(path, isolation_level=None, timeout=10, check_same_thread=False)
             for _ in range(threads)]  # fmt: skip
    try:
        conns[0].execute("PRAGMA journal_mode=WAL")
        conns[0].execute(
            "CREATE TABLE IF NOT EXISTS bench_scratch (id INTEGER PRIMARY KEY, payload BLOB)"
        )

        def inserter(conn: sqlite3.Connection) -> Operation:
            return lambda: conn.execute(INSERT.replace("%s", "?"), (PAYLOAD,)) and None

        yield [inserter(conn) for conn in conns]
    finally:
        for conn in conns:
            conn.close()
