"""Filling a store with realistic events: the command mix on several threads until N."""

from __future__ import annotations

import threading
import time

from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.benchmarks import world


def desk_of(service: EConcierge, clock: FixedClock) -> world.Desk:
    """The contract in service of this store (made once)."""
    return world.contract_in_service(service, clock)


def fill(desk: world.Desk, events: int, threads: int = 4) -> float:
    """Run the command mix until the log holds at least `events`; returns seconds taken."""
    service = desk.service
    ops = [world.command_mix(desk, desk.ready_ticket(), fresh_every=40) for _ in range(threads)]
    stop = threading.Event()

    def loop(op: world.Operation) -> None:
        checked = 0
        while not stop.is_set():
            op()
            checked += 1
            if checked % 50 == 0 and (service.recorder.max_notification_id() or 0) >= events:
                stop.set()

    began = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(op,), daemon=True) for op in ops]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began
