"""Benchmark 5: does a command cost more as the store grows? does a long ticket load slower?

Command latency: p50 of the command mix (one thread, each call one command) on a small
store, then on the same store filled to a large size (fresh tickets each time).
Loading: a ticket with many events against one with ten, read from the store (no cache:
`repository.get(id, version=...)` bypasses it), with snapshots on at the service's
interval N (`ECONCIERGE_SNAPSHOT_INTERVAL`, infra/snapshotting.py). The long ticket is
built for the slowest load snapshots allow: its latest snapshot is N - 1 events behind
its head, so loading reads the snapshot and N - 1 events. For the record, the figure also
carries the same load replaying every event (`replay_ms`: no snapshot store).
"""

from __future__ import annotations

import statistics
import time
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.meta import Cause
from infra.bootstrap import EConcierge
from tests.benchmarks import bulk, loader, pg, world
from tests.benchmarks.command_path import pg_service
from tests.benchmarks.figures import figure, percentiles
from tests.benchmarks.load import Run, timed
from tests.benchmarks.suite import Bench

LATENCY_TARGET = "<= 1.2"
LOAD_TARGET = "<= 2"


def latency(desk: world.Desk, seconds: float) -> Run:
    return timed([world.command_mix(desk, desk.ready_ticket())], seconds)


def add_visits(desk: world.Desk, ticket_id: UUID, first: int, count: int) -> None:
    """Log `count` visits (a thousand per command), numbered from `first` (distinct times)."""
    done = 0
    while done < count:
        n = min(1000, count - done)
        start = first + done

        def change(t: Ticket, c: Cause, s: frozenset[str], n: int = n, start: int = start) -> None:
            for _ in range(start, start + n):  # from the opening; the clock has moved since
                t.log_visit(c, t.opened_at, t.opened_at + world.STEP,
                            calendar=desk.service.holidays, serving=s)  # fmt: skip

        desk.service.change_ticket(desk.concierge(), ticket_id, change)
        done += n


def long_ticket(desk: world.Desk, events: int) -> UUID:
    """A ticket with `events` visits (after its opening and instruction)."""
    ticket_id = desk.ready_ticket()
    add_visits(desk, ticket_id, 0, events)
    return ticket_id


def ticket_behind_snapshot(desk: world.Desk, events: int, interval: int) -> tuple[UUID, int]:
    """A ticket of about `events` events, its latest snapshot `interval` - 1 events behind.

    Returns the ticket and its events after that snapshot (all of them without snapshots).
    """
    if interval <= 0:
        return long_ticket(desk, events - 2), events
    ticket_id = desk.ready_ticket()  # opened and instructed: version 2
    snapshot_at = max(interval, events // interval * interval)
    add_visits(desk, ticket_id, 0, snapshot_at - 2)  # the last save ends on a multiple: snapshot
    add_visits(desk, ticket_id, snapshot_at, interval - 1)  # one save, no multiple crossed
    return ticket_id, interval - 1


def load_times(
    service: EConcierge, ticket_id: UUID, repeats: int, *, snapshots: bool = True
) -> list[float]:
    """Seconds to rebuild the ticket from the store (from its snapshot, if allowed), each time."""
    version = service.get_ticket(ticket_id).version
    repository = service.repository
    store = repository.snapshot_store
    if not snapshots:
        repository.snapshot_store = None  # for the record only: the load without snapshots
    times = []
    try:
        for _ in range(repeats):
            began = time.perf_counter()
            repository.get(ticket_id, version=version)
            times.append(time.perf_counter() - began)
    finally:
        repository.snapshot_store = store
    return times


def run(bench: Bench) -> None:
    # The sizes: a store of 10k events against one of 1M (filled in bulk, spread
    # over contracts as a provider's store is: tests/benchmarks/bulk.py).
    small, large = bench.size(2_000, 10_000), bench.size(20_000, 1_000_000)
    many = bench.size(1_000, 10_000)
    seconds = bench.seconds(8.0)
    with pg.throwaway_database() as url, pg_service(url) as (service, clock):
        desk = loader.desk_of(service, clock)
        fleet = bulk.fleet_of(service, clock)
        bulk.grow(fleet, small, bench.progress(f"flat_cost: store to {small:,} events"))
        at_small = latency(desk, seconds)
        small_size = service.recorder.max_notification_id() or 0
        bulk.grow(fleet, large, bench.progress(f"flat_cost: store to {large:,} events"))
        at_large = latency(desk, seconds)
        large_size = service.recorder.max_notification_id() or 0
        interval = service.settings.snapshot_interval
        few = long_ticket(desk, 8)  # 10 events (under the interval: loaded from its events)
        lots, behind = ticket_behind_snapshot(desk, many, interval)
        total = service.get_ticket(lots).version
        repeats = bench.size(5, 9)
        few_times: list[float] = []
        many_times: list[float] = []
        for _ in range(3):  # alternating, so that a busy moment of the machine hits both sides
            few_times += load_times(service, few, repeats * 7)
            many_times += load_times(service, lots, repeats)
        t_few, t_many = statistics.median(few_times), statistics.median(many_times)
        t_replay = statistics.median(
            load_times(service, lots, max(3, repeats // 3), snapshots=False)
        )
    p_small, p_large = percentiles(at_small.latencies), percentiles(at_large.latencies)
    bench.add(
        figure("flat_cost.pg.command_p50", p_large["p50_ms"], "ms", p_small["p50_ms"],
               LATENCY_TARGET, store_events=large_size, baseline_store_events=small_size,
               p50_ms=p_large["p50_ms"], p99_ms=p_large["p99_ms"],
               baseline_p99_ms=p_small["p99_ms"]),
        figure("flat_cost.pg.ticket_load", t_many * 1000, "ms", t_few * 1000, LOAD_TARGET,
               ticket_events=total, baseline_ticket_events=10, snapshots=interval > 0,
               snapshot_interval=interval, events_after_snapshot=behind,
               replay_ms=round(t_replay * 1000, 3)),
    )  # fmt: skip
