"""Copying a cached aggregate cheaply: immutable values are shared, never rebuilt.

The repository hands each command (and each reader) its own copy of the cached aggregate,
so a refused command cannot corrupt the cache and nobody sees another command's
half-applied change. Two ways to make that copy cheap live here:

- `register_immutables` teaches `copy.deepcopy` that dates, times, UUIDs and our frozen
  msgspec value objects never change (deepcopy otherwise rebuilds each through
  __reduce_ex__). Whoever still deep-copies an aggregate profits.
- `fork` is the copy the repository makes now (infra/application.py). Aggregate state
  is copy-on-write (domain/aggregates: an event's `apply` rebinds an attribute to a new
  value — `visits += (visit,)`, `risks = {**risks, id: risk}`, `team | {id}` — and never
  changes a container in place), so a copy of the aggregate's attribute dict suffices:
  the containers are shared, not walked. As a guard, a first-level list, dict or set is
  still copied (at C speed: its values are immutable), and a value of a type that is not
  known to be immutable is deep-copied as before. `tests/infra/test_fork.py` holds the
  domain to the convention (every value in every aggregate's state is immutable).
"""

from __future__ import annotations

import copy
import datetime
import decimal
import enum
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import msgspec

_ALWAYS = (datetime.datetime, datetime.date, datetime.time, datetime.timedelta, uuid.UUID, decimal.Decimal)

T = TypeVar("T")


def _frozen_structs(base: type = msgspec.Struct) -> Iterator[type]:
    for cls in base.__subclasses__():
        if cls.__struct_config__.frozen:
            yield cls
        yield from _frozen_structs(cls)


def register_immutables() -> None:
    """Mark immutable value types as atomic for deepcopy (idempotent; call after imports)."""
    dispatch = copy._deepcopy_dispatch  # type: ignore[attr-defined]  # the stdlib's own table
    for cls in (*_ALWAYS, *_frozen_structs()):
        dispatch[cls] = copy._deepcopy_atomic  # type: ignore[attr-defined]


#: Types whose values `fork` shares (learned as met), and how it copies the others.
_SHARED: set[type] = set()
_COPY: dict[type, Callable[[Any], Any]] = {dict: dict.copy, list: list.copy, set: set.copy}


def _copier(cls: type) -> Callable[[Any], Any] | None:
    """None if values of `cls` never change (shared from then on), else how to copy one."""
    if cls in _COPY:
        return _COPY[cls]
    if (
        cls in (tuple, frozenset, str, bytes, int, float, bool, type(None))
        or issubclass(cls, enum.Enum)
        or copy._deepcopy_dispatch.get(cls) is copy._deepcopy_atomic  # type: ignore[attr-defined]
        or (issubclass(cls, msgspec.Struct) and cls.__struct_config__.frozen)
    ):
        _SHARED.add(cls)
        return None
    return copy.deepcopy  # not known to be immutable: copied as the library did


def fork(aggregate: T) -> T:
    """A private copy of an aggregate whose state is copy-on-write (see the module doc).

    Its changes (new events, rebound attributes, its pending-events list) never reach
    the original, and the original's later changes never reach it.
    """
    state = aggregate.__dict__.copy()
    shared = _SHARED
    for name, value in state.items():
        if type(value) not in shared:
            copier = _copier(type(value))
            if copier is not None:
                state[name] = copier(value)
    clone = object.__new__(type(aggregate))
    object.__setattr__(clone, "__dict__", state)
    return clone
