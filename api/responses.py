"""The one shape of a command's answer: the new state, its version as ETag, replay flag."""

from __future__ import annotations

from typing import TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from litestar import Response

from infra.application import CommandResult, ServiceApplication

V = TypeVar("V")
A = TypeVar("A", bound=Aggregate)


def state_after(service: ServiceApplication, kind: type[A], result: CommandResult) -> A:
    """The aggregate as the command left it (at `result.version`), to render the answer.

    Right after a command the aggregate cache holds exactly that version: no read of the
    store. A replayed retry, a newer write by another request in between, or a cache that
    no longer holds it: that version is rebuilt from the store, as before.
    """
    if not result.replayed:
        try:
            current = service.repository.get(result.id)  # the cache's copy (no If-Match here)
        except AggregateNotFoundError:
            current = None
        if isinstance(current, kind) and current.version == result.version:
            return current
    return service.state_at(kind, result.id, result.version)


def command_response(
    view: V, result: CommandResult, status: int = 200, location: str | None = None
) -> Response[V]:
    """The view after a command, with `ETag: "<version>"` (for If-Match) and, for an
    idempotent retry, `Idempotent-Replayed: true`; a 201 carries its `Location`."""
    headers = {"ETag": f'"{result.version}"'}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    if status == 201 and location:
        headers["Location"] = location
    return Response(view, status_code=status, headers=headers)
