"""A small HTTP port per worker process: /metrics, /healthz and /readyz, like the API's.

Set ECONCIERGE_WORKER_HEALTH_PORT to open it (one port per process). /healthz answers 200
while the worker's loops are alive (a dead runner thread is a restart for the
orchestrator), /readyz 200 while the event store answers (503 with Retry-After while it
does not: the worker waits and resumes by itself), /metrics the Prometheus text format.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import msgspec
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from infra.metrics import ProjectionSampler, unwatch, watch_worker
from infra.outage import RETRY_AFTER_SECONDS, StoreGuard
from infra.settings import Settings

log = logging.getLogger("econcierge.workers")


class Heartbeat:
    """Liveness from progress: alive while the worker's loop stepped within `bound` seconds.

    A loop calls `beat()` before and after each pass; a pass stuck in a call that never
    returns stops the beats, and /healthz turns 503 (a restart for the orchestrator).
    """

    def __init__(self, bound: float) -> None:
        self.bound = bound
        self._last = time.monotonic()

    def beat(self) -> None:
        self._last = time.monotonic()

    def alive(self) -> bool:
        return time.monotonic() - self._last <= self.bound


class WorkerHealth:
    """Serves the three endpoints on its own thread until `close()`."""

    def __init__(
        self, host: str, port: int, alive: Callable[[], bool], ready: Callable[[], str | None]
    ) -> None:
        handler = _handler(alive, ready)
        self.server = ThreadingHTTPServer((host, port), handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(
            target=self.server.serve_forever, name="worker-health", daemon=True
        )

    def start(self) -> WorkerHealth:
        self._thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _handler(
    alive: Callable[[], bool], ready: Callable[[], str | None]
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/metrics":
                self._answer(200, generate_latest(REGISTRY), CONTENT_TYPE_LATEST)
            elif path == "/healthz":
                ok = _safely(alive, False)
                self._json(200 if ok else 503, {"status": "ok" if ok else "stopped"})
            elif path == "/readyz":
                reason = _safely(ready, "unreachable")
                if reason is None:
                    self._json(200, {"status": "ready"})
                else:
                    self._json(503, {"status": "not ready", "store": reason})
            else:
                self._json(404, {"status": "not found"})

        def _json(self, status: int, body: dict[str, str]) -> None:
            self._answer(status, msgspec.json.encode(body), "application/json")

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if status == 503:
                self.send_header("Retry-After", str(RETRY_AFTER_SECONDS))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return None  # probes every few seconds are not news

    return Handler


def _safely(call: Callable[[], Any], failed: Any) -> Any:
    try:
        return call()
    except Exception:  # noqa: BLE001 - a probe that raises is a failed probe
        return failed


def store_readiness(service: Any) -> Callable[[], str | None]:
    """The readiness check of a worker's store: a direct probe on PostgreSQL."""
    guard = StoreGuard.of(service)
    if guard.watched:
        return guard.probe
    return lambda: None if service.is_ready() else "unreachable"


def projection_figures(service: Any) -> dict[str, tuple[int, int, float | None]]:
    """Each view's (position, lag, last commit) from the database, for the metrics."""
    from projections.catalog import VIEWS, views_of
    from projections.runner import status

    return {
        row.name: (row.position, row.behind, row.updated_at)
        for row in status(service, views_of(service), VIEWS)
    }


@contextmanager
def worker_health(
    settings: Settings,
    service: Any,
    worker: str,
    alive: Callable[[], bool],
    *,
    sample_projections: bool = False,
) -> Iterator[WorkerHealth | None]:
    """Report the worker's liveness (and views) as metrics, and serve its port if configured."""
    watch_worker(worker, alive)
    sampler = ProjectionSampler(lambda: projection_figures(service)) if sample_projections else None
    if sampler is not None:
        sampler.start()
    health = None
    if settings.worker_health_port is not None:
        health = WorkerHealth(
            settings.host, settings.worker_health_port, alive, store_readiness(service)
        ).start()
        log.info("worker %s: /metrics, /healthz, /readyz on port %d", worker, health.port)
    try:
        yield health
    finally:
        if health is not None:
            health.close()
        if sampler is not None:
            sampler.stop()
        unwatch(worker)
