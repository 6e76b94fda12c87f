"""Benchmark 6: resident memory of `serve` and of the projection worker as the store grows.

The store is filled to N/10 events and then to N (tests/benchmarks/bulk.py: real tickets
through the domain, saved in bulk) while `econcierge serve` and
`econcierge worker projections` run. At each size, once the worker has caught up, serve
takes the same HTTP workload: 4 clients, each on one contract's tickets (its own customer
and concierge tokens), five requests per ticket in turn (read it, log a visit, disclose a risk, the customer
acknowledges it, a new ticket is opened) — and the RSS of each process is read from
/proc. The figure is the growth N/10 -> N: flat means near 1. What may grow is bounded by
configuration (the aggregate cache: ECONCIERGE_AGGREGATE_CACHE_SIZE aggregates), never
by the size of the store.
"""

from __future__ import annotations

import itertools
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx

from infra.bootstrap import EConcierge, build
from infra.clock import JST, FixedClock
from projections.catalog import VIEWS, close_views, views_of
from projections.runner import status
from tests.benchmarks import bulk, pg, processes, world
from tests.benchmarks.figures import figure
from tests.benchmarks.http_path import Actors
from tests.benchmarks.suite import Bench

Progress = Callable[[int, int], None]

TARGET = "<= 1.2"
CLIENTS = 4
RISK = {"description": "Data may be lost", "level": "low"}


def wait_caught_up(service: EConcierge, progress: Progress, timeout: float = 3_600) -> None:
    """Until every view has the whole log (the worker runs in its own process)."""
    store = views_of(service)
    deadline = time.monotonic() + timeout
    while True:
        rows = status(service, store, VIEWS)
        slowest = min(row.position for row in rows)
        progress(slowest, rows[0].head)
        if all(row.behind == 0 for row in rows):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the projection worker did not catch up")
        time.sleep(0.5)


def day_of_work(api: str, actors: Actors, desk: world.Desk, tickets: Sequence[UUID],
                now: datetime) -> Callable[[], int]:  # fmt: skip
    """One client on one contract: each call works its next ticket (five requests)."""
    client = httpx.Client(base_url=api, timeout=30)
    customer = {"Authorization": f"Bearer {actors.customer}"}
    concierge = {"Authorization": f"Bearer {actors.concierge}"}
    seconds, turn = itertools.count(), itertools.cycle(tickets)
    risks = {ticket_id: bulk.RISKS_PER_TICKET for ticket_id in tickets}

    def call() -> int:
        ticket_id = next(turn)
        risks[ticket_id] += 1
        ticket = f"/v1/tickets/{ticket_id}"
        departure = now - timedelta(hours=1, seconds=next(seconds))
        visit = {"arrival": (departure - timedelta(hours=1)).isoformat(),
                 "departure": departure.isoformat()}  # fmt: skip
        opened = {"contract_id": str(desk.contract_id), "cluster": "hq", "kind": "trouble",
                  "summary": "The office printer does not print", "channel": "business_mobile"}  # fmt: skip
        for answer in (
            client.get(ticket, headers=customer),
            client.post(f"{ticket}/visits", json=visit, headers=concierge),
            client.post(f"{ticket}/risks", json=RISK, headers=concierge),
            client.post(f"{ticket}/risks/risk-{risks[ticket_id]}/acknowledge", headers=customer),
            client.post("/v1/tickets", json=opened, headers=customer),
        ):
            if answer.status_code >= 300:
                raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
        return 5

    return call


def work(calls: Sequence[Callable[[], int]], requests: int) -> None:
    """The clients share `requests` requests; an error stops the benchmark."""
    done, lock, errors = [0], threading.Lock(), []

    def loop(call: Callable[[], int]) -> None:
        while True:
            with lock:
                if done[0] >= requests or errors:
                    return
                done[0] += 5
            try:
                call()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                return

    threads = [threading.Thread(target=loop, args=(c,), daemon=True) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def service_days(now: datetime) -> tuple[datetime, datetime]:
    """When the contracts were applied for (a weekday two months ago) and the loader's now."""
    applied = (now - timedelta(days=60)).replace(hour=10, minute=0, second=0)
    while applied.weekday() >= 5:
        applied += timedelta(days=1)
    return applied, now - timedelta(hours=3)


def run(bench: Bench) -> None:
    events = bench.size(30_000, 1_000_000)  # the first N/10 fills the clients' contracts
    requests = bench.size(400, 4_000)
    with pg.throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = pg.pg_settings(url, data, cache_fastforward=False)
        now = datetime.now(JST).replace(microsecond=0)
        applied, loading = service_days(now)
        loader = build(settings, FixedClock(loading))  # fills the store
        fleet = bulk.fleet_of(loader, loader.clock, applied, loading)  # type: ignore[arg-type]
        for _ in range(CLIENTS):
            fleet.add_contract()
        actors = [Actors(settings, desk) for desk in fleet.desks[:CLIENTS]]
        worker_cmd = [processes.ECONCIERGE, "worker", "projections"]
        env = processes.environment(settings)
        samples, loaded = [], []
        calls: list[Callable[[], int]] = []
        try:
            with processes.serving(settings, data / "serve.log") as (api, serve_pid), \
                    processes.process(worker_cmd, env, data / "worker.log") as worker:  # fmt: skip
                for size in (events // 10, events):
                    began = time.perf_counter()
                    bulk.grow(fleet, size, bench.progress(f"memory: store to {size:,} events"))
                    loaded.append(time.perf_counter() - began)
                    wait_caught_up(loader, bench.progress("memory: projection worker"))
                    calls = calls or [  # made once: the clients go on where they stopped
                        day_of_work(api, actors[n], desk, fleet.tickets[desk.contract_id], now)
                        for n, desk in enumerate(fleet.desks[:CLIENTS])
                    ]
                    work(calls, requests)
                    samples.append((loader.recorder.max_notification_id() or 0,
                                    processes.rss_mib(serve_pid), processes.rss_mib(worker.pid)))  # fmt: skip
        finally:
            close_views(loader)
            loader.close()
    (n0, serve0, worker0), (n1, serve1, worker1) = samples
    for name, small, large in (("serve", serve0, serve1), ("worker_projections", worker0, worker1)):
        bench.add(
            figure(f"memory.pg.{name}", large, "MiB", small, TARGET, events=n1,
                   baseline_events=n0, baseline_of=f"RSS after {n0} events",
                   contracts=len(fleet.desks), requests_per_sample=requests,
                   load_seconds=[round(s, 1) for s in loaded])
        )  # fmt: skip
