"""The drills' NATS side: a stream of its own per drill on the shared server, read back.

`econcierge serve` runs its relay in-process (`--with-workers`, ECONCIERGE_NATS_URL) and
publishes the store's log to the drill's stream. After the drill, and after the service
recovered, the stream must hold every published event of the store once (by message id),
no event the store does not hold, and each aggregate's versions in order.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, TypeVar
from uuid import UUID

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import NotFoundError

from infra.bootstrap import build
from infra.event_contract import decode_event
from infra.nats import MSG_ID_HEADER
from infra.settings import Settings
from tests.nats.world import published_log

T = TypeVar("T")
NATS_URL = os.environ.get("ECONCIERGE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on its own thread: an earlier test may have left a loop running on this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@dataclass(frozen=True)
class DrillStream:
    """One JetStream stream and subject prefix, for one drill, on the shared NATS server."""

    url: str
    name: str
    prefix: str

    def env(self) -> dict[str, str]:
        """What `service_env` adds for a serve process that relays to this stream."""
        return {
            "nats_url": self.url,
            "nats_stream": self.name,
            "nats_subject_prefix": self.prefix,
            "nats_relay_poll_seconds": "0.05",
            "nats_ack_timeout_seconds": "2.0",
        }

    def count(self) -> int:
        return run_async(self._count())

    def messages(self) -> list[Any]:
        """Every message on the stream, in stream order."""
        return run_async(self._messages())

    def delete(self) -> None:
        run_async(self._delete())

    async def _count(self) -> int:
        nc = await nats.connect(self.url)
        try:
            return int((await nc.jetstream().stream_info(self.name)).state.messages)
        except NotFoundError:
            return 0
        finally:
            await nc.close()

    async def _messages(self) -> list[Any]:
        nc = await nats.connect(self.url)
        try:
            js = nc.jetstream()
            try:
                total = (await js.stream_info(self.name)).state.messages
            except NotFoundError:
                return []
            config = ConsumerConfig(
                ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.ALL, inactive_threshold=30
            )
            sub = await js.pull_subscribe(f"{self.prefix}.>", stream=self.name, config=config)
            received: list[Any] = []
            while len(received) < total:
                received += await sub.fetch(batch=min(500, total - len(received)), timeout=5.0)
            return received
        finally:
            await nc.close()

    async def _delete(self) -> None:
        nc = await nats.connect(self.url)
        try:
            await nc.jetstream().delete_stream(self.name)
        except NotFoundError:
            pass
        finally:
            await nc.close()


def published_ids(database_url: str) -> list[str]:
    """The ids of the store's events that go out on NATS, in log order."""
    service = build(Settings(database_url=database_url, db_pool_size=2))
    try:
        return [event_id for _, event_id in published_log(service)]
    finally:
        service.close()


def tally(messages: list[Any]) -> tuple[Counter[str], list[UUID]]:
    """How often each message id came, and the aggregates whose versions do not increase
    in the order the messages came."""
    counts = Counter(m.headers[MSG_ID_HEADER] for m in messages)
    versions: dict[UUID, list[int]] = defaultdict(list)
    for message in messages:
        event = decode_event(message.data)
        versions[event.aggregate_id].append(event.aggregate_version)
    out_of_order = [a for a, seen in versions.items() if any(x >= y for x, y in pairwise(seen))]
    return counts, out_of_order


@dataclass(frozen=True)
class Delivery:
    """What the stream holds compared with the store, once the relay caught up."""

    stored: int  # published events in the store
    on_stream: int  # messages on the stream
    missing: int  # stored, not on the stream
    doubled: int  # message ids on the stream more than once
    phantom: int  # on the stream, not in the store
    out_of_order: int  # aggregates whose versions are not increasing in stream order
    catch_up_s: float  # from `since` until the stream held every stored event

    def figures(self) -> str:
        return (
            f"events_stored={self.stored} on_stream={self.on_stream} "
            f"stream_missing={self.missing} stream_doubled={self.doubled} "
            f"stream_phantom={self.phantom} stream_out_of_order={self.out_of_order} "
            f"stream_catch_up_s={self.catch_up_s:.2f}"
        )

    @property
    def exact(self) -> bool:
        """Every stored event once, nothing else, in order per aggregate."""
        return (self.missing, self.doubled, self.phantom, self.out_of_order) == (0, 0, 0, 0)


def delivery(stream: DrillStream, database_url: str, since: float, timeout: float = 40) -> Delivery:
    """Wait (bounded) until the stream holds as many messages as the store has published
    events, then compare them one by one. Call it once the load stopped; `since` is the
    monotonic time the catch-up is measured from (the load's end, or a restart)."""
    deadline = time.monotonic() + timeout
    expected = published_ids(database_url)
    while stream.count() < len(expected) and time.monotonic() < deadline:
        time.sleep(0.2)
        expected = published_ids(database_url)  # a scheduled job may have added one
    caught_up = time.monotonic() - since
    messages = stream.messages()
    later = set(published_ids(database_url))  # anything recorded while we read
    counts, out_of_order = tally(messages)
    return Delivery(
        stored=len(expected),
        on_stream=len(messages),
        missing=len(set(expected) - set(counts)),
        doubled=sum(1 for n in counts.values() if n > 1),
        phantom=len(set(counts) - later),
        out_of_order=len(out_of_order),
        catch_up_s=round(caught_up, 2),
    )
