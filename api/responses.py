"""The one shape of a command's answer: the new state, its version as ETag, replay flag."""

from __future__ import annotations

from typing import TypeVar

from litestar import Response

from infra.application import CommandResult

V = TypeVar("V")


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
