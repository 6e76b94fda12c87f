"""Shared fixtures: every storage test runs on SQLite and on a real PostgreSQL server.

Each test run creates its own PostgreSQL database (and each test its own schema), and
drops it at the end, so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.clock import JST, FixedClock
from infra.settings import Settings
from projections.catalog import close_views
from tests.auth import sign_in

PG_ADMIN_URL = os.environ.get("ECONCIERGE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = os.environ.get("ECONCIERGE_TEST_BACKENDS", "sqlite,postgres").split(",")

# A Wednesday in November 2026, 10:00 in Tokyo: inside base hours (rule O1).
DEFAULT_NOW = datetime(2026, 11, 18, 10, 0, tzinfo=JST)


def _url_for(dbname: str) -> str:
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + dbname


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A throwaway database for this run (and this xdist worker); dropped at the end."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"econcierge_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({error}). Start it (see README) "
            "or run only SQLite with ECONCIERGE_TEST_BACKENDS=sqlite."
        )
    yield _url_for(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=[b for b in ("sqlite", "postgres") if b in BACKENDS])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Settings for one test: its own SQLite directory, or its own PostgreSQL schema."""
    if backend == "postgres":
        url = request.getfixturevalue("pg_database")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        return Settings(data_dir=tmp_path, database_url=url, db_schema=schema, db_pool_size=4)
    return Settings(data_dir=tmp_path)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(DEFAULT_NOW)


@pytest.fixture
def service(settings: Settings, clock: FixedClock) -> Iterator[EConcierge]:
    app = build(settings, clock)
    yield app
    close_views(app)  # the read side's connections, if a test opened them
    app.close()


@pytest.fixture
def client(service: EConcierge) -> Iterator[TestClient]:
    """An HTTP client signed in as an operator (tests re-sign with tests.auth.sign_in)."""
    with TestClient(create_app(service)) as test_client:
        yield sign_in(test_client, Role.OPERATOR, "op-tanaka")


@pytest.fixture
def anonymous(service: EConcierge) -> Iterator[TestClient]:
    """An HTTP client with no token."""
    with TestClient(create_app(service)) as test_client:
        yield test_client
