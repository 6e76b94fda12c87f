"""The base of our aggregates: every event carries its cause (actor, correlation, time)."""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from domain.meta import Cause, EventMeta


class TracedAggregate(Aggregate):
    """An aggregate whose events all carry `meta` and take their timestamp from the cause."""

    class Event(Aggregate.Event):
        meta: EventMeta

    class Created(Event, Aggregate.Created):
        pass

    def _record(self, event_class: type[Aggregate.Event], cause: Cause, **fields: Any) -> None:
        # The timestamp is the injected clock's reading, never "now" inside the domain.
        self.trigger_event(event_class, meta=cause.meta, timestamp=cause.at, **fields)

    @classmethod
    def _create_traced(
        cls, event_class: type[Aggregate.Created], cause: Cause, **fields: Any
    ) -> Any:
        return cls._create(event_class, meta=cause.meta, timestamp=cause.at, **fields)
