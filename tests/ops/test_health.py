"""Probes: /healthz while the process lives, /readyz while the store answers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.settings import Settings
from tests.api.contract_requests import application, is_problem
from tests.auth import sign_in
from tests.conftest import PG_ADMIN_URL


def test_the_probes_answer_without_a_token(anonymous: TestClient) -> None:
    assert anonymous.get("/healthz").json() == {"status": "ok"}
    assert anonymous.get("/readyz").json() == {"status": "ready"}


@pytest.fixture
def pg_service(own_database: str, tmp_path: Path) -> Iterator[EConcierge]:
    service = build(Settings(data_dir=tmp_path, database_url=own_database, db_pool_size=2))
    yield service
    service.close()


def _refuse_connections(database_url: str, refuse: bool) -> None:
    """Take the database away (as a stopped server would look) or give it back."""
    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"false" if refuse else "true"}')
        if refuse:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
            )


@pytest.mark.postgres
def test_while_postgres_is_unreachable_commands_and_readyz_answer_503_then_recover_unrestarted(
    pg_service: EConcierge, own_database: str
) -> None:
    with TestClient(create_app(pg_service)) as client:
        sign_in(client, Role.OPERATOR, "op-tanaka")
        assert client.post("/v1/contracts", json=application()).status_code == 201
        _refuse_connections(own_database, True)
        try:
            ready = client.get("/readyz")
            assert (ready.status_code, ready.headers["retry-after"]) == (503, "2")
            refused = client.post("/v1/contracts", json=application())
            is_problem(refused, 503)
            started = time.monotonic()
            is_problem(client.post("/v1/contracts", json=application()), 503)
            assert time.monotonic() - started < 1.0  # known down: refused at once, no waiting
        finally:
            _refuse_connections(own_database, False)
        time.sleep(0.6)  # the guard probes at most twice a second
        deadline = time.monotonic() + 15
        while (answer := client.post("/v1/contracts", json=application())).status_code == 503:
            assert time.monotonic() < deadline, "no recovery without a restart"
            time.sleep(0.2)
        assert answer.status_code == 201
        assert client.get("/readyz").status_code == 200
