"""Subscribe to e-Concierge events from another service: a durable JetStream pull consumer.

Needs only nats-py (`pip install nats-py`). The consumer's position lives on the NATS
server under its durable name: stop and restart, and it resumes after the last event it
acknowledged. Payloads are described in docs/asyncapi.json and docs/schemas/.

    python examples/listen.py --durable billing-sync --filter 'econcierge.events.contract.>'
"""

from __future__ import annotations

import argparse
import asyncio
import json

import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy


async def main(args: argparse.Namespace) -> None:
    nc = await nats.connect(args.url)
    js = nc.jetstream()
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL)
    sub = await js.pull_subscribe(
        args.filter, durable=args.durable, stream=args.stream, config=config
    )
    seen: set[str] = set()  # de-duplicate by event_id: an operator re-feed may repeat events
    received = 0
    try:
        while args.count is None or received < args.count:
            try:
                messages = await sub.fetch(batch=100, timeout=5)
            except TimeoutError:
                continue
            for msg in messages:
                event = json.loads(msg.data)
                if event["event_id"] not in seen:
                    seen.add(event["event_id"])
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
                await msg.ack()  # only after the event was handled
                received += 1
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
