"""From an internal domain event to its public message: which events go out, and how.

Policy (deliberate, see README "Events on NATS"):
- Only events of domain aggregates (`domain.aggregates.*`) are published. Internal records
  such as `infra.idempotency.IdempotencyRecord` are never published.
- A domain event type with an explicit public payload is published with it.
- A domain event type without one is published as an `OpaqueEvent` (the envelope only:
  ids, type, version, time, actor role) and logged once as a warning, so that every
  aggregate's versions stay contiguous on the stream and consumers can tell a lost
  message from an event they may not read. Give it a payload in this package.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from infra.event_contract.assignment import assignment_events
from infra.event_contract.billing import billing_events
from infra.event_contract.concierge import concierge_events
from infra.event_contract.contract import contract_events
from infra.event_contract.data_subject import data_subject_events
from infra.event_contract.envelope import OpaqueEvent, PublicEvent, event_id
from infra.event_contract.liability import liability_events
from infra.event_contract.registry import Registry, aggregate_type_of, fields_read
from infra.event_contract.ticket import ticket_events
from infra.personal_data import personal_fields

log = logging.getLogger(__name__)

REGISTRIES: tuple[Registry, ...] = (
    contract_events,
    concierge_events,
    assignment_events,
    ticket_events,
    liability_events,
    billing_events,
    data_subject_events,
)
PUBLIC: dict[type, type[PublicEvent]] = {
    source: public for registry in REGISTRIES for source, public in registry.events.items()
}
_PUBLIC_MODULES = "domain.aggregates."
_warned: set[str] = set()


def is_published_topic(topic: str) -> bool:
    """Whether events of this stored topic go out at all (domain aggregates only)."""
    return topic.startswith(_PUBLIC_MODULES)


def to_public(event: Any, position: int) -> PublicEvent:
    """The public message for one domain event found at `position` in the store's log."""
    aggregate_name, _, type_name = type(event).__qualname__.rpartition(".")
    envelope: dict[str, Any] = {
        "event_id": event_id(event.originator_id, event.originator_version),
        "aggregate_id": event.originator_id,
        "aggregate_version": event.originator_version,
        "position": position,
        "occurred_at": event.timestamp,
        "actor_role": event.meta.actor_role,
        "correlation_id": event.meta.correlation_id,
        "causation_id": event.meta.causation_id,
    }
    public = PUBLIC.get(type(event))
    if public is None:
        if type_name not in _warned:
            _warned.add(type_name)
            log.warning(
                "no public payload for %s: published as OpaqueEvent", type(event).__qualname__
            )
        aggregate = aggregate_type_of(aggregate_name.rpartition(".")[2])
        return OpaqueEvent(event_type=type_name, aggregate_type=aggregate, **envelope)
    return public(data=public.payload(event), **envelope)  # type: ignore[attr-defined, call-arg]


#: The event fields every public message reads for its envelope (see to_public).
_ENVELOPE_READS = ("originator_id", "originator_version", "timestamp", "meta")


@cache
def reads_personal_data(event_class: type) -> bool:
    """Whether the public message of this event class reads any of its personal fields.

    Only then must a reader decrypt them (infra/personal_data.py); the relay leaves the
    others sealed, as they are never published. A payload function that does not say
    which fields it reads (`same_named` says) is taken to read them all.
    """
    personal = {name for name, _ in personal_fields(event_class)}
    if not personal:
        return False
    public = PUBLIC.get(event_class)
    reads = () if public is None else fields_read(public.payload)  # type: ignore[attr-defined]
    if reads is None:
        return True
    return not personal.isdisjoint((*reads, *_ENVELOPE_READS))


def subject_for(prefix: str, event: PublicEvent) -> str:
    """`<prefix>.<aggregate>.<aggregate_id>.<EventType>`: filter by kind, id or type."""
    return f"{prefix}.{event.aggregate_type}.{event.aggregate_id}.{event.event_type}"
