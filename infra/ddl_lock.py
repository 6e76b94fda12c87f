"""Serialising schema creation across processes that start at the same moment.

`serve`, its projection workers and a standby often start together. The library's
`create_table` runs `CREATE OR REPLACE FUNCTION`, and two sessions doing that at once
make PostgreSQL fail one of them with "tuple concurrently updated" (as two concurrent
`CREATE TABLE IF NOT EXISTS` of a new table fail with a unique violation). Every DDL
step of ours therefore runs under one advisory lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

#: The advisory lock key of every schema change of ours (also taken by infra/group_commit.py).
DDL_LOCK = 7220417


@contextmanager
def schema_lock(pool_kwargs: dict[str, Any]) -> Iterator[None]:
    """Hold the DDL lock on a connection of its own (the library's pool does the DDL)."""
    params = {k: v for k, v in pool_kwargs.items() if k != "row_factory" and v is not None}
    with psycopg.connect(**params, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (DDL_LOCK,))


def lock_ddl_in(cursor: Any) -> None:
    """Take the DDL lock for the rest of the cursor's transaction (PostgreSQL)."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", (DDL_LOCK,))
