"""Dependencies every handler shares: the service, the caller, and the command context."""

from __future__ import annotations

import hashlib
import uuid

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException

from api.identity import Principal, identify
from domain.meta import EventMeta
from infra.application import CommandContext
from infra.bootstrap import EConcierge


def provide_service(request: Request) -> EConcierge:
    return request.app.state.service


def provide_principal(request: Request) -> Principal:
    return identify(request)


def _expected_version(request: Request) -> int | None:
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    value = raw.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise ValidationException(
            detail="If-Match must carry the aggregate version read before, e.g. If-Match: 3"
        )
    return int(value)


async def provide_command_context(request: Request, service: Service) -> CommandContext:
    """The actor from the verified caller (never from the body), ids for the audit trail.

    It takes `service` only so that litestar resolves the two dependencies of a command
    one after the other, as plain awaits: dependencies independent of each other are
    resolved concurrently, in a task group of their own, on every request.
    """
    principal = identify(request)
    body = await request.body()
    correlation_id = request.headers.get("x-correlation-id") or str(uuid.uuid4())
    request_id = str(uuid.uuid4())
    key = request.headers.get("idempotency-key")
    if key is not None and not (0 < len(key) <= 200):
        raise ValidationException(detail="Idempotency-Key must be 1 to 200 characters")
    fingerprint = hashlib.sha256(
        b"\x00".join([request.method.encode(), request.url.path.encode(), body])
    ).hexdigest()
    return CommandContext(
        meta=EventMeta(
            actor_id=principal.subject,
            actor_role=principal.role,
            correlation_id=correlation_id,
            causation_id=request.headers.get("x-causation-id") or request_id,
        ),
        expected_version=_expected_version(request),
        idempotency_key=key,
        fingerprint=fingerprint,
    )


# Explicit markers for handler parameters (litestar 3 drops inferred dependencies).
Service = NamedDependency[EConcierge]
Context = NamedDependency[CommandContext]
Caller = NamedDependency[Principal]
