"""The mapper of the trail: hash-chained envelopes with sealed personal fields (issue 9).

`TrailMapper` extends `MsgspecMapper` (infra/transcoding.py, which stays the plain
mapping and passes the library's conformance suite). Saving an event:
1. its personal fields are sealed with the data subject's key (infra/personal_data.py);
2. its fields are encoded with msgspec: the `data` bytes;
3. its hash is computed over the canonical bytes (infra/chain.py), after the hash of the
   aggregate's previous event, which the event carries (domain/aggregates/base.py);
4. the stored state is the envelope `{"alg", "prev", "hash", "data"}`.
Reading reverses 1 and 4, and leaves the stored hash on the event (`_chain_hash`) so the
aggregate can chain its next event to it. Reads do not verify hashes: `audit verify`
(infra/verify.py) does, from the stored bytes.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import UUID

from eventsourcing.persistence import MapperDeserialisationError, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from infra.chain import GENESIS, canonical_id, envelope_bytes, event_hash, open_envelope
from infra.keys import KeyRing
from infra.personal_data import opener, personal_fields, sealer
from infra.transcoding import MsgspecMapper

#: Finds the stored hash of an aggregate's version (for an event that carries no link).
PreviousHash = Callable[[UUID, int], str]


@cache
def _slotted(event_class: type) -> bool:
    """Whether events of this class keep the trail's bookkeeping (domain/aggregates/base.py)."""
    return isinstance(getattr(event_class, "_chain_hash", None), types.MemberDescriptorType)


class ChainError(RuntimeError):
    """An event cannot be chained (its predecessor is unknown or not hashed yet)."""


class TrailMapper(MsgspecMapper):
    """Stores each event in a hash-chained envelope, personal fields sealed."""

    def __init__(
        self,
        keys: KeyRing,
        previous_hash: PreviousHash | None = None,
        transcoder: Transcoder | None = None,
        *,
        seal_personal: bool = True,
    ) -> None:
        # Stored bytes are what the chain covers: no compressor or whole-state cipher here
        # (personal fields are encrypted one by one instead). `seal_personal=False` leaves
        # personal fields as stored: to measure the chain's own cost
        # (tests/benchmarks/trail.py), and for readers that never show them (the relay's
        # PublishingReader: no public payload publishes personal text).
        super().__init__(transcoder)
        self.keys = keys
        self._previous_hash = previous_hash
        self._seal_personal = seal_personal

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        remembered = getattr(domain_event, "_chain_stored", None)
        if remembered is not None:
            return remembered  # mapped before: the same bytes, the same hash
        originator_id, version, state = self.event_state(domain_event)
        text_id = canonical_id(originator_id)  # str(UUID) once: for sealing and for the hash
        event_class = type(domain_event)
        fields = personal_fields(event_class) if self._seal_personal else ()
        if fields:
            subject = getattr(domain_event, "_privacy_subject", None) or f"aggregate:{originator_id}"
            seal = sealer(self.keys, subject, text_id, version)  # type: ignore[arg-type]  # same text
            for name, transform in fields:
                if state.get(name) is not None:
                    state[name] = transform(state[name], seal)
        data = self._encoder.encode(state)
        topic = get_topic(event_class)
        prev = self._prev(domain_event, originator_id, version)
        digest = event_hash(prev, text_id, version, topic, data)
        stored = StoredEvent(
            originator_id=originator_id,
            originator_version=version,
            topic=topic,
            state=envelope_bytes(prev, digest, data),
        )
        # The aggregate's next event chains to this hash (through the cell it shares).
        cell = getattr(domain_event, "_chain_cell", None)
        if cell is not None:
            cell[0] = digest
        if _slotted(event_class):
            object.__setattr__(domain_event, "_chain_hash", digest)
            object.__setattr__(domain_event, "_chain_prev", prev)
            object.__setattr__(domain_event, "_chain_stored", stored)
        return stored

    def _prev(self, event: Any, originator_id: UUID, version: int) -> str:
        link = getattr(event, "_chain_prev", None)
        if isinstance(link, str):
            return link
        if link is not None:
            known = link[0]  # the cell of a new event of the same save
            if known is None:
                raise ChainError(
                    f"{type(event).__qualname__} v{version} of {originator_id} is mapped "
                    "before its predecessor: save an aggregate's events in order"
                )
            return known
        if version == 1:
            return GENESIS
        if self._previous_hash is None:
            raise ChainError(f"no known predecessor of {originator_id} v{version}")
        return self._previous_hash(originator_id, version - 1)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_class = resolve_topic(stored_event.topic)
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        version = stored_event.originator_version
        try:
            envelope = open_envelope(stored_event.state)
            state = self._decode_state(event_class, envelope.data)
            fields = personal_fields(event_class) if self._seal_personal else ()
            if fields:
                open_ = opener(self.keys, originator_id, version)
                for name, transform in fields:
                    if state.get(name) is not None:
                        state[name] = transform(state[name], open_)
        except Exception as error:
            msg = (
                f"Failed to deserialise state of stored event with topic "
                f"'{stored_event.topic}', originator_id '{originator_id}' "
                f"and originator_version {version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        state["originator_id"] = originator_id
        state["originator_version"] = version
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        if _slotted(event_class):  # the aggregate chains its next event to this hash
            object.__setattr__(domain_event, "_chain_hash", envelope.hash)
            object.__setattr__(domain_event, "_chain_prev", envelope.prev)
        return domain_event


def stored_hash(recorder: Any, originator_id: UUID, version: int) -> str:
    """The hash stored with one version of an aggregate (read from the event store)."""
    found = recorder.select_events(originator_id, gt=version - 1, lte=version, limit=1)
    if not found:
        raise ChainError(f"{originator_id} has no version {version} to chain to")
    return open_envelope(found[0].state).hash


def trail_mapper(app: Any) -> TrailMapper:
    """The mapper of an application: its keys and history in its own event store."""
    from infra.keys import SqlKeyTable

    if app.factory.compressor() or app.factory.cipher():
        raise ValueError(
            "the trail hashes the stored bytes: unset COMPRESSOR_TOPIC and CIPHER_TOPIC "
            "(personal fields are encrypted field by field)"
        )
    return TrailMapper(
        KeyRing(lambda: SqlKeyTable(app.recorder)),
        previous_hash=lambda originator_id, version: stored_hash(app.recorder, originator_id, version),
    )
