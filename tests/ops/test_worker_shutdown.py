"""A projection worker process: its health port while it runs, a clean exit on SIGTERM."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra.bootstrap import EConcierge, build
from infra.settings import Settings
from projections.catalog import VIEWS, close_views, views_of
from projections.runner import status
from tests.drills.processes import Econcierge, free_port, service_env
from tests.nats.world import record_events

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


@pytest.fixture
def pg_service(own_database: str, tmp_path: Path) -> Iterator[EConcierge]:
    service = build(Settings(data_dir=tmp_path, database_url=own_database, db_pool_size=2))
    yield service
    close_views(service)
    service.close()


def _behind(service: EConcierge) -> int:
    return max(row.behind for row in status(service, views_of(service), VIEWS))


def _wait(check: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_projection_worker_reports_on_its_port_and_stops_cleanly_on_sigterm(
    pg_service: EConcierge, own_database: str, tmp_path: Path
) -> None:
    port = free_port()
    env = service_env(
        own_database, tmp_path / "data", worker_health_port=str(port), log_level="INFO"
    )
    worker = Econcierge(["worker", "projections"], env, tmp_path / "worker.log").start()
    try:
        base = f"http://127.0.0.1:{port}"
        _wait(lambda: _get(f"{base}/readyz") == 200)
        assert _get(f"{base}/healthz") == 200
        record_events(pg_service, contracts=5, changes=3)
        _wait(lambda: _behind(pg_service) == 0)
        assert 'econcierge_worker_up{worker="projections"} 1.0' in httpx.get(f"{base}/metrics").text

        record_events(pg_service, contracts=5, changes=3)  # work in hand when the signal comes
        worker.signal(signal.SIGTERM)
        signalled = time.monotonic()
        assert worker.wait(15) == 0, worker.tail()
        assert time.monotonic() - signalled < 12
    finally:
        worker.stop()
    assert "projection worker stopped" in worker.log.read_text()


def _get(url: str) -> int:
    try:
        return httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return 0
