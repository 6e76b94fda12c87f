"""Each view's tracked position: the last log position whose changes are in its tables.

The position row is read under a lock at the start of every batch (FOR UPDATE on
PostgreSQL; SQLite's BEGIN IMMEDIATE locks the file), so two runners of the same view,
e.g. an old active worker and its successor, or a rebuild's swap beside a worker,
serialise and never apply one event twice.
"""

from __future__ import annotations

import time

import msgspec

from projections.store import Tx, ViewStore
from projections.view import View

TABLE = "projection_positions"
_DDL = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    " name TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL,"
    " version INTEGER NOT NULL,"
    " updated_at DOUBLE PRECISION NOT NULL)"
)


class NewerViewVersion(RuntimeError):
    """The stored view was built by a newer release than this process's code."""


class Tracked(msgspec.Struct, frozen=True):
    """A view's position row."""

    name: str
    position: int
    version: int
    updated_at: float  # wall clock (epoch seconds) of its last commit, for `status`


def ensure(store: ViewStore, view: View) -> None:
    """Create the view's tables; drop and recreate them if the view's version changed."""
    with store.transaction() as tx:
        tx.serialise("projection-ddl")  # concurrent workers must not race on CREATE TABLE
        tx.execute(_DDL)
        row = tx.fetchone(f"SELECT version FROM {TABLE} WHERE name = ?", (view.name,))
        if row is not None and row[0] > view.version:
            # During a rolling upgrade an old process must not rebuild the new release's view.
            raise NewerViewVersion(
                f"view {view.name!r} is at version {row[0]}, this release knows version "
                f"{view.version}: a newer release runs it"
            )
        if row is not None and row[0] == view.version:
            # Nothing to do, and no DDL on live tables: even CREATE INDEX IF NOT EXISTS locks
            # its table, and would deadlock with a running batch of another process.
            return
        _recreate(tx, view)


def reset(store: ViewStore, view: View) -> None:
    """Empty the view in place and put its position back to 0 (its runner then builds it
    again; `projections rebuild` builds fresh tables and swaps them in instead)."""
    with store.transaction() as tx:
        tx.serialise("projection-ddl")
        tx.execute(_DDL)
        _recreate(tx, view)


def _recreate(tx: Tx, view: View) -> None:
    if tx.dialect == "postgres":
        # Take the position row first, as every batch does: a batch in flight finishes,
        # later ones wait, so none holds a table this transaction is about to drop.
        tx.execute(f"SELECT position FROM {TABLE} WHERE name = ? FOR UPDATE", (view.name,))
    for table in view.tables:
        tx.execute(f"DROP TABLE IF EXISTS {table}")
    for statement in view.ddl:
        tx.execute(statement)
    tx.execute(
        f"INSERT INTO {TABLE} (name, position, version, updated_at) VALUES (?, 0, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET position = 0, version = excluded.version,"
        " updated_at = excluded.updated_at",
        (view.name, view.version, time.time()),
    )


def lock(tx: Tx, name: str) -> int:
    """The view's position, locked until the transaction ends."""
    suffix = " FOR UPDATE" if tx.dialect == "postgres" else ""
    row = tx.fetchone(f"SELECT position FROM {TABLE} WHERE name = ?{suffix}", (name,))
    if row is None:
        raise LookupError(f"view {name!r} has no position row: run positions.ensure first")
    return int(row[0])


def advance(tx: Tx, name: str, position: int) -> None:
    tx.execute(
        f"UPDATE {TABLE} SET position = ?, updated_at = ? WHERE name = ?",
        (position, time.time(), name),
    )


def read(tx: Tx, name: str) -> int:
    """The view's committed position (0 when it never ran)."""
    row = tx.fetchone(f"SELECT position FROM {TABLE} WHERE name = ?", (name,))
    return int(row[0]) if row else 0


def all_tracked(tx: Tx) -> dict[str, Tracked]:
    rows = tx.fetchall(f"SELECT name, position, version, updated_at FROM {TABLE}")
    return {row[0]: Tracked(row[0], int(row[1]), int(row[2]), float(row[3])) for row in rows}
