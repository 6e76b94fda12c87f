"""Benchmark 1: application-service commands per second on PostgreSQL, in process.

Against raw psycopg single-row INSERTs into a scratch table at the same concurrency
(each thread its own autocommit connection). The service runs with group commit
(infra/group_commit.py) and `cache_fastforward=False` (one writer process: no re-read
round trip before each command).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from tests.benchmarks import pg, raw, world
from tests.benchmarks.figures import figure, percentiles
from tests.benchmarks.load import Operation, Run, timed
from tests.benchmarks.suite import Bench

CONCURRENCY = (1, 4)
TARGET = ">= 0.6"

#: Opens a service on a fresh store: (service, clock).
ServiceFactory = Callable[[], AbstractContextManager[tuple[EConcierge, FixedClock]]]
#: Yields one baseline operation per thread.
BaselineFactory = Callable[[int], AbstractContextManager[list[Operation]]]


@contextmanager
def pg_service(url: str, **overrides: Any) -> Iterator[tuple[EConcierge, FixedClock]]:
    with tempfile.TemporaryDirectory() as data:
        clock = world.SteppingClock(world.APPLIED)
        settings = pg.pg_settings(url, Path(data), cache_fastforward=False, **overrides)
        service = build(settings, clock)
        try:
            yield service, clock
        finally:
            service.close()


def command_workers(desk: world.Desk, threads: int) -> list[Operation]:
    """Each thread works the command mix on its own ticket (no optimistic-lock races)."""
    return [world.command_mix(desk, desk.ready_ticket()) for _ in range(threads)]


def compare(bench: Bench, desk: world.Desk, baseline: BaselineFactory, threads: int) -> tuple[Run, Run, float]:
    """Best of alternating rounds of both sides: (commands, baseline, events per second)."""
    best_cmd: Run | None = None
    best_raw: Run | None = None
    events_rate = 0.0
    seconds = bench.seconds(6.0)
    for _ in range(1 if bench.quick else 2):
        with baseline(threads) as ops:
            run = timed(ops, seconds)
        best_raw = run if best_raw is None or run.rate > best_raw.rate else best_raw
        ops = command_workers(desk, threads)
        before = desk.service.recorder.max_notification_id() or 0
        run = timed(ops, seconds)
        after = desk.service.recorder.max_notification_id() or 0
        if best_cmd is None or run.rate > best_cmd.rate:
            best_cmd = run
            events_rate = (after - before) / seconds
    assert best_cmd is not None and best_raw is not None
    return best_cmd, best_raw, events_rate


def measure(bench: Bench, prefix: str, desk: world.Desk, baseline: BaselineFactory,
            target: str | None, baseline_unit: str) -> None:  # fmt: skip
    for threads in CONCURRENCY:
        cmd, base, events_rate = compare(bench, desk, baseline, threads)
        bench.add(
            figure(
                f"{prefix}.c{threads}", cmd.rate, "commands/s", base.rate, target,
                threads=threads, errors=cmd.errors, baseline_of=baseline_unit,
                **percentiles(cmd.latencies),
            )
        )  # fmt: skip
        bench.shared[f"{prefix}.write_events_per_s.c{threads}"] = events_rate


def run(bench: Bench) -> None:
    with pg.throwaway_database() as url, pg_service(url) as (service, clock):
        desk = world.contract_in_service(service, clock)

        @contextmanager
        def baseline(threads: int) -> Iterator[list[Operation]]:
            with raw.pg_inserters(url, threads) as ops:
                yield ops

        measure(bench, "command_path.pg", desk, baseline, TARGET, "raw INSERT/s")

