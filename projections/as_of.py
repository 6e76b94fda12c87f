"""An aggregate as it was at a past instant ("what did we know when"), rebuilt from its events.

The repository gives history by version only; the version in force at an instant is the
last one recorded at or before it (events carry the clock reading of their command), so
we read the aggregate's events, stop at the first one recorded after the instant, and
ask the repository for that version.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from eventsourcing.domain import Aggregate

from domain.errors import InvalidInput, NotFound
from infra.application import ServiceApplication
from infra.clock import JST
from projections.audit_query import parse_instant

A = TypeVar("A", bound=Aggregate)


def version_at(service: ServiceApplication, aggregate_id: UUID, instant: datetime) -> int | None:
    """The aggregate's version at `instant` (None: it did not exist yet, or never)."""
    if instant.tzinfo is None:
        raise InvalidInput("as_of needs a UTC offset or a Japan-time reading", as_of=str(instant))
    version = None
    for event in service.events.get(aggregate_id):
        if event.timestamp > instant:
            break
        version = event.originator_version
    return version


def state_as_of(
    service: ServiceApplication, kind: type[A] | None, aggregate_id: UUID, instant: datetime
) -> A:
    """The aggregate of `kind` (any kind for None) as it was at `instant`; NotFound before it existed."""
    version = version_at(service, aggregate_id, instant)
    label = kind.__name__.lower() if kind else "aggregate"
    if version is None:
        raise NotFound(
            f"no {label} with id {aggregate_id} at {instant.astimezone(JST).isoformat()}"
        )
    aggregate = service.repository.get(aggregate_id, version=version)
    if kind is not None and not isinstance(aggregate, kind):
        raise NotFound(f"no {label} with id {aggregate_id}")
    return aggregate  # type: ignore[return-value]


def parse_as_of(text: str) -> datetime:
    """`as_of` as given: an ISO datetime (no offset: Japan time), or a date meaning the end
    of that day in Japan (everything recorded that day included)."""
    if len(text) == 10:
        return parse_instant(text, field="as_of", end=True) - timedelta(microseconds=1)
    return parse_instant(text, field="as_of")


class AggregateState(msgspec.Struct, frozen=True, kw_only=True):
    """A generic rendering of an aggregate's state (the audit API's as-of answer)."""

    id: UUID
    kind: str
    version: int
    as_of: datetime
    recorded_at: datetime  # when its last event before `as_of` was recorded
    state: dict[str, Any]


def render_state(aggregate: Aggregate, as_of: datetime) -> AggregateState:
    """Every public attribute of the aggregate, as JSON-ready values."""
    public = {k: v for k, v in vars(aggregate).items() if not k.startswith("_")}
    return AggregateState(
        id=aggregate.id,
        kind=type(aggregate).__name__,
        version=aggregate.version,
        as_of=as_of.astimezone(JST),
        recorded_at=aggregate.modified_on.astimezone(JST),
        state=msgspec.to_builtins(public, enc_hook=str),
    )
