"""Drill 2: PostgreSQL goes away under load, twice, and the API recovers with no restart.

First the service's connections are cut (pg_terminate_backend, three times), then the
whole server is stopped for a few seconds and started again (a private server that this
drill owns). Meanwhile commands answer 503 with Retry-After, never 500; /readyz answers
503; nothing acknowledged is lost, nothing is doubled, nothing is half-applied. The
service runs its workers and NATS relay in the process; they too lose the database and
come back by themselves: afterwards the drill's stream holds every stored event once,
nothing else, in order per aggregate.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest

from tests.drills.conftest import apply_for_contract
from tests.drills.load import Load
from tests.drills.processes import Api, PrivatePostgres
from tests.drills.store import Figures, contract_figures, read_store
from tests.drills.stream import DrillStream, delivery

DB = "drill"
DOWN_SECONDS = 4.0


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres().init()
    server.start()
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DB}")
    yield server
    server.destroy()


def _cut_connections(server: PrivatePostgres) -> int:
    with psycopg.connect(server.admin_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (DB,),
        ).fetchall()
    return len(rows)


def _readyz(api: Api) -> tuple[int, str | None]:
    answer = httpx.get(f"{api.url}/readyz", timeout=10.0)
    return answer.status_code, answer.headers.get("retry-after")


def test_the_api_answers_503_while_postgres_is_gone_and_recovers_without_restart(
    private_pg: PrivatePostgres,
    drill_stream: DrillStream,
    start_api: Callable[..., Api],
    token: str,
    report: Callable[[Figures], None],
) -> None:
    # Given: serve (with workers and relay) on a private server, under load from 8 clients
    api = start_api(private_pg.url(DB), **drill_stream.env())
    load = Load(
        api.url,
        token,
        apply_for_contract(f"pg-{uuid.uuid4().hex[:6]}"),
        clients=8,
        count=5_000,
        seconds=50,
    )
    load.start().run_for(1.5)

    # When: its connections are cut three times, then the server stops for 4 s
    cut = 0
    for _ in range(3):  # connections cut under load: the pool replaces them
        cut += _cut_connections(private_pg)
        load.run_for(0.5)
    load.run_for(1.0)

    private_pg.stop("fast")  # the server itself goes away
    stopped_at = time.monotonic()
    load.run_for(1.0)
    ready_while_down = _readyz(api)
    load.run_for(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped_at)))
    private_pg.start()
    back_at = time.monotonic()
    load.run_for(4.0).stop()
    ready_after = _readyz(api)
    stream = delivery(drill_stream, private_pg.url(DB), since=time.monotonic())

    answers_503 = load.count_status(lambda s: s == 503)
    figures = contract_figures(
        "2 postgres cut+restart",
        load,
        read_store(private_pg.url(DB)),
        recovery=load.recovery_after(back_at),
        extra=f"503s={answers_503} backends_cut={cut} {stream.figures()}",
    )
    report(figures)
    # Then: 503 (never 500) while it was gone, and nothing lost, doubled or half-applied
    assert ready_while_down == (503, "2") and ready_after[0] == 200
    assert answers_503 > 0 and figures.recovery_s is not None
    assert load.count_status(lambda s: s == 500) == 0
    assert (figures.lost, figures.doubled, figures.half_applied) == (0, 0, 0)
    assert figures.acknowledged == figures.sent  # every command got through in the end
    assert stream.exact, stream.figures()  # the relay came back with the database
    assert stream.on_stream == stream.stored
