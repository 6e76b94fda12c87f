"""Benchmark 7: the embedded default (SQLite) — figures 1 and 4, for the record (no target).

Same command mix and projections as on PostgreSQL; the command baseline is raw sqlite3
single-row INSERTs (autocommit, WAL) into a scratch table in a file next to the store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.settings import Settings
from tests.benchmarks import command_path, projections, raw, world
from tests.benchmarks.load import Operation
from tests.benchmarks.suite import Bench


@contextmanager
def sqlite_service() -> Iterator[tuple[EConcierge, FixedClock]]:
    with tempfile.TemporaryDirectory() as data:
        clock = world.SteppingClock(world.APPLIED)
        settings = Settings.from_env({}, data_dir=data, jwt_secret="x" * 32)
        service = build(settings, clock)
        try:
            yield service, clock
        finally:
            service.close()


def run(bench: Bench) -> None:
    with tempfile.TemporaryDirectory() as scratch, sqlite_service() as (service, clock):
        desk = world.contract_in_service(service, clock)

        @contextmanager
        def baseline(threads: int) -> Iterator[list[Operation]]:
            with raw.sqlite_inserters(str(Path(scratch) / "scratch.sqlite3"), threads) as ops:
                yield ops

        command_path.measure(bench, "command_path.sqlite", desk, baseline, None, "raw INSERT/s")
    projections.measure(bench, "projections.sqlite", sqlite_service,
                        bench.size(1_500, 20_000), target=False)  # fmt: skip
