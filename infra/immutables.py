"""Teach `copy.deepcopy` which values never change, so copying a cached aggregate is cheap.

The repository hands each command a deep copy of the cached aggregate (so a refused
command cannot corrupt the cache). Most of an aggregate's state is immutable: dates,
times, UUIDs and our frozen msgspec value objects. deepcopy does not know that and
rebuilds each of them through __reduce_ex__; on a ticket with a few hundred events that
was most of a command's time. Copying them by reference is exactly as safe.
"""

from __future__ import annotations

import copy
import datetime
import decimal
import uuid
from collections.abc import Iterator

import msgspec

_ALWAYS = (datetime.datetime, datetime.date, datetime.time, datetime.timedelta, uuid.UUID, decimal.Decimal)


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
