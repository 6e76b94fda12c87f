"""Sample internal events of any class, with every field filled from its type (for contract tests)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
import uuid
from datetime import date, datetime
from typing import Any, Literal, Union

import msgspec

from domain.meta import EventMeta, Role
from infra.clock import JST

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
_IDENTITY = {"originator_id", "originator_version", "originator_topic"}
#: Fields whose domain values have a shape their type does not say.
_SHAPED = {"subject": lambda: f"contract:{uuid.uuid4()}"}


def sample_value(annotation: Any, *, none: bool) -> Any:
    """A plausible value of that type; `none` picks None wherever a field is optional."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return sample_value(args[0], none=none)
    if origin in (Union, types.UnionType):
        if type(None) in args and none:
            return None
        return sample_value(next(a for a in args if a is not type(None)), none=none)
    if origin is Literal:
        return args[0]
    if origin in (tuple, list, set, frozenset):
        return origin([sample_value(args[0], none=none)])
    if origin is dict:
        return {sample_value(args[0], none=none): sample_value(args[1], none=none)}
    if isinstance(annotation, type):
        if issubclass(annotation, enum.Enum):
            return next(iter(annotation))
        if issubclass(annotation, bool):
            return True
        if issubclass(annotation, datetime):
            return NOW
        if issubclass(annotation, date):
            return NOW.date()
        if issubclass(annotation, uuid.UUID):
            return uuid.uuid4()
        if issubclass(annotation, msgspec.Struct):
            hints = typing.get_type_hints(annotation, include_extras=True)
            return annotation(
                **{f: sample_value(hints[f], none=none) for f in annotation.__struct_fields__}
            )
        if issubclass(annotation, (int, float, str)):
            return annotation("7") if annotation is not str else "sample text"
    raise TypeError(f"no sample for {annotation!r}")


def sample_event(event_class: type, *, none: bool = False, version: int = 2) -> Any:
    """An instance of a domain event class, as the store's mapper would rebuild it."""
    hints = typing.get_type_hints(event_class, include_extras=True)
    state: dict[str, Any] = {"originator_id": uuid.uuid4(), "originator_version": version}
    for field in dataclasses.fields(event_class):
        if field.name in _IDENTITY:
            continue
        shaped = _SHAPED.get(field.name)
        state[field.name] = shaped() if shaped else sample_value(hints[field.name], none=none)
    state["timestamp"] = NOW
    state["meta"] = EventMeta("op-tanaka", Role.OPERATOR, "corr-1", "req-1")
    event = object.__new__(event_class)
    object.__setattr__(event, "__dict__", state)
    return event
