"""Processes that start at the same moment on one database all come up (PostgreSQL).

`serve`, its projection workers and a standby start together; the schema creation they
all run must not fail one of them ("tuple concurrently updated" from two concurrent
`CREATE OR REPLACE FUNCTION`s was once how a standby worker died at birth).
"""

from __future__ import annotations

import multiprocessing
import uuid
from multiprocessing.synchronize import Barrier

import pytest
from msgspec.structs import replace

from infra.bootstrap import build
from infra.keys import SqlKeyTable
from infra.settings import Settings

pytestmark = pytest.mark.postgres

PROCESSES = 3


@pytest.fixture
def backend() -> str:
    return "postgres"


def _start(settings: Settings, barrier: Barrier, failures: multiprocessing.Queue) -> None:
    try:
        barrier.wait(30)
        service = build(settings)
        SqlKeyTable(service.recorder).live_key("someone")  # the key table is created lazily
        service.close()
        failures.put(None)
    except Exception as error:  # noqa: BLE001 - reported to the test
        failures.put(repr(error))


@pytest.mark.parametrize("round_", range(4))
def test_processes_starting_together_on_a_new_schema_all_come_up(
    settings: Settings, round_: int
) -> None:
    fresh = replace(settings, db_schema=f"t_{uuid.uuid4().hex[:12]}")
    context = multiprocessing.get_context("fork")
    barrier, failures = context.Barrier(PROCESSES), context.Queue()
    processes = [
        context.Process(target=_start, args=(fresh, barrier, failures)) for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = [failures.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(10)
    assert [o for o in outcomes if o] == []
    assert [p.exitcode for p in processes] == [0] * PROCESSES
