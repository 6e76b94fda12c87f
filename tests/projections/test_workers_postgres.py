"""Drills with real worker processes on PostgreSQL: SIGKILL mid-run, and a standby taking
over. The store is a realistic one (tests/projections/workers.py `many_events`): contracts
in service, tickets worked with visits, risks and slips, liability claims, a month close
and late events, so that every view has rows to compare with its rebuild from zero."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.billing_lines import LineCode
from domain.liability import Liable
from infra.bootstrap import EConcierge
from infra.settings import Settings
from projections.billing_query import StatementFilter, find_statements
from projections.catalog import VIEWS, views_of
from projections.dispatch_query import open_tickets
from projections.liability import claims_for
from projections.runner import head, rebuild
from projections.store import ViewStore
from tests.conftest import BACKENDS
from tests.projections.steps import trail
from tests.projections.workers import (
    CONTRACTS,
    TICKETS_PER_CONTRACT,
    Worker,
    active_pid,
    many_events,
    position,
    wait_until,
)

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


def _every_view_holds_the_run(service: EConcierge) -> None:
    """Not vacuous: each view has what the run's events make (see `many_events`)."""
    with views_of(service).read() as tx:
        statements = [s.statement for s in find_statements(tx, StatementFilter(), limit=10_000)]
        claims = claims_for(tx)
        board = open_tickets(tx, service.clock.now())
        trail_rows = tx.fetchone("SELECT COUNT(*) FROM audit_trail")[0]
    assert trail_rows > 3_000
    assert len({s.contract_id for s in statements}) == CONTRACTS
    assert sum(1 for s in statements if s.closed_by) == CONTRACTS  # December, closed (P14)
    assert sum(1 for s in statements if s.adjustments) == 3  # the late visits (P14)
    codes = {line.code for s in statements for line in s.lines}
    assert {LineCode.SPOT_VISIT, LineCode.OFF_HOURS_SURCHARGE, LineCode.TEAM_SURCHARGE} <= codes
    assert sorted((c.decision, c.rule) for c in claims) == [
        (Liable.CUSTOMER, "L2"), (Liable.CUSTOMER, "L2"), (Liable.OPERATOR_AND_CONCIERGE, "L3"),
    ]  # fmt: skip
    assert len(board) > CONTRACTS * TICKETS_PER_CONTRACT // 5  # open tickets (O3)


def snapshot(store: ViewStore) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every view table, in full order (rows may tie on their first column)."""
    with store.read() as tx:
        return {
            table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr)
            for view in VIEWS
            for table in view.tables
        }


def _equals_a_rebuild_from_zero(service: EConcierge) -> None:
    _every_view_holds_the_run(service)
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
