"""Subscribe to e-Concierge events from another service: a durable JetStream pull consumer.

Needs only nats-py (`pip install nats-py`). The consumer's position lives on the NATS
server under its durable name: stop and restart, and it resumes after the last event it
acknowledged. Payloads are described in docs/asyncapi.json and docs/schemas/.

    python examples/listen.py --durable billing-sync --filter 'econcierge.events.contract.>'

De-duplication: each aggregate's events arrive in order, numbered 1, 2, 3... by
`aggregate_version`; a re-feed can repeat some. So a consumer remembers, per aggregate,
the highest version it applied and skips anything at or below it: one number per
aggregate, not one entry per event. This example keeps them in memory; a real consumer
persists them with its own data, in the same transaction as the effect of the event,
so that after a restart it still skips what it had applied.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy


class Applied:
    """The highest `aggregate_version` applied per aggregate (persist it in a real consumer)."""

    def __init__(self) -> None:
        self.versions: dict[str, int] = {}

    def is_new(self, event: dict) -> bool:
        return event["aggregate_version"] > self.versions.get(event["aggregate_id"], 0)

    def record(self, event: dict) -> None:
        self.versions[event["aggregate_id"]] = event["aggregate_version"]


def handle(event: dict) -> None:
    """Your service's work; here: print one line per event."""
    print(
        event["position"],
        event["occurred_at"],
        event["aggregate_type"],
        event["aggregate_id"],
        f"v{event['aggregate_version']}",
        event["event_type"],
        json.dumps(event.get("data", "(opaque)"), ensure_ascii=False),
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    nc = await nats.connect(args.url)
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL)
    sub = await js.pull_subscribe(
        args.filter, durable=args.durable, stream=args.stream, config=config
    )
    applied = Applied()
    received = 0
    try:
        while args.count is None or received < args.count:
            try:
                messages = await sub.fetch(batch=100, timeout=5)
            except TimeoutError:
                continue
            for msg in messages:
                received += 1
                try:
                    event = json.loads(msg.data)
                    new = applied.is_new(event)
                except (ValueError, KeyError, TypeError) as error:
                    # Not an event we can read: redelivering it would fail forever.
                    print(f"skipping an unreadable message on {msg.subject}: {error}",
                          file=sys.stderr, flush=True)  # fmt: skip
                    await msg.term()
                    continue
                if new:  # else a repeat (e.g. an operator re-feed): already applied
                    handle(event)
                    applied.record(event)
                await msg.ack()  # only after the event was handled
    finally:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="nats://127.0.0.1:4222")
    parser.add_argument("--stream", default="ECONCIERGE_EVENTS")
    parser.add_argument("--durable", default="example-listener")
    parser.add_argument("--filter", default="econcierge.events.>")
    parser.add_argument("--count", type=int, default=None, help="stop after this many messages")
    asyncio.run(main(parser.parse_args()))
