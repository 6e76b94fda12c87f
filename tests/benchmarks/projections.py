"""Benchmark 4: projection catch-up and rebuild rates, in events per second.

Catch-up: every view (projections/catalog.py VIEWS) runs on its own thread, as the
projection worker runs them, from position 0 to the log's head; the rate is the log's
events over the time until the last view is done, against the sustained write rate of
benchmark 1 (4 threads; if benchmark 1 did not run, the write rate of the command mix on
4 threads while it filled the first events of this store).
Rebuild: what `econcierge projections rebuild` runs (projections/rebuild.py
`rebuild_views` with every view: one shared read of the log in batches of
REBUILD_BATCH_SIZE, fresh tables, then the swap), against a bare `select_notifications`
scan of the same events in batches of the same size (the better of a scan before and one
after the rebuild).

The store: the command mix through the commands for its first events (their write rate is
the fallback baseline above), then the same events in bulk (tests/benchmarks/loader.py
`fill_bulk`) up to the catch-up size, then on to the rebuild size. Catch-up applies the
log batch by batch as the worker does, so it runs on the smaller store.
"""

from __future__ import annotations

import itertools
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections import positions
from projections.catalog import VIEWS, close_views, views_of
from projections.rebuild import REBUILD_BATCH_SIZE, rebuild_views
from projections.runner import catch_up
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


def rebuild_rate(service: EConcierge, events: int) -> tuple[float, dict[str, float]]:
    """Every view from one shared read (the CLI's path); seconds spent in each phase."""
    store = views_of(service)
    began = time.perf_counter()
    phases: dict[str, float] = {}

    def phase(name: str) -> None:
        phases[name] = time.perf_counter()

    rebuild_views(service, store, VIEWS, on_phase=phase)
    ended = time.perf_counter()
    marks = [began, phases["finish"], phases["swap"], ended]
    spans = (round(b - a, 2) for a, b in itertools.pairwise(marks))
    return events / (ended - began), dict(zip(("read_s", "finish_s", "swap_s"), spans, strict=True))


def scan_rate(service: EConcierge, events: int) -> float:
    began, start = time.perf_counter(), 1
    while True:
        window = service.recorder.select_notifications(start=start, limit=REBUILD_BATCH_SIZE)
        if not window:
            break
        start = window[-1].id + 1
    return events / (time.perf_counter() - began)


def measure(bench: Bench, prefix: str, opened: Callable[[], AbstractContextManager[tuple[EConcierge, FixedClock]]],
            events: int, target: bool = True, rebuild_events: int | None = None) -> None:  # fmt: skip
    """Catch-up on a store of `events`, then the rebuild of one of `rebuild_events` (or as many)."""
    with opened() as (service, clock):
        desk = loader.desk_of(service, clock)
        took = loader.fill(desk, min(events, bench.size(1_000, 5_000)))
        fill_rate = (service.recorder.max_notification_id() or 0) / took
        loaded = loader.fill_bulk(desk, events)
        stored = service.recorder.max_notification_id() or 0
        try:
            catch = catch_up_rate(service, stored)
            loaded += loader.fill_bulk(desk, max(events, rebuild_events or 0))
            logged = service.recorder.max_notification_id() or 0
            scanned = scan_rate(service, logged)
            rebuilt, phases = rebuild_rate(service, logged)
            scanned = max(scanned, scan_rate(service, logged))
        finally:
            close_views(service)
    written = bench.shared.get(f"{prefix.replace('projections', 'command_path')}.write_events_per_s.c4")
    source = "benchmark 1 write rate, 4 threads" if written else "command mix write rate, 4 threads"
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    bench.add(
        figure(f"{prefix}.catch_up", catch, "events/s", written or fill_rate,
               CATCH_UP_TARGET if target else None, events=stored, baseline_of=source),
        figure(f"{prefix}.rebuild", rebuilt, "events/s", scanned, REBUILD_TARGET if target else None,
               events=logged, baseline_of="bare select_notifications scan, same batches",
               batch=REBUILD_BATCH_SIZE, load_s=round(loaded, 1), peak_rss_mib=round(peak),
               **phases),
    )  # fmt: skip


@contextmanager
def pg_store() -> Iterator[tuple[EConcierge, FixedClock]]:
    with pg.throwaway_database() as url, pg_service(url) as answer:
        yield answer


def run(bench: Bench) -> None:
    # Full size: catch-up on 150 000 events (about a minute here), the rebuild on 1 M
    # (loading them takes about two minutes; the rebuild one to two).
    measure(bench, "projections.pg", pg_store, bench.size(2_000, 150_000),
            rebuild_events=bench.size(3_000, 1_000_000))  # fmt: skip
