"""Benchmark 3: events per second the relay publishes to JetStream (tracked, de-duplicated).

The relay (workers/relay.py) reads windows of the log, maps each event to its public form,
publishes with a Nats-Msg-Id (JetStream de-duplication) and an expected last sequence,
keeps several windows in flight, and records its tracked position in the store as acks
arrive. The baseline publishes the same number of messages of the same mean size with raw
pipelined `js.publish` (one window of the relay's batch size in flight at a time: more in
flight does not make it faster, its per-message cost bounds it). The two sides alternate,
each round on a fresh stream, and the best round of each counts (the machine is shared).
Every stream is unique and deleted.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import msgspec
import nats

from infra.clock import FixedClock
from tests.benchmarks import loader, pg
from tests.benchmarks.command_path import pg_service
from tests.benchmarks.figures import figure
from tests.benchmarks.suite import Bench
from workers.relay import WINDOWS_IN_FLIGHT
from workers.relay_plan import plan_window
from workers.relay_runner import start_relay_in_background

TARGET = ">= 0.7"


def mean_size(service: object, prefix: str) -> tuple[int, float]:
    """How many events the relay will publish, and their mean body size in bytes."""
    recorder, mapper = service.recorder, service.mapper  # type: ignore[attr-defined]
    count, size, start = 0, 0, 1
    while True:
        window = recorder.select_notifications(start=start, limit=2000)
        if not window:
            return count, size / max(count, 1)
        plan, _ = plan_window(window, mapper, prefix)
        for item in plan:
            if item.subject:
                count, size = count + 1, size + len(item.body)
        start = window[-1].id + 1


def relay_rate(service: object, settings: object, expected: int) -> float:
    handle = start_relay_in_background(service, settings)  # type: ignore[arg-type]
    began = time.perf_counter()
    try:
        while handle.status().published < expected:
            if time.perf_counter() - began > 600:
                raise TimeoutError(f"relay stuck: {handle.status()}")
            time.sleep(0.005)
        return expected / (time.perf_counter() - began)
    finally:
        handle.stop()


async def raw_rate(url: str, count: int, size: int, batch: int) -> float:
    """Pipelined js.publish of `count` messages of `size` bytes into a throwaway stream."""
    nc = await nats.connect(url)
    js = nc.jetstream(timeout=30)
    name = f"BENCH_RAW_{uuid.uuid4().hex[:8].upper()}"
    subject = f"benchraw{uuid.uuid4().hex[:8]}"
    await js.add_stream(name=name, subjects=[f"{subject}.>"])
    payload = b"x" * size
    try:
        began = time.perf_counter()
        for first in range(0, count, batch):
            n = min(batch, count - first)
            await asyncio.gather(*(js.publish(f"{subject}.e", payload) for _ in range(n)))
        return count / (time.perf_counter() - began)
    finally:
        await js.delete_stream(name)
        await nc.close()


async def delete_stream(url: str, name: str) -> None:
    nc = await nats.connect(url)
    try:
        await nc.jetstream().delete_stream(name)
    finally:
        await nc.close()


def relay_round(service: Any, count: int) -> float:
    """The relay's rate over the whole log, into a fresh stream (and a fresh tracked position)."""
    tag = uuid.uuid4().hex[:8]
    settings = msgspec.structs.replace(
        service.settings, nats_stream=f"BENCH_EVENTS_{tag.upper()}",
        nats_subject_prefix=f"bench{tag}.events",
    )
    try:
        return relay_rate(service, settings, count)
    finally:
        asyncio.run(delete_stream(pg.NATS_URL, settings.nats_stream))


def run(bench: Bench) -> None:
    events = bench.size(600, 10_000)
    rates: list[float] = []
    baselines: list[float] = []
    with pg.throwaway_database() as url, pg_service(url, nats_url=pg.NATS_URL) as (service, clock):
        assert isinstance(clock, FixedClock)
        loader.fill(loader.desk_of(service, clock), events)
        count, size = mean_size(service, "bench.events")
        batch = service.settings.nats_relay_batch
        for _ in range(1 if bench.quick else 3):
            rates.append(relay_round(service, count))
            baselines.append(asyncio.run(raw_rate(pg.NATS_URL, count, round(size), batch)))
    bench.add(
        figure("relay.nats", max(rates), "events/s", max(baselines), TARGET, events=count,
               mean_bytes=round(size), windows_in_flight=WINDOWS_IN_FLIGHT,
               rounds=[[round(r), round(b)] for r, b in zip(rates, baselines, strict=True)],
               baseline_of="raw pipelined js.publish/s")
    )
