"""Benchmark 5: does a command cost more as the store grows? does a long ticket load slower?

Command latency: p50 of the command mix (one thread, each call one command) on a small
store, then on the same store filled to a large size (fresh tickets each time).
Loading: a ticket with many events against one with ten, read from the store (no cache:
`repository.get(id, version=...)` bypasses it). Snapshots are not implemented, so a
ticket's load time grows with its events: the figure says by how much.
"""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.meta import Cause
from infra.bootstrap import EConcierge
from tests.benchmarks import loader, pg, world
from tests.benchmarks.command_path import pg_service
from tests.benchmarks.figures import figure, percentiles
from tests.benchmarks.load import Run, timed
from tests.benchmarks.suite import Bench

LATENCY_TARGET = "<= 1.2"
LOAD_TARGET = "<= 2"


def latency(desk: world.Desk, seconds: float) -> Run:
    return timed([world.command_mix(desk, desk.ready_ticket())], seconds)


def long_ticket(desk: world.Desk, events: int) -> UUID:
    """A ticket with about `events` events: visits logged a thousand per command."""
    ticket_id = desk.ready_ticket()
    done = 0
    while done < events:
        n = min(1000, events - done)
        first = done

        def change(t: Ticket, c: Cause, s: frozenset[str], n: int = n, first: int = first) -> None:
            for i in range(first, first + n):
                end = world.IN_SERVICE - timedelta(hours=1, seconds=i)
                t.log_visit(c, end - timedelta(hours=1), end, calendar=desk.service.holidays,
                            serving=s)  # fmt: skip

        desk.service.change_ticket(desk.concierge(), ticket_id, change)
        done += n
    return ticket_id


def load_time(service: EConcierge, ticket_id: UUID, repeats: int) -> float:
    """Median seconds to rebuild the ticket from its stored events."""
    version = service.get_ticket(ticket_id).version
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        service.repository.get(ticket_id, version=version)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def run(bench: Bench) -> None:
    small, large = bench.size(300, 2_000), bench.size(3_000, 20_000)
    many = bench.size(1_000, 10_000)
    seconds = bench.seconds(8.0)
    with pg.throwaway_database() as url, pg_service(url) as (service, clock):
        desk = loader.desk_of(service, clock)
        loader.fill(desk, small)
        at_small = latency(desk, seconds)
        small_size = service.recorder.max_notification_id() or 0
        loader.fill(desk, large)
        at_large = latency(desk, seconds)
        large_size = service.recorder.max_notification_id() or 0
        few = long_ticket(desk, 8)  # + opened and instructed: 10 events
        lots = long_ticket(desk, many)
        repeats = bench.size(5, 9)
        t_few, t_many = load_time(service, few, repeats * 20), load_time(service, lots, repeats)
    p_small, p_large = percentiles(at_small.latencies), percentiles(at_large.latencies)
    bench.add(
        figure("flat_cost.pg.command_p50", p_large["p50_ms"], "ms", p_small["p50_ms"],
               LATENCY_TARGET, store_events=large_size, baseline_store_events=small_size,
               p50_ms=p_large["p50_ms"], p99_ms=p_large["p99_ms"],
               baseline_p99_ms=p_small["p99_ms"]),
        figure("flat_cost.pg.ticket_load", t_many * 1000, "ms", t_few * 1000, LOAD_TARGET,
               ticket_events=many + 2, baseline_ticket_events=10, snapshots=False),
    )  # fmt: skip
