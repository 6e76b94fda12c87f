"""A reference consumer: a durable pull consumer that prints events as they arrive."""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from infra.event_contract.decode import decode_event
from infra.event_contract.envelope import PublicEvent
from infra.nats import connect, subject_filter
from infra.settings import Settings

log = logging.getLogger("econcierge.listen")


def describe(event: PublicEvent) -> str:
    """One line per event: position, time, aggregate and version, type, public data."""
    data = getattr(event, "data", None)
    detail = msgspec.json.encode(data).decode() if data is not None else "(opaque)"
    return (
        f"{event.position:>8} {event.occurred_at.isoformat(timespec='seconds')} "
        f"{event.aggregate_type}/{event.aggregate_id} v{event.aggregate_version} "
        f"{event.event_type} {detail}"
    )


async def listen(
    settings: Settings,
    *,
    durable: str,
    filter_subject: str | None = None,
    count: int | None = None,
    out: Callable[[str], None] = print,
) -> int:
    """Print events of the durable consumer `durable` until `count` arrived (or forever).

    The consumer lives on the server: a restart resumes after the last acked event. A
    message that is not an event of the contract is logged and terminated (`term()`: never
    redelivered), so it cannot stop the consumer; it does not count towards `count`.
    """
    nc = await connect(settings, name=f"econcierge-listen:{durable}")
    seen = 0
    try:
        js = nc.jetstream()
        subject = filter_subject or subject_filter(settings)
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, deliver_policy=DeliverPolicy.ALL)
        sub = await js.pull_subscribe(
            subject, durable=durable, stream=settings.nats_stream, config=config
        )
        while count is None or seen < count:
            batch = 100 if count is None else min(100, count - seen)
            try:
                messages = await sub.fetch(batch=batch, timeout=5)
            except TimeoutError:
                continue
            for msg in messages:
                try:
                    event = decode_event(msg.data)
                except (msgspec.DecodeError, msgspec.ValidationError) as error:
                    log.warning(
                        "skipping an undecodable message on %s (stream sequence %s): %s",
                        msg.subject,
                        msg.metadata.sequence.stream,
                        error,
                    )
                    await msg.term()  # not redelivered: it would fail the same way forever
                    continue
                out(describe(event))
                await msg.ack()
                seen += 1
    finally:
        await nc.close()
    return seen
