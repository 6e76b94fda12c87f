"""Drill 3: NATS stops for 30 s under load and starts again.

The API keeps accepting commands (the store is the outbox); the relay worker
(`econcierge worker relay`, its own process) waits, then publishes the backlog. A durable
consumer created before the outage receives every stored event exactly once, and each
aggregate's versions in order.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig
from prometheus_client.parser import text_string_to_metric_families

from tests.drills.conftest import SITE
from tests.drills.load import Load, Request
from tests.drills.processes import Api, Econcierge, free_port, service_env
from tests.drills.store import Figures
from tests.drills.stream import published_ids, run_async, tally
from tests.nats.processes import PrivateNats

OUTAGE_SECONDS = 30.0
DURABLE = "drill-consumer"
STREAM = "DRILL_EVENTS"
PREFIX = "drill.events"


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    server = PrivateNats(tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


async def _consumer(url: str) -> None:
    """Create the durable pull consumer (before the outage) once the relay made the stream."""
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        deadline = time.monotonic() + 30
        while True:
            try:
                await js.stream_info(STREAM)
                break
            except nats.js.errors.NotFoundError:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
        await js.add_consumer(
            STREAM, ConsumerConfig(durable_name=DURABLE, ack_policy=AckPolicy.EXPLICIT)
        )
    finally:
        await nc.close()


async def _drain(url: str, expected: int, timeout: float) -> list[Any]:
    """Fetch and ack from the durable consumer until `expected` arrived or nothing more comes."""
    nc = await nats.connect(url)
    received: list[Any] = []
    try:
        sub = await nc.jetstream().pull_subscribe(f"{PREFIX}.>", durable=DURABLE, stream=STREAM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                batch = await sub.fetch(batch=256, timeout=1.0)
            except TimeoutError:
                if len(received) >= expected:
                    break  # and one empty fetch: nothing extra is on its way
                continue
            for msg in batch:
                await msg.ack()
                received.append(msg)
    finally:
        await nc.close()
    return received


def _relay_metrics(port: int) -> dict[str, float]:
    """The relay worker's figures from its health port (one relay: labels dropped)."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name.startswith("econcierge_relay_")
    }


def _commands(contract_ids: list[str], run: str) -> Callable[[int], Request]:
    """Mostly volume changes on a few contracts (many versions each), some new contracts."""

    def make(n: int) -> Request:
        key = f"{run}-{n}"
        if n % 5 == 0:
            return Request(
                "POST",
                "/v1/contracts",
                {"customer_name": key, "quote": {"sites": [SITE]}},
                {"Idempotency-Key": key},
            )
        path = f"/v1/contracts/{contract_ids[n % len(contract_ids)]}/client-count"
        return Request(
            "POST", path, {"cluster": "hq", "clients": n % 90 + 1}, {"Idempotency-Key": key}
        )

    return make


def test_every_event_reaches_a_durable_consumer_once_in_order_after_a_nats_outage(
    drill_db: str,
    start_api: Callable[..., Api],
    private_nats: PrivateNats,
    token: str,
    tmp_path: Path,
    report: Callable[[Figures], None],
) -> None:
    nats_env = {
        "nats_url": private_nats.url,
        "nats_stream": STREAM,
        "nats_subject_prefix": PREFIX,
        "nats_relay_poll_seconds": "0.05",
        "nats_ack_timeout_seconds": "1.0",
    }
    api = start_api(drill_db, workers=False)  # the relay is its own process in this drill
    relay_port = free_port()
    nats_env["worker_health_port"] = str(relay_port)
    relay = Econcierge(
        ["worker", "relay"],
        service_env(drill_db, tmp_path / "data", **nats_env),
        tmp_path / "relay.log",
    )
    relay.start()
    try:
        run_async(_consumer(private_nats.url))
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=api.url, headers=headers) as http:
            seeds = [
                http.post(
                    "/v1/contracts", json={"customer_name": f"seed-{n}", "quote": {"sites": [SITE]}}
                )
                for n in range(8)
            ]
        contract_ids = [answer.json()["id"] for answer in seeds]
        load = Load(
            api.url,
            token,
            _commands(contract_ids, f"nats-{uuid.uuid4().hex[:6]}"),
            clients=4,
            count=4_000,
            seconds=60,
            rate=60,  # about 2,000 commands across the outage
        )
        load.start().run_for(2.0)

        private_nats.stop()
        load.run_for(OUTAGE_SECONDS / 2)
        during = _relay_metrics(relay_port)
        load.run_for(OUTAGE_SECONDS / 2)
        private_nats.start()
        back_at = time.monotonic()
        load.run_for(2.0).stop()

        expected = published_ids(drill_db)
        received = run_async(_drain(private_nats.url, len(expected), timeout=60))
        caught_up = time.monotonic() - back_at
        after = _relay_metrics(relay_port)
    finally:
        relay.stop()

    counts, out_of_order = tally(received)
    missing = set(expected) - set(counts)
    figures = Figures(
        drill="3 nats stopped 30s",
        sent=len(load.commands),
        acknowledged=len(load.acked()),
        found=len(counts),
        lost=len(missing),
        doubled=sum(1 for n in counts.values() if n > 1),
        half_applied=0,
        answers_5xx=load.count_status(lambda s: s >= 500),
        recovery_s=round(caught_up, 2),
        extra=(
            f"events_stored={len(expected)} delivered={len(received)} out_of_order={len(out_of_order)} "
            f"409s={load.count_status(lambda s: s == 409)}"  # volume changes racing on one contract
        ),
    )
    report(figures)
    assert figures.acknowledged > 0 and figures.answers_5xx == 0
    # The relay's own port told the outage: disconnected, a backlog, failed sessions; then none.
    assert during["econcierge_relay_connected"] == 0 and during["econcierge_relay_lag_events"] > 0
    assert during["econcierge_relay_publish_errors_total"] > 0
    assert after["econcierge_relay_connected"] == 1 and after["econcierge_relay_lag_events"] == 0
    assert (figures.lost, figures.doubled, out_of_order) == (0, 0, [])
    assert set(counts) == set(expected)
