"""Drills with real worker processes on PostgreSQL: SIGKILL mid-run, and a standby taking over."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.bootstrap import EConcierge
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.runner import head, rebuild
from tests.conftest import BACKENDS
from tests.projections.steps import trail
from tests.projections.test_rebuild import snapshot
from tests.projections.workers import Worker, active_pid, many_events, position, wait_until

pytestmark = [
    pytest.mark.slow,
    pytest.mark.parametrize(
        "backend",
        [
            pytest.param(
                "postgres",
                marks=pytest.mark.skipif("postgres" not in BACKENDS, reason="no PostgreSQL"),
            )
        ],
    ),
]


def _equals_a_rebuild_from_zero(service: EConcierge) -> None:
    store = views_of(service)
    built = snapshot(store)
    for view in VIEWS:
        rebuild(service, store, view)
    assert snapshot(store) == built
    shown = [
        n.id
        for n in service.recorder.select_notifications(1, 100_000)
        if "idempotency" not in n.topic
    ]
    assert [e.position for e in trail(service)] == shown  # every event once, in order


def test_a_worker_killed_mid_run_resumes_and_the_view_equals_a_rebuild(
    service: EConcierge, settings: Settings, tmp_path: Path
) -> None:
    many_events(service)
    last = head(service)
    assert last > 3_000
    first = Worker(settings, tmp_path / "first.log")
    try:
        wait_until(lambda: position(service) > 200, 30, "the worker is well into the run")
    finally:
        first.kill()
    assert 0 < position(service) < last, first.output()

    second = Worker(settings, tmp_path / "second.log")
    try:
        wait_until(
            lambda: position(service) == last,
            60,
            "the restarted worker has finished",
            poll=0.05,
            logs=second.output,
        )
    finally:
        assert second.terminate() == 0, second.output()  # SIGTERM: a clean stop

    _equals_a_rebuild_from_zero(service)


def test_when_the_active_worker_dies_the_standby_finishes_the_run(
    service: EConcierge, settings: Settings, tmp_path: Path
) -> None:
    many_events(service)
    last = head(service)
    workers = {
        w.pid: w
        for w in (Worker(settings, tmp_path / "a.log"), Worker(settings, tmp_path / "b.log"))
    }
    try:
        wait_until(
            lambda: active_pid(service) in workers and position(service) > 200,
            30,
            "one worker is active",
        )
        active = active_pid(service)
        assert active is not None
        for worker in workers.values():  # both came up (a failed start once left no standby)
            assert worker.process.poll() is None, worker.output()
        workers[active].kill()
        assert position(service) < last, "the run finished before the active worker was killed"
        (standby,) = (pid for pid in workers if pid != active)

        wait_until(
            lambda: position(service) == last,
            60,
            "the standby has finished the run",
            poll=0.05,
            logs=lambda: workers[standby].output(),
        )
        assert active_pid(service) == standby
    finally:
        for worker in workers.values():
            if worker.process.poll() is None:
                worker.kill()

    _equals_a_rebuild_from_zero(service)
