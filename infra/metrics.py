"""The service's Prometheus metrics: one registry, the metric objects that code updates.

HTTP request counts and latencies (`econcierge_http_*`) are recorded by the API's
observability middleware (api/observability.py) with `HttpMetrics` below: the series and
labels litestar's Prometheus middleware exported, for a fraction of its per-request cost.
Everything here is `econcierge_*`. Values
that live elsewhere (a projection's position, the relay's lag, a worker's liveness) are
read when Prometheus scrapes, by collectors that never touch the network: the
projection sampler reads the database on its own thread and scrapes read its last look.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)
disable_created_metrics()  # no `*_created` series: half the lines, nothing lost for rates

COMMANDS = Counter(
    "econcierge_commands_total",
    "Commands by outcome: accepted, replayed (idempotent retry), refused (rule), conflict, "
    "invalid, not_found, denied, unavailable (store down), error",
    ["command", "outcome", "rule"],
)
STORE_APPEND_SECONDS = Histogram(
    "econcierge_store_append_seconds",
    "Time to append one command's events to the event store (one atomic save)",
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
STORE_ERRORS = Counter(
    "econcierge_store_errors_total",
    "Requests that failed because the event store was unreachable (answered 503)",
    ["error"],
)
RELAY_PUBLISH_ERRORS = Counter(
    "econcierge_relay_publish_errors_total",
    "NATS relay sessions that failed (publish refused or timed out, NATS or store down)",
)


HTTP_APP_NAME = "econcierge"
_HTTP_LABELS = ("method", "path", "status_code", "app_name")
HTTP_REQUESTS = Counter("econcierge_http_requests_total", "Total requests", _HTTP_LABELS)
HTTP_ERRORS = Counter(
    "econcierge_http_requests_error_total", "Total errors in requests", _HTTP_LABELS
)
HTTP_DURATION = Histogram(
    "econcierge_http_request_duration_seconds",
    "Request duration, in seconds",
    _HTTP_LABELS,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
# The labels litestar's middleware gave this gauge, status_code="200" included.
HTTP_IN_PROGRESS = Gauge(
    "econcierge_http_requests_in_progress", "Total requests currently in progress", _HTTP_LABELS
)


class HttpMetrics:
    """The `econcierge_http_*` series of one request: method, route template, status.

    The labelled children are looked up once per (method, route, status) and kept (a
    bounded set: route templates, never raw paths).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[tuple[str, str], Any] = {}
        self._answered: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def started(self, method: str, route: str) -> Any:
        """Count the request as in progress; returns what `finished` needs."""
        gauge = self._running.get((method, route))
        if gauge is None:
            with self._lock:
                gauge = HTTP_IN_PROGRESS.labels(method, route, "200", HTTP_APP_NAME)
                self._running[(method, route)] = gauge
        gauge.inc()
        return gauge

    def finished(self, running: Any, method: str, route: str, status: int, seconds: float) -> None:
        running.dec()
        children = self._answered.get((method, route, status))
        if children is None:
            with self._lock:
                labels = (method, route, str(status), HTTP_APP_NAME)
                errors = HTTP_ERRORS.labels(*labels) if status >= 500 else None
                children = (HTTP_REQUESTS.labels(*labels), HTTP_DURATION.labels(*labels), errors)
                self._answered[(method, route, status)] = children
        count, duration, errors = children
        count.inc()
        duration.observe(seconds)
        if errors is not None:
            errors.inc()


@contextmanager
def timed_append() -> Iterator[None]:
    """Time one append to the event store (wrap the single save of a command)."""
    with STORE_APPEND_SECONDS.time():
        yield


def relay_failed() -> None:
    """Count one failure of the NATS relay (called by its retry loop)."""
    RELAY_PUBLISH_ERRORS.inc()


class _Callbacks(Collector):
    """Gauges whose values come from callables, read at scrape time (in memory only)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workers: dict[str, Callable[[], bool]] = {}
        self._relays: dict[str, Callable[[], Any]] = {}
        self._projections: dict[str, tuple[int, int, float | None]] = {}
        self._sampled_at: float | None = None

    def worker(self, name: str, alive: Callable[[], bool]) -> None:
        with self._lock:
            self._workers[name] = alive

    def relay(self, name: str, status: Callable[[], Any]) -> None:
        with self._lock:
            self._relays[name] = status

    def forget(self, name: str) -> None:
        with self._lock:
            self._workers.pop(name, None)
            self._relays.pop(name, None)

    def projections(self, rows: dict[str, tuple[int, int, float | None]]) -> None:
        with self._lock:
            self._projections = dict(rows)
            self._sampled_at = time.time()

    def collect(self) -> Iterator[Any]:
        with self._lock:
            workers, relays = dict(self._workers), dict(self._relays)
            projections, sampled_at = dict(self._projections), self._sampled_at
        yield from _worker_families(workers)
        yield from _relay_families(relays)
        yield from _projection_families(projections, sampled_at)


def _worker_families(workers: dict[str, Callable[[], bool]]) -> Iterator[Any]:
    up = GaugeMetricFamily(
        "econcierge_worker_up", "1 while the worker's loops are alive", labels=["worker"]
    )
    for name, alive in workers.items():
        try:
            value = 1.0 if alive() else 0.0
        except Exception:  # noqa: BLE001 - a failing probe means "not alive"
            value = 0.0
        up.add_metric([name], value)
    yield up


def _relay_families(relays: dict[str, Callable[[], Any]]) -> Iterator[Any]:
    position = GaugeMetricFamily(
        "econcierge_relay_position",
        "Store position up to which every event is on NATS",
        labels=["relay"],
    )
    lag = GaugeMetricFamily(
        "econcierge_relay_lag_events",
        "Store positions not yet published (head - position)",
        labels=["relay"],
    )
    connected = GaugeMetricFamily(
        "econcierge_relay_connected", "1 while connected to NATS", labels=["relay"]
    )
    published = CounterMetricFamily(
        "econcierge_relay_published",
        "Events acknowledged by JetStream since start",
        labels=["relay"],
    )
    for name, status in relays.items():
        current = _safely(status)
        if current is None:
            continue
        position.add_metric([name], current.position)
        lag.add_metric([name], current.lag)
        connected.add_metric([name], 1.0 if current.connected else 0.0)
        published.add_metric([name], current.published)
    yield from (position, lag, connected, published)


def _safely(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:  # noqa: BLE001 - a scrape must not fail for one reporter
        log.debug("metrics: a reporter failed: %s", error)
        return None


def _projection_families(
    rows: dict[str, tuple[int, int, float | None]], sampled_at: float | None
) -> Iterator[Any]:
    position = GaugeMetricFamily(
        "econcierge_projection_position", "Last store position applied to the view", labels=["view"]
    )
    lag = GaugeMetricFamily(
        "econcierge_projection_lag_events", "Store head minus the view's position", labels=["view"]
    )
    commit = GaugeMetricFamily(
        "econcierge_projection_last_commit_timestamp_seconds",
        "When the view last committed a batch (epoch seconds)",
        labels=["view"],
    )
    for name, (at, behind, updated_at) in rows.items():
        position.add_metric([name], at)
        lag.add_metric([name], behind)
        if updated_at is not None:
            commit.add_metric([name], updated_at)
    yield from (position, lag, commit)
    if sampled_at is not None:
        yield GaugeMetricFamily(
            "econcierge_projection_sampled_timestamp_seconds",
            "When the projection figures above were read from the database",
            value=sampled_at,
        )


CALLBACKS = _Callbacks()
REGISTRY.register(CALLBACKS)


def watch_worker(name: str, alive: Callable[[], bool]) -> None:
    """Report `econcierge_worker_up{worker=name}` from `alive()` at every scrape."""
    CALLBACKS.worker(name, alive)


def watch_relay(name: str, status: Callable[[], Any]) -> None:
    """Report the relay's position, lag, connection and acks from `status()` (a RelayStatus)."""
    CALLBACKS.relay(name, status)


def unwatch(name: str) -> None:
    CALLBACKS.forget(name)


class ProjectionSampler(threading.Thread):
    """Reads every view's position and lag every `interval` s, off the scrape path."""

    def __init__(
        self, read: Callable[[], dict[str, tuple[int, int, float | None]]], interval: float = 5.0
    ) -> None:
        super().__init__(name="projection-metrics", daemon=True)
        self._read = read
        self._interval = interval
        self._stopping = threading.Event()  # not `_stop`: Thread.join calls its own

    def run(self) -> None:
        while not self._stopping.is_set():
            try:
                CALLBACKS.projections(self._read())
            except Exception as error:  # noqa: BLE001 - the store may be down: keep the last look
                log.debug("projection metrics: cannot read positions: %s", error)
            self._stopping.wait(self._interval)

    def stop(self) -> None:
        self._stopping.set()
