"""The router guard of /v1: who is calling (401), may that role call this (403), and is
the object inside the caller's tenant (404). The rules themselves live in api/policy.py."""

from __future__ import annotations

import logging

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.identity import identify
from api.policy import STAFF, rule_for

log = logging.getLogger(__name__)


async def authorise(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Enforce the policy table for this request's endpoint; deny when it has no rule."""
    principal = identify(connection)  # type: ignore[arg-type]
    method = connection.scope.get("method", "GET")
    template = connection.scope.get("path_template", "")
    rule = rule_for(method, template)
    if rule is None and method == "OPTIONS":
        return  # litestar's own answer: the allowed methods of the path, no data
    if rule is None:
        # Fail closed: an endpoint nobody wrote a rule for is refused to everyone.
        log.error("no authorisation rule for %s %s: refused", method, template)
        raise PermissionDeniedException(detail=f"no authorisation rule for {method} {template}")
    if principal.role not in rule.roles:
        raise PermissionDeniedException(
            detail=f"role {principal.role} may not call {method} {template}"
        )
    if principal.role in STAFF:
        return  # provider staff are not limited to a tenant
    request: Request = connection  # type: ignore[assignment]
    await rule.tenant.check(principal, request, request.app.state.service)
