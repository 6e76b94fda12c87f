"""The envelope every published event carries, and the fallback for unmapped event types."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from domain.meta import Role


class PublicEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Fields common to every published event; subclasses fix the type and add `data`."""

    event_id: Annotated[
        str,
        Meta(
            description="<aggregate_id>:<aggregate_version>, also Nats-Msg-Id: de-duplicate by it"
        ),
    ]
    event_type: Annotated[str, Meta(description="the event type, as in the subject")]
    schema_version: Annotated[int, Meta(ge=1, description="version of this event type's payload")]
    aggregate_type: Annotated[str, Meta(description="the aggregate kind, as in the subject")]
    aggregate_id: UUID
    aggregate_version: Annotated[int, Meta(ge=1, description="1, 2, 3... per aggregate, no gaps")]
    position: Annotated[
        int, Meta(ge=1, description="place in the service's global log (grows, has gaps)")
    ]
    occurred_at: Annotated[datetime, Meta(tz=True, description="when it was recorded (Japan time)")]
    actor_role: Annotated[Role, Meta(description="the role of whoever caused it")]
    correlation_id: Annotated[str, Meta(description="shared by every event of one request chain")]
    causation_id: Annotated[str, Meta(description="the request or event that caused it")]


class OpaqueEvent(PublicEvent, frozen=True, kw_only=True):
    """An event type with no public payload yet: you learn that the aggregate changed, not how.

    Published so that every aggregate's versions stay contiguous on the stream (a gap means
    a lost message, never a hidden event); a later schema may give the type its own payload.
    """

    schema_version: Literal[1] = 1
    opaque: Literal[True] = True


def event_id(aggregate_id: UUID, version: int) -> str:
    """The unique id of one event (the JetStream `Nats-Msg-Id`)."""
    return f"{aggregate_id}:{version}"
