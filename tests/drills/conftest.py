"""Drill fixtures: a throwaway database, `econcierge serve` as a child process, tokens.

Every drill is marked `slow` and `postgres` (CI runs them all the same). Each prints one
line of figures; the line also goes to the terminal outside pytest's capture, so CI logs
show the latest figures (copy them into README's reliability table).
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService
from tests.conftest import PG_ADMIN_URL, _url_for
from tests.drills.load import Request
from tests.drills.processes import JWT_SECRET, Api, service_env
from tests.drills.store import Figures
from tests.drills.stream import NATS_URL, DrillStream

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
    """Start `econcierge serve` on a database (again on the same port with `port=`), with
    its in-process workers unless `workers=False`; `env` adds ECONCIERGE_* settings."""
    started: list[Api] = []

    def start(database_url: str, port: int | None = None, workers: bool = True, **env: str) -> Api:
        log = tmp_path / f"serve-{len(started)}.log"
        api = Api(service_env(database_url, tmp_path / "data", **env), log, port, workers)
        started.append(api.start())
        return api

    yield start
    for api in started:
        api.stop()


@pytest.fixture
def drill_stream() -> Iterator[DrillStream]:
    """A JetStream stream and subject prefix of the drill's own on the shared NATS server
    (the service's relay creates it), deleted afterwards."""
    parts = urlsplit(NATS_URL)
    try:
        socket.create_connection((parts.hostname, parts.port or 4222), timeout=2).close()
    except OSError as error:
        pytest.fail(f"NATS is not reachable at {NATS_URL} ({error}): the drills need it")
    tag = uuid.uuid4().hex[:10]
    stream = DrillStream(NATS_URL, f"DRILL_{tag}", f"drill{tag}.events")
    yield stream
    stream.delete()


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
