"""msgspec (de)serialisation of stored events, in place of the library's JSON transcoder.

Two parts:
- `MsgspecTranscoder`: the library's generic `Transcoder` interface (any nested object,
  with registered `Transcoding`s for custom types, in the library's `_type_`/`_data_`
  envelope), so that it passes eventsourcing's own `TranscoderTestCase`.
- `MsgspecMapper`: the fast path for domain events. Each event class gets one msgspec
  decoder, typed by the class's own fields, built once and reused; the stored state is
  plain JSON of the event's fields. Event versioning (`class_version` and
  `upcast_vN_vN+1` static methods) works as in the library's mapper.
The application stores events with `infra.trail_mapper.TrailMapper`, which extends this
mapper with the hash chain and sealed personal fields (issue 9); this one stays the plain
mapping (the conformance tests, and the benchmark's baseline).
"""

from __future__ import annotations

import dataclasses
import typing
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import (
    Cipher,
    Compressor,
    DatetimeAsISO,
    DecimalAsStr,
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoder,
    Transcoding,
    TranscodingNotRegisteredError,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic, resolve_topic

_PLAIN = (str, int, float, bool, type(None))
_IDENTITY_FIELDS = ("originator_id", "originator_version")


class MsgspecTranscoder(Transcoder):
    """Generic transcoder on msgspec JSON, compatible with the library's envelope."""

    def __init__(self) -> None:
        self.types: dict[type, Transcoding] = {}
        self.names: dict[str, Transcoding] = {}
        self._encoder = msgspec.json.Encoder()
        self._decoder = msgspec.json.Decoder()
        for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr()):
            self.register(transcoding)

    def register(self, transcoding: Transcoding) -> None:
        """Register a custom type's transcoding (as with the library's JSONTranscoder)."""
        self.types[transcoding.type] = transcoding
        self.names[transcoding.name] = transcoding

    def encode(self, obj: Any) -> bytes:
        return self._encoder.encode(self._wrap(obj))

    def decode(self, data: bytes) -> Any:
        return self._unwrap(self._decoder.decode(data))

    def _wrap(self, obj: Any) -> Any:
        kind = type(obj)
        # Registered types first: subclasses of str/int/dict/list may have their own.
        transcoding = self.types.get(kind)
        if transcoding is not None:
            return {"_type_": transcoding.name, "_data_": self._wrap(transcoding.encode(obj))}
        if kind in _PLAIN:
            return obj
        if kind is dict:
            return {key: self._wrap(value) for key, value in obj.items()}
        if kind is list:
            return [self._wrap(value) for value in obj]
        if kind is tuple:
            return {"_type_": "tuple_as_list", "_data_": [self._wrap(value) for value in obj]}
        msg = (
            f"Object of type {kind} is not serializable. Please define "
            "and register a custom transcoding for this type."
        )
        raise TranscodingNotRegisteredError(msg)

    def _unwrap(self, obj: Any) -> Any:
        if isinstance(obj, list):
            return [self._unwrap(value) for value in obj]
        if not isinstance(obj, dict):
            return obj
        if len(obj) == 2 and "_type_" in obj and "_data_" in obj:
            name, data = obj["_type_"], self._unwrap(obj["_data_"])
            if name == "tuple_as_list":
                return tuple(data)
            try:
                return self.names[name].decode(data)
            except KeyError:
                msg = (
                    f"Data serialized with name '{name}' is not deserializable. "
                    "Please register a custom transcoding for this type."
                )
                raise TranscodingNotRegisteredError(msg) from None
        return {key: self._unwrap(value) for key, value in obj.items()}


class EventState(msgspec.Struct, kw_only=True):
    """Base of the per-class state structs (all fields but the identity)."""

    class_version: int = 1


@cache
def state_type(event_class: type) -> type[EventState]:
    """The msgspec struct that decodes one event class's stored state."""
    hints = typing.get_type_hints(event_class)
    fields: list[tuple[str, Any, Any]] = []
    for field in dataclasses.fields(event_class):
        if field.name in _IDENTITY_FIELDS:
            continue
        annotation = hints.get(field.name, Any)
        if field.default is not dataclasses.MISSING:
            fields.append((field.name, annotation, field.default))
        elif field.default_factory is not dataclasses.MISSING:
            fields.append((field.name, annotation, msgspec.field(default_factory=field.default_factory)))
        else:
            fields.append((field.name, annotation))
    return msgspec.defstruct(
        f"{event_class.__qualname__}State", fields, bases=(EventState,), kw_only=True
    )


@cache
def _decoder_for(event_class: type) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(state_type(event_class))


class MsgspecMapper(Mapper[UUID]):
    """Maps domain events to stored events with msgspec, typed by each event's class."""

    def __init__(
        self,
        transcoder: Transcoder | None = None,
        compressor: Compressor | None = None,
        cipher: Cipher | None = None,
    ) -> None:
        super().__init__(transcoder or MsgspecTranscoder(), compressor, cipher)
        self._encoder = msgspec.json.Encoder()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        originator_id, originator_version, state = self.event_state(domain_event)
        data = self._encoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
        )

    @staticmethod
    def event_state(domain_event: Any) -> tuple[Any, int, dict[str, Any]]:
        """The event's identity and the fields to store (with `class_version` if > 1)."""
        # Attributes with a leading underscore are not fields: the trail's links and
        # hashes (domain/aggregates/base.py) travel on the event object, never in its data.
        state = {k: v for k, v in vars(domain_event).items() if k[0] != "_"}
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return originator_id, originator_version, state

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        event_class = resolve_topic(stored_event.topic)
        try:
            data = stored_event.state
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = self._decode_state(event_class, data)
        except Exception as error:
            msg = (
                f"Failed to deserialise state of stored event with topic "
                f"'{stored_event.topic}', originator_id '{stored_event.originator_id}' "
                f"and originator_version {stored_event.originator_version}: {error}"
            )
            raise MapperDeserialisationError(msg) from error
        originator_id = stored_event.originator_id
        state["originator_id"] = originator_id if isinstance(originator_id, UUID) else UUID(originator_id)
        state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(event_class)
        object.__setattr__(domain_event, "__dict__", state)
        return domain_event

    @staticmethod
    def _decode_state(event_class: type, data: bytes) -> dict[str, Any]:
        current_version = getattr(event_class, "class_version", 1)
        if current_version == 1:
            decoded = _decoder_for(event_class).decode(data)
        else:
            raw = msgspec.json.decode(data)
            stored_version = raw.pop("class_version", 1)
            # Upcast old shapes step by step, then type the result (rule: events evolve
            # by new classes or upcasts, never by changing a field's type in place).
            while stored_version < current_version:
                getattr(event_class, f"upcast_v{stored_version}_v{stored_version + 1}")(raw)
                stored_version += 1
            decoded = msgspec.convert(raw, state_type(event_class))
        state = msgspec.structs.asdict(decoded)
        del state["class_version"]
        return state
