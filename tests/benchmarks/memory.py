"""Benchmark 6: resident memory of `serve` and of the projection worker as events grow.

`econcierge serve` takes the command mix over HTTP (4 clients) while
`econcierge worker projections` keeps every view up to date; the RSS of each process is
read from /proc after N/10 events and after N events (each once the worker has caught
up). The figure is the growth N/10 -> N: flat means the ratio stays near 1.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from infra.bootstrap import build
from projections.catalog import VIEWS, close_views, views_of
from projections.runner import status
from tests.benchmarks import pg, processes
from tests.benchmarks.figures import figure
from tests.benchmarks.http_path import Actors, api_mix, seed
from tests.benchmarks.suite import Bench

TARGET = "<= 1.2"
CLIENTS = 4


def drive_to(ops: list, service: object, events: int) -> None:
    """The HTTP clients run until the log holds `events`."""
    stop = threading.Event()

    def loop(op) -> None:  # type: ignore[no-untyped-def]
        calls = failures = 0
        while not stop.is_set():
            try:
                op()
            except Exception:  # a refused request is still load, up to a point
                failures += 1
                if failures > 200:  # the server is refusing everything: stop, do not spin
                    stop.set()
                    raise
                continue
            calls += 1
            if calls % 20 == 0 and (service.recorder.max_notification_id() or 0) >= events:  # type: ignore[attr-defined]
                stop.set()

    threads = [threading.Thread(target=loop, args=(op,), daemon=True) for op in ops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def wait_caught_up(service: object, timeout: float = 600) -> None:
    store = views_of(service)  # type: ignore[arg-type]
    deadline = time.monotonic() + timeout
    while any(row.behind > 0 for row in status(service, store, VIEWS)):  # type: ignore[arg-type]
        if time.monotonic() > deadline:
            raise TimeoutError("the projection worker did not catch up")
        time.sleep(0.2)


def run(bench: Bench) -> None:
    events = bench.size(800, 6_000)
    with pg.throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = pg.pg_settings(url, data, cache_fastforward=False)
        desk, now = seed(settings, CLIENTS)
        actors = Actors(settings, desk)
        reader = build(settings)  # reads the head and the views' positions
        worker_cmd = [processes.ECONCIERGE, "worker", "projections"]
        env = processes.environment(settings)
        try:
            with processes.serving(settings, data / "serve.log") as (api, serve_pid), \
                    processes.process(worker_cmd, env, data / "worker.log") as worker:  # fmt: skip
                ops = [api_mix(api, actors, desk, t, now) for t in desk.tickets[:CLIENTS]]
                samples = []
                for size in (events // 10, events):
                    drive_to(ops, reader, size)
                    wait_caught_up(reader)
                    samples.append((reader.recorder.max_notification_id() or 0,
                                    processes.rss_mib(serve_pid), processes.rss_mib(worker.pid)))  # fmt: skip
        finally:
            close_views(reader)
            reader.close()
    (n0, serve0, worker0), (n1, serve1, worker1) = samples
    for name, small, large in (("serve", serve0, serve1), ("worker_projections", worker0, worker1)):
        bench.add(
            figure(f"memory.pg.{name}", large, "MiB", small, TARGET,
                   events=n1, baseline_events=n0, baseline_of=f"RSS after {n0} events")
        )
