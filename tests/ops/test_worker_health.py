"""A worker's own port: /healthz from its loops, /readyz from its store, /metrics."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from infra.bootstrap import EConcierge
from infra.clock import SystemClock
from infra.metrics import unwatch, watch_worker
from workers.health import Heartbeat, WorkerHealth, store_readiness
from workers.response_target import run_forever


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


def test_a_heartbeat_turns_not_alive_when_the_loop_stops_stepping() -> None:
    heartbeat = Heartbeat(bound=0.2)
    assert heartbeat.alive()
    time.sleep(0.3)  # no beat: a pass stuck in a call that never returns
    assert not heartbeat.alive()
    heartbeat.beat()
    assert heartbeat.alive()


def test_the_response_check_loop_beats_around_each_pass_and_not_during_a_hung_one() -> None:
    # Given a response check whose second pass hangs
    passes, release = [], threading.Event()

    class Service:
        clock = SystemClock()

        def record_missed_response_targets(self, now: object) -> int:
            passes.append(now)
            if len(passes) == 2:
                release.wait(10)
            return 0

    heartbeat, stop = Heartbeat(bound=0.3), threading.Event()
    loop = threading.Thread(
        target=run_forever, args=(Service(), 0.05, stop), kwargs={"heartbeat": heartbeat.beat}
    )
    loop.start()
    try:
        # When it hangs for longer than the bound, then the worker is reported not alive
        deadline = time.monotonic() + 5
        while heartbeat.alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(passes) == 2 and not heartbeat.alive()
    finally:
        stop.set()
        release.set()
        loop.join(5)
    assert heartbeat.alive()  # the pass ended: it beat again
