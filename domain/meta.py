"""Who caused a change, and why: carried by every event (the audit trail needs nothing else)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class Role(StrEnum):
    """The actors of the service (domain-rules.md, Actors)."""

    CUSTOMER = "customer"
    CONCIERGE = "concierge"
    OPERATOR = "operator"
    BILLING = "billing"
    COMPLIANCE = "compliance"
    SYSTEM = "system"  # scheduled jobs (e.g. the 24-hour response check, O3)


class EventMeta(msgspec.Struct, frozen=True):
    """Stored on every event: the actor and the request that caused it."""

    actor_id: str
    actor_role: Role
    correlation_id: str
    causation_id: str


class Cause(msgspec.Struct, frozen=True):
    """What a command method needs to record its events: who, why, and when (the clock)."""

    meta: EventMeta
    at: datetime  # the recording time, from the injectable clock, in Japan time

    @property
    def actor_id(self) -> str:
        return self.meta.actor_id

    @property
    def role(self) -> Role:
        return self.meta.actor_role
