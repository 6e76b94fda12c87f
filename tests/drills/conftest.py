"""Drill fixtures: a throwaway database, `econcierge serve` as a child process, tokens.

Every drill is marked `slow` and `postgres` (CI runs them all the same). Each prints one
line of figures; the line also goes to the terminal outside pytest's capture, so CI logs
show the latest figures (copy them into README's reliability table).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService
from tests.conftest import PG_ADMIN_URL, _url_for
from tests.drills.load import Request
from tests.drills.processes import JWT_SECRET, Api, service_env
from tests.drills.store import Figures

SITE = {"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 30}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/drills/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.slow)
            item.add_marker(pytest.mark.postgres)


@pytest.fixture
def drill_db() -> Iterator[str]:
    """A database of its own on the shared PostgreSQL server, dropped afterwards."""
    name = f"econcierge_drill_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url_for(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def start_api(tmp_path: Path) -> Iterator[Callable[..., Api]]:
    """Start `econcierge serve` on a database (again on the same port with `port=`)."""
    started: list[Api] = []

    def start(database_url: str, port: int | None = None, **env: str) -> Api:
        log = tmp_path / f"serve-{len(started)}.log"
        api = Api(service_env(database_url, tmp_path / "data", **env), log, port).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture(scope="session")
def token() -> str:
    """An operator token the served API accepts (same secret as its environment)."""
    tokens = TokenService(Settings(jwt_secret=JWT_SECRET))
    return tokens.issue(sub="drill-operator", role=Role.OPERATOR, ttl=timedelta(hours=2))


def apply_for_contract(run: str) -> Callable[[int], Request]:
    """Command n: a contract application whose customer name and key are both `run-n`."""

    def make(n: int) -> Request:
        key = f"{run}-{n}"
        body = {"customer_name": key, "quote": {"sites": [SITE]}}
        return Request("POST", "/v1/contracts", body, {"Idempotency-Key": key})

    return make


@pytest.fixture
def report(capfd: pytest.CaptureFixture[str]) -> Callable[[Figures], None]:
    """Print the drill's figures, to the captured output and to the real terminal."""

    def show(figures: Figures) -> None:
        line = figures.line()
        print(line)
        with capfd.disabled():
            sys.stderr.write(f"\n{line}\n")

    return show
