"""The public event contract: what the NATS relay publishes, its JSON Schemas and AsyncAPI.

Published payloads are deliberately chosen (ids, types, dates, amounts, rule flags) and
versioned per event type; they are not the internal storage format (architecture.md).
"""

from infra.event_contract.decode import decode_event
from infra.event_contract.envelope import OpaqueEvent, PublicEvent, event_id
from infra.event_contract.mapping import PUBLIC, is_published_topic, subject_for, to_public

__all__ = [
    "PUBLIC",
    "OpaqueEvent",
    "PublicEvent",
    "decode_event",
    "event_id",
    "is_published_topic",
    "subject_for",
    "to_public",
]
