"""Throwaway PostgreSQL databases for the benchmarks (dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from infra.settings import Settings

ADMIN_URL = os.environ.get(
    "ECONCIERGE_BENCH_PG_URL",
    os.environ.get("ECONCIERGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
)
NATS_URL = os.environ.get(
    "ECONCIERGE_BENCH_NATS_URL",
    os.environ.get("ECONCIERGE_TEST_NATS_URL", "nats://127.0.0.1:4222"),
)


def url_of(dbname: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


@contextmanager
def throwaway_database(prefix: str = "bench") -> Iterator[str]:
    """A fresh database for one benchmark; yields its URL and drops it at the end."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url_of(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def pg_settings(url: str, data_dir: Path, **overrides: object) -> Settings:
    """Settings of a service on that database (public schema, a throwaway data dir)."""
    values: dict[str, object] = {
        "database_url": url,
        "data_dir": str(data_dir),
        "jwt_secret": "benchmark-secret-benchmark-secret-32b",
    }
    values.update(overrides)
    return Settings.from_env({}, **values)
