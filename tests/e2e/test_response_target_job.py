"""The 24-hour response job (rule O3) against the real store: once per ticket, restartable."""

from __future__ import annotations

import threading
import time
from uuid import UUID

import pytest
from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.settings import Settings
from tests.api.ticket_steps import Desk, contract_in_service, ok
from workers.response_target import run_forever, run_once


@pytest.fixture
def desk(client: TestClient, clock: FixedClock) -> Desk:
    return contract_in_service(client, clock)


def test_a_ticket_with_no_arrival_after_24_hours_misses_the_target_once(
    desk: Desk, service: EConcierge, clock: FixedClock
) -> None:
    late = desk.open_ticket()["id"]
    visited = desk.instructed()
    closed = desk.open_ticket()["id"]
    desk.as_customer()
    ok(desk.act(closed, "resolution", {"outcome": "closed_unresolved", "note": "Withdrawn"}))
    clock.advance(hours=3)
    desk.as_concierge()
    visit = {"arrival": "2026-12-02T11:00:00+09:00", "departure": "2026-12-02T12:00:00+09:00"}
    ok(desk.act(visited, "visits", visit))

    clock.advance(hours=21)  # exactly 24 h after opening: not missed yet
    assert run_once(service) == 0
    clock.advance(minutes=1)
    assert run_once(service) == 1
    assert run_once(service) == 0  # safe to run twice

    ticket = ok(desk.as_operator().get(f"/v1/tickets/{late}"))
    assert ticket["response_target_missed_at"] == "2026-12-03T10:01:00+09:00"
    [missed] = [e for e in service.repository.event_store.get(UUID(late))][-1:]
    assert type(missed).__name__ == "ResponseTargetMissed"
    assert (missed.meta.actor_id, missed.meta.actor_role) == ("response-target-job", Role.SYSTEM)
    for other in (visited, closed):
        assert ok(desk.client.get(f"/v1/tickets/{other}"))["response_target_missed_at"] is None


def test_a_restarted_job_does_not_record_a_target_twice(
    desk: Desk, service: EConcierge, settings: Settings, clock: FixedClock
) -> None:
    desk.open_ticket()
    clock.advance(hours=25)
    assert run_once(service) == 1
    restarted = build(settings, clock)  # a new process: it reads the log from the start
    try:
        assert run_once(restarted) == 0
    finally:
        restarted.close()


def test_the_job_runs_until_stopped(desk: Desk, service: EConcierge, clock: FixedClock) -> None:
    ticket_id = desk.open_ticket()["id"]
    clock.advance(hours=25)
    stop = threading.Event()
    worker = threading.Thread(target=run_forever, args=(service, 0.01, stop))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while service.get_ticket(UUID(ticket_id)).response_target_missed_at is None:
            assert time.monotonic() < deadline, "the job did not record the missed target"
            time.sleep(0.02)
    finally:
        stop.set()
        worker.join(timeout=5)
    assert not worker.is_alive()
