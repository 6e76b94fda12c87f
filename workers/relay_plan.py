"""What the relay sends for a window of the log: one message per published event, in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, Protocol

import msgspec
from eventsourcing.persistence import Mapper, Notification, StoredEvent
from eventsourcing.utils import resolve_topic

from infra.event_contract.mapping import (
    is_published_topic,
    reads_personal_data,
    subject_for,
    to_public,
)
from infra.trail_mapper import TrailMapper

_encoder = msgspec.json.Encoder()


class EventReader(Protocol):
    def to_domain_event(self, stored_event: StoredEvent) -> Any: ...


class PublishingReader:
    """Reads stored events to publish them: personal fields stay sealed unless published.

    No public payload publishes personal text (infra/event_contract), so decrypting it
    (AES-GCM per field, a tenth of the relay's time in its profile) is wasted work; a
    class whose public message may read a personal field is read with every field open.
    """

    def __init__(self, mapper: Mapper) -> None:
        self.mapper = mapper
        self.sealed: Any = mapper
        if isinstance(mapper, TrailMapper):
            self.sealed = TrailMapper(
                mapper.keys, transcoder=mapper.transcoder, seal_personal=False
            )
        self._by_topic: dict[str, Any] = {}

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        reader = self._by_topic.get(stored_event.topic)
        if reader is None:
            try:
                event_class = resolve_topic(stored_event.topic)
            except Exception:  # noqa: BLE001 - the mapper raises its own error for it
                return self.mapper.to_domain_event(stored_event)
            reader = self.mapper if reads_personal_data(event_class) else self.sealed
            self._by_topic[stored_event.topic] = reader
        return reader.to_domain_event(stored_event)


class Outgoing(NamedTuple):
    """One log entry of a window: a message to publish, or (no subject) one to pass over."""

    position: int
    subject: str
    body: bytes
    event_id: str


def plan_window(
    notifications: Sequence[Notification],
    mapper: EventReader,
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
