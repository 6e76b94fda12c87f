"""Which internal event class each public event is made from, per aggregate kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from infra.event_contract.envelope import PublicEvent

P = TypeVar("P", bound=type[PublicEvent])


def aggregate_type_of(aggregate: type | str) -> str:
    """The subject token of an aggregate kind: `ConciergeAssignment` -> `concierge_assignment`."""
    name = aggregate if isinstance(aggregate, str) else aggregate.__name__
    return "".join(f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(name))


def default_of(cls: type[msgspec.Struct], field: str) -> Any:
    """The default value of one struct field (the literal a public event type is fixed to)."""
    for info in msgspec.structs.fields(cls):
        if info.name == field:
            return info.default
    raise KeyError(field)


class Registry:
    """The public events of one aggregate kind, each bound to its internal event class."""

    def __init__(self, aggregate_type: str, aggregate: type) -> None:
        if aggregate_type != aggregate_type_of(aggregate):
            raise ValueError(f"{aggregate.__name__} publishes as {aggregate_type_of(aggregate)!r}")
        self.aggregate_type = aggregate_type
        self.aggregate = aggregate
        self.events: dict[type, type[PublicEvent]] = {}

    def publishes(self, source: type) -> Callable[[P], P]:
        """Class decorator: this public event is made from `source` by its `payload` method."""

        def register(public: P) -> P:
            # The public names mirror the internal ones, so a subject filter by type works
            # the same for mapped and opaque events.
            if default_of(public, "event_type") != source.__name__:
                raise ValueError(f"{public.__name__} must publish as {source.__name__!r}")
            if default_of(public, "aggregate_type") != self.aggregate_type:
                raise ValueError(f"{public.__name__} must be a {self.aggregate_type} event")
            if not source.__qualname__.startswith(f"{self.aggregate.__name__}."):
                raise ValueError(
                    f"{source.__qualname__} is not an event of {self.aggregate.__name__}"
                )
            self.events[source] = public
            return public

        return register


S = TypeVar("S", bound=msgspec.Struct)


#: The event fields each `same_named` builder reads (nothing else of the event is read).
_FIELDS_READ: dict[Callable[[Any], Any], tuple[str, ...]] = {}


def same_named(data: type[S]) -> Callable[[Any], S]:
    """A payload builder that copies `data`'s fields from the event's fields of the same names.

    Only the fields `data` declares are read: anything else on the event stays private.
    """
    names = data.__struct_fields__

    def build(event: Any) -> S:
        return data(**{name: getattr(event, name) for name in names})

    _FIELDS_READ[build] = names
    return build


def fields_read(builder: Callable[[Any], Any]) -> tuple[str, ...] | None:
    """The event fields a payload builder reads, if it says (`same_named` does); else None."""
    return _FIELDS_READ.get(builder)
