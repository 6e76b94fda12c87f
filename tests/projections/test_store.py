"""The view store runs one portable SQL text on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from infra.bootstrap import ensure_database
from infra.settings import Settings
from projections.store import open_view_store


def test_the_same_sql_with_placeholders_and_percent_signs_runs_on_both(settings: Settings) -> None:
    ensure_database(settings)
    store = open_view_store(settings)
    try:
        with store.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS t_demo (k TEXT PRIMARY KEY, n BIGINT NOT NULL)")
            tx.executemany("INSERT INTO t_demo (k, n) VALUES (?, ?)", [("a%b", 1), ("c", 2)])
            tx.execute(
                "INSERT INTO t_demo (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n + 10",
                ("c", 3),
            )
        with store.read() as tx:
            assert tx.fetchall(
                "SELECT k, n FROM t_demo WHERE k LIKE '%\\%%' ESCAPE '\\' ORDER BY k"
            ) == [("a%b", 1)]
            assert tx.fetchone("SELECT n FROM t_demo WHERE k = ?", ("c",)) == (13,)
    finally:
        store.close()


def test_a_failed_transaction_leaves_nothing_behind(settings: Settings) -> None:
    ensure_database(settings)
    store = open_view_store(settings)
    try:
        with store.transaction() as tx:
            tx.execute("CREATE TABLE IF NOT EXISTS t_demo (k TEXT PRIMARY KEY)")
        with pytest.raises(RuntimeError), store.transaction() as tx:
            tx.execute("INSERT INTO t_demo (k) VALUES (?)", ("lost",))
            raise RuntimeError("crash before commit")
        with store.read() as tx:
            assert tx.fetchall("SELECT k FROM t_demo") == []
    finally:
        store.close()
