"""A worker's own port: /healthz from its loops, /readyz from its store, /metrics."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from infra.bootstrap import EConcierge
from infra.metrics import unwatch, watch_worker
from workers.health import WorkerHealth, store_readiness


class Switch:
    def __init__(self) -> None:
        self.alive = True
        self.reason: str | None = None


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def port(switch: Switch) -> Iterator[str]:
    health = WorkerHealth("127.0.0.1", 0, lambda: switch.alive, lambda: switch.reason).start()
    watch_worker("test-port", lambda: switch.alive)
    yield f"http://127.0.0.1:{health.port}"
    unwatch("test-port")
    health.close()


def test_healthz_follows_the_worker_loops(port: str, switch: Switch) -> None:
    assert httpx.get(f"{port}/healthz").json() == {"status": "ok"}
    switch.alive = False
    answer = httpx.get(f"{port}/healthz")
    assert (answer.status_code, answer.json()) == (503, {"status": "stopped"})


def test_readyz_is_503_with_retry_after_while_the_store_is_unreachable(
    port: str, switch: Switch
) -> None:
    assert httpx.get(f"{port}/readyz").status_code == 200
    switch.reason = "unreachable: OperationalError"
    answer = httpx.get(f"{port}/readyz")
    assert (answer.status_code, answer.headers["retry-after"]) == (503, "2")
    assert answer.json() == {"status": "not ready", "store": "unreachable: OperationalError"}


def test_metrics_report_the_worker_as_up(port: str) -> None:
    answer = httpx.get(f"{port}/metrics")
    assert answer.status_code == 200
    assert 'econcierge_worker_up{worker="test-port"} 1.0' in answer.text


def test_a_worker_is_ready_when_its_store_answers(service: EConcierge) -> None:
    assert store_readiness(service)() is None
