"""Benchmark 2: the command mix through `econcierge serve` over HTTP, on PostgreSQL.

Against a bare endpoint on the same server stack (tests/benchmarks/bare_app.py: litestar
under uvicorn, one raw INSERT per request), at the same client concurrency. Both servers
run as subprocesses; the clients are httpx, one keep-alive connection per thread. The
store is seeded in process with a FixedClock in the past (serve runs on the wall clock).

Profiling: with `ECONCIERGE_BENCH_PROFILE=DIR`, py-spy records each server during each of
its runs (`DIR/{serve,bare}-c{N}-{round}.txt`, collapsed stacks, idle frames left out;
`ECONCIERGE_BENCH_PYSPY_ARGS="--gil"` adds options); summarise one with
`python -m tests.benchmarks.profiling --top FILE`.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

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
_LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
_HTTP = "httptools" if importlib.util.find_spec("httptools") else "h11"
#: The same server stack on both sides (uvicorn.run's defaults, as api/server.py and
#: bare_app.py call it), and what serve does besides answering: said with each figure.
SERVE_EXTRAS = {
    "server_stack": f"uvicorn, 1 worker, loop/http auto ({_LOOP}, {_HTTP}), no access log, "
    "log level WARNING, sync handler on the default thread pool",
    "serve_background": "serve --no-workers: no projections, relay or scheduled jobs; "
    "the projection-metrics sampler reads view positions every 5 s",
}


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
                "summary": "The office printer does not print", "channel": "business_mobile"}  # fmt: skip
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


#: Bytes of every answer body received, per server ("api", "bare"): the size of what each
#: side renders and sends (a command answers with the ticket's whole view, which grows
#: as a round adds visits and risks to the client's one ticket).
ANSWERED: dict[str, list[int]] = {"api": [0, 0], "bare": [0, 0]}


def _checked(steps: Iterator[Callable[[], httpx.Response]], side: str = "api") -> Operation:
    tally = ANSWERED[side]

    def call() -> None:
        answer = next(steps)()
        if answer.status_code >= 300:
            raise RuntimeError(f"{answer.status_code}: {answer.text[:300]}")
        tally[0] += len(answer.content)  # several threads: an estimate, not an audit
        tally[1] += 1

    return call


def mean_answer_bytes(side: str) -> int:
    total, count = ANSWERED[side]
    return total // count if count else 0


def bare_mix(base: str) -> Operation:
    client = httpx.Client(base_url=base, timeout=30)
    return _checked(itertools.repeat(lambda: client.post("/bare")), "bare")


@contextmanager
def bare_server(url: str, data: Path) -> Iterator[tuple[str, int]]:
    port = processes.free_port()
    command = [sys.executable, "-m", "tests.benchmarks.bare_app", url, str(port)]
    with processes.http_server(command, dict(processes.os.environ), port, data / "bare.log") as answer:
        yield answer


@contextmanager
def profiled(pid: int, name: str, seconds: float) -> Iterator[None]:
    """py-spy on `pid` for the block when ECONCIERGE_BENCH_PROFILE names a folder."""
    folder = os.environ.get("ECONCIERGE_BENCH_PROFILE")
    if not folder:
        yield
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    spy = str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "-f", "raw", "-r", "200", "--nonblocking", "-o",
               str(Path(folder) / f"{name}.txt"), "--pid", str(pid), "-d", str(int(seconds) + 1),
               *os.environ.get("ECONCIERGE_BENCH_PYSPY_ARGS", "").split()]  # fmt: skip
    with subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as spy_run:
        try:
            yield
        finally:
            spy_run.wait(timeout=seconds + 30)


class Sample(NamedTuple):
    run: Run
    cpu_ms: float  # server CPU time per answered request


def measured(pid: int, name: str, operations: list[Operation], seconds: float) -> Sample:
    """A timed run against the server `pid`, with the CPU time the server spent on it."""
    with profiled(pid, name, seconds):
        before = processes.cpu_seconds(pid)
        run_ = timed(operations, seconds)
        used = processes.cpu_seconds(pid) - before
    answered = len(run_.latencies)
    return Sample(run_, round(1000 * used / answered, 3) if answered else 0.0)


def run(bench: Bench) -> None:
    with pg.throwaway_database() as url, tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = pg.pg_settings(url, data, cache_fastforward=False)
        desk, now = seed(settings, sum(CONCURRENCY) * 2)
        actors = Actors(settings, desk)
        tickets = iter(desk.tickets)
        seconds = bench.seconds(6.0)
        with processes.serving(settings, data / "serve.log") as (api, api_pid), \
                bare_server(url, data) as (bare, bare_pid):  # fmt: skip
            for threads in CONCURRENCY:
                for tally in ANSWERED.values():
                    tally[:] = [0, 0]
                best_api: Sample | None = None
                best_bare: Sample | None = None
                for round_ in range(1 if bench.quick else 2):
                    b = measured(bare_pid, f"bare-c{threads}-{round_}",
                                 [bare_mix(bare) for _ in range(threads)], seconds)  # fmt: skip
                    best_bare = b if best_bare is None or b.run.rate > best_bare.run.rate else best_bare
                    ops = [api_mix(api, actors, desk, next(tickets), now) for _ in range(threads)]
                    a = measured(api_pid, f"serve-c{threads}-{round_}", ops, seconds)
                    best_api = a if best_api is None or a.run.rate > best_api.run.rate else best_api
                assert best_api is not None and best_bare is not None
                bench.add(
                    figure(
                        f"http_path.pg.c{threads}", best_api.run.rate, "requests/s", best_bare.run.rate,
                        TARGET, threads=threads, errors=best_api.run.errors,
                        baseline_of="bare INSERT requests/s",
                        baseline_p50_ms=percentiles(best_bare.run.latencies)["p50_ms"],
                        baseline_p99_ms=percentiles(best_bare.run.latencies)["p99_ms"],
                        # CPU the server process used per answered request (all its threads).
                        server_cpu_ms=best_api.cpu_ms, baseline_server_cpu_ms=best_bare.cpu_ms,
                        mean_answer_bytes=mean_answer_bytes("api"),
                        baseline_mean_answer_bytes=mean_answer_bytes("bare"),
                        **SERVE_EXTRAS,
                        **percentiles(best_api.run.latencies),
                    )
                )  # fmt: skip
