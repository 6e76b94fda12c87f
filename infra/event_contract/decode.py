"""Reading published events back (for consumers written in Python, and for our tests)."""

from __future__ import annotations

import msgspec

from infra.event_contract.envelope import OpaqueEvent, PublicEvent
from infra.event_contract.mapping import PUBLIC
from infra.event_contract.registry import default_of


class _Kind(msgspec.Struct):
    aggregate_type: str
    event_type: str


_kind = msgspec.json.Decoder(_Kind)
_decoders: dict[tuple[str, str], msgspec.json.Decoder[PublicEvent]] = {
    (default_of(cls, "aggregate_type"), default_of(cls, "event_type")): msgspec.json.Decoder(cls)
    for cls in PUBLIC.values()
}
_opaque = msgspec.json.Decoder(OpaqueEvent)


def decode_event(data: bytes) -> PublicEvent:
    """A published event as its typed struct; a type this reader does not know as opaque."""
    kind = _kind.decode(data)
    return _decoders.get((kind.aggregate_type, kind.event_type), _opaque).decode(data)
