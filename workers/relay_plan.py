"""What the relay sends for a window of the log: one message per published event, in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import msgspec
from eventsourcing.persistence import Mapper, Notification

from infra.event_contract.mapping import is_published_topic, subject_for, to_public

_encoder = msgspec.json.Encoder()


class Outgoing(NamedTuple):
    """One log entry of a window: a message to publish, or (no subject) one to pass over."""

    position: int
    subject: str
    body: bytes
    event_id: str


def plan_window(
    notifications: Sequence[Notification],
    mapper: Mapper,
    prefix: str,
    *,
    one_message: bool = False,
) -> tuple[list[Outgoing], Exception | None]:
    """The window's messages; internal records pass through unpublished.

    An event that cannot be read or mapped ends the window there, with the error: what
    came before it is published, nothing after it is skipped. `one_message` stops after
    the first message (a re-feed: a duplicate's ack does not move the stream's sequence).
    """
    plan: list[Outgoing] = []
    for notification in notifications:
        if not is_published_topic(notification.topic):
            plan.append(Outgoing(notification.id, "", b"", ""))
            continue
        if one_message and any(item.subject for item in plan):
            break
        try:
            public = to_public(mapper.to_domain_event(notification), notification.id)
        except Exception as error:  # noqa: BLE001 - reported by the relay, which stops here
            return plan, error
        subject = subject_for(prefix, public)
        plan.append(Outgoing(notification.id, subject, _encoder.encode(public), public.event_id))
    return plan, None
