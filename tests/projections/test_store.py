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


def test_bulk_appends_keep_every_value_as_a_plain_insert_does(settings: Settings) -> None:
    """COPY on PostgreSQL, one prepared INSERT on SQLite: the same rows as single INSERTs,
    whatever the text holds (tabs, new lines, backslashes, quotes, `?` and `%`, non-ASCII)."""
    ensure_database(settings)
    store = open_view_store(settings)
    values = [
        ("tab\there", 1, None),
        ("line\nbreak\r\n", -2, "\\N"),
        ("back\\slash \\. end", 3, "it's \"quoted\""),
        ("? and %s and $1", 2**40, "受付番号 ①"),
        ("", 0, ""),
    ]
    try:
        with store.transaction() as tx:
            for table in ("t_single", "t_bulk", "t_upsert"):
                tx.execute(f"CREATE TABLE IF NOT EXISTS {table} (k TEXT PRIMARY KEY, n BIGINT, t TEXT)")
            for row in values:
                tx.execute("INSERT INTO t_single (k, n, t) VALUES (?, ?, ?)", row)
            tx.copy_rows("t_bulk", ("k", "n", "t"), values)
            tx.insert_rows("t_upsert", ("k", "n", "t"), values, "ON CONFLICT (k) DO NOTHING")
        with store.read() as tx:
            single, bulk, upsert = (
                tx.fetchall(f"SELECT k, n, t FROM {table} ORDER BY n")
                for table in ("t_single", "t_bulk", "t_upsert")
            )
        assert single == bulk == upsert == sorted(values, key=lambda row: row[1])
    finally:
        store.close()
