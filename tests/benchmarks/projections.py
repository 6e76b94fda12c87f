"""Benchmark 4: projection catch-up and rebuild rates, in events per second.

Catch-up: every view (projections/catalog.py VIEWS) runs on its own thread, as the
projection worker runs them, from position 0 to the log's head; the rate is the log's
events over the time until the last view is done, against the sustained write rate of
benchmark 1 (4 threads; the fill rate of this store if benchmark 1 did not run).
Rebuild: `econcierge projections rebuild` (every view, one after the other, batches of
REBUILD_BATCH_SIZE), against a bare `select_notifications` scan of the same events.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections import positions
from projections.catalog import VIEWS, close_views, views_of
from projections.runner import REBUILD_BATCH_SIZE, catch_up, rebuild
from tests.benchmarks import loader, pg
from tests.benchmarks.command_path import pg_service
from tests.benchmarks.figures import figure
from tests.benchmarks.suite import Bench

CATCH_UP_TARGET = ">= 2"
REBUILD_TARGET = ">= 0.5"


def catch_up_rate(service: EConcierge, events: int) -> float:
    store = views_of(service)
    for view in VIEWS:
        positions.ensure(store, view)
    threads = [threading.Thread(target=catch_up, args=(service, store, view)) for view in VIEWS]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return events / (time.perf_counter() - began)


def rebuild_rates(service: EConcierge, events: int) -> tuple[float, dict[str, float]]:
    """All views one after the other (the CLI), and each view's own rate."""
    store = views_of(service)
    each: dict[str, float] = {}
    began = time.perf_counter()
    for view in VIEWS:
        started = time.perf_counter()
        rebuild(service, store, view)
        each[view.name] = round(events / (time.perf_counter() - started), 1)
    return events / (time.perf_counter() - began), each


def scan_rate(service: EConcierge, events: int) -> float:
    began, start = time.perf_counter(), 1
    while True:
        window = service.recorder.select_notifications(start=start, limit=REBUILD_BATCH_SIZE)
        if not window:
            break
        start = window[-1].id + 1
    return events / (time.perf_counter() - began)


def measure(bench: Bench, prefix: str, opened: Callable[[], AbstractContextManager[tuple[EConcierge, FixedClock]]],
            events: int, target: bool = True) -> None:  # fmt: skip
    with opened() as (service, clock):
        took = loader.fill(loader.desk_of(service, clock), events)
        stored = service.recorder.max_notification_id() or 0
        fill_rate = stored / took
        try:
            catch = catch_up_rate(service, stored)
            rebuilt, each = rebuild_rates(service, stored)
            scan = scan_rate(service, stored)
        finally:
            close_views(service)
    written = bench.shared.get(f"{prefix.replace('projections', 'command_path')}.write_events_per_s.c4")
    source = "benchmark 1 write rate, 4 threads" if written else "fill rate of this store, 4 threads"
    bench.add(
        figure(f"{prefix}.catch_up", catch, "events/s", written or fill_rate,
               CATCH_UP_TARGET if target else None, events=stored, baseline_of=source),
        figure(f"{prefix}.rebuild", rebuilt, "events/s", scan, REBUILD_TARGET if target else None,
               events=stored, baseline_of="bare select_notifications scan", per_view=each),
    )  # fmt: skip


@contextmanager
def pg_store() -> Iterator[tuple[EConcierge, FixedClock]]:
    with pg.throwaway_database() as url, pg_service(url) as answer:
        yield answer


def run(bench: Bench) -> None:
    # Full size: as large as the catch-up and rebuild of this machine fit in ~10 minutes.
    measure(bench, "projections.pg", pg_store, bench.size(2_000, 150_000))
