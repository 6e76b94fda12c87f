"""Benchmark 2: the command mix through `econcierge serve` over HTTP, on PostgreSQL.

Against a bare endpoint on the same server stack (tests/benchmarks/bare_app.py: litestar
under uvicorn, one raw INSERT per request), at the same client concurrency. Both servers
run as subprocesses; the clients are httpx, one keep-alive connection per thread. The
store is seeded in process with a FixedClock in the past (serve runs on the wall clock).
"""

from __future__ import annotations

import itertools
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from infra.bootstrap import EConcierge, build
from infra.clock import JST, FixedClock
from infra.settings import Settings
from tests.benchmarks import pg, processes, world
from tests.benchmarks.figures import figure, percentiles
from tests.benchmarks.load import Operation, Run, timed
from tests.benchmarks.suite import Bench

CONCURRENCY = (1, 4)
TARGET = ">= 0.5"


def seed(settings: Settings, tickets: int) -> tuple[world.Desk, datetime]:
    """A contract in service today (applied two months ago) and `tickets` instructed ones."""
    now = datetime.now(JST).replace(microsecond=0)
    applied = (now - timedelta(days=60)).replace(hour=10, minute=0, second=0)
    while applied.weekday() >= 5:
        applied += timedelta(days=1)
    clock = FixedClock(applied)
    service: EConcierge = build(settings, clock)
    desk = world.contract_in_service(service, clock, applied, now - timedelta(hours=3))
    for _ in range(tickets):
        desk.ready_ticket()
    service.close()
    return desk, now


class Actors:
    """Bearer tokens of the customer and the concierge of the seeded contract."""

    def __init__(self, settings: Settings, desk: world.Desk) -> None:
        contract, concierge = str(desk.contract_id), str(desk.concierge_id)
        self.customer = processes.token(settings, "customer", world.CUSTOMER, "--contract", contract)
        self.concierge = processes.token(settings, "concierge", concierge, "--concierge", concierge)


def api_mix(base: str, actors: Actors, desk: world.Desk, ticket_id: Any, now: datetime) -> Operation:
    """One request per call, in turn: open a ticket, log a visit, disclose, acknowledge."""
    client = httpx.Client(base_url=base, timeout=30)
    customer = {"Authorization": f"Bearer {actors.customer}"}
    concierge = {"Authorization": f"Bearer {actors.concierge}"}
    visits, risks = itertools.count(), itertools.count(1)
    end = now - timedelta(hours=1)
    ticket = f"/v1/tickets/{ticket_id}"

    def open_() -> httpx.Response:
        body = {"contract_id": str(desk.contract_id), "cluster": "hq", "kind": "trouble",
                "summary": "The office printer does not print"}  # fmt: skip
        return client.post("/v1/tickets", json=body, headers=customer)

    def visit() -> httpx.Response:
        departure = end - timedelta(seconds=next(visits))
        body = {"arrival": (departure - timedelta(hours=1)).isoformat(),
                "departure": departure.isoformat()}  # fmt: skip
        return client.post(f"{ticket}/visits", json=body, headers=concierge)

    def disclose() -> httpx.Response:
        body = {"description": "Data may be lost", "level": "low"}
        return client.post(f"{ticket}/risks", json=body, headers=concierge)

    def acknowledge() -> httpx.Response:
        return client.post(f"{ticket}/risks/risk-{next(risks)}/acknowledge", headers=customer)

    return _checked(itertools.cycle((open_, visit, disclose, acknowledge)))


def _checked(steps: Iterator[Callable[[], httpx.Response]]) -> Operation:
    def call() -> None:
        answer = next(steps)()
        if answer.status_code >= 300:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")

    return call


def bare_mix(base: str) -> Operation:
    client = httpx.Client(base_url=base, timeout=30)
    return _checked(itertools.repeat(lambda: client.post("/bare")))


@contextmanager
def bare_server(url: str, data: Path) -> Iterator[str]:
    port = processes.free_port()
    command = [sys.executable, "-m", "tests.benchmarks.bare_app", url, str(port)]
    with processes.http_server(command, dict(processes.os.environ), port, data / "bare.log") as (base, _):
        yield base


def run(bench: Bench) -> None:
    with pg.throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = pg.pg_settings(url, data, cache_fastforward=False)
        desk, now = seed(settings, sum(CONCURRENCY) * 2)
        actors = Actors(settings, desk)
        tickets = iter(desk.tickets)
        seconds = bench.seconds(6.0)
        with processes.serving(settings, data / "serve.log") as (api, _), bare_server(url, data) as bare:
            for threads in CONCURRENCY:
                best_api: Run | None = None
                best_bare: Run | None = None
                for _ in range(1 if bench.quick else 2):
                    b = timed([bare_mix(bare) for _ in range(threads)], seconds)
                    best_bare = b if best_bare is None or b.rate > best_bare.rate else best_bare
                    ops = [api_mix(api, actors, desk, next(tickets), now) for _ in range(threads)]
                    a = timed(ops, seconds)
                    best_api = a if best_api is None or a.rate > best_api.rate else best_api
                assert best_api is not None and best_bare is not None
                bench.add(
                    figure(
                        f"http_path.pg.c{threads}", best_api.rate, "requests/s", best_bare.rate,
                        TARGET, threads=threads, errors=best_api.errors,
                        baseline_of="bare INSERT requests/s",
                        baseline_p50_ms=percentiles(best_bare.latencies)["p50_ms"],
                        **percentiles(best_api.latencies),
                    )
                )  # fmt: skip
