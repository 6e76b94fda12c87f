"""The router guard of /v1: who is calling (401), may that role call this (403), and is
the object inside the caller's tenant (404). The rules themselves live in api/policy.py.

The tenant check reads the store (the object's scope), so it runs on a worker thread. For
a handler that litestar runs on a worker thread anyway (`sync_to_thread=True`, every
command), the check runs first on that same thread, before the handler's own code: one
thread hop per request instead of two. `run_tenant_checks_in_handler_threads` (called once
by api/app.py) wraps those handlers; the guard defers a check only to a handler so wrapped
and checks it itself otherwise, so a handler added later (or one whose response litestar
may answer from its cache without running it) is never left unchecked. A request refused
by validation before its handler runs touches no object either way.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

import anyio.to_thread
from litestar import Litestar, Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.utils.sync import AsyncCallable

from api.identity import identify
from api.policy import STAFF, rule_for
from api.tenancy import Check

log = logging.getLogger(__name__)

#: The tenant check the guard left to the handler's worker thread (this request's context).
_DEFERRED: ContextVar[Check | None] = ContextVar("econcierge_tenant_check", default=None)
_MARK = "__econcierge_checks_tenant_first__"


async def authorise(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
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
    request: Request = connection  # type: ignore[assignment]
    await rule.tenant.unambiguous(request)  # a tenant named twice: 422, for every role
    if principal.role in STAFF:
        return  # provider staff are not limited to a tenant
    check = await rule.tenant.lookup(principal, request, request.app.state.service)
    if check is None:
        return
    if _checks_tenant_first(handler):
        _DEFERRED.set(check)  # run on the handler's thread before the handler (see above)
    else:
        await anyio.to_thread.run_sync(check)


def _checks_tenant_first(handler: BaseRouteHandler) -> bool:
    fn = getattr(handler, "_fn", None)
    return isinstance(fn, AsyncCallable) and getattr(fn.func, _MARK, False) and not _cached(handler)


def _cached(handler: object) -> bool:
    """A response-cached handler may answer without running: its guard must check itself."""
    return bool(getattr(handler, "cache", False))


def _tenant_checked_first(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        check = _DEFERRED.get()  # litestar runs us in a copy of the request's context
        if check is not None:
            _DEFERRED.set(None)
            check()  # raises NotFound (404) before the handler touches anything
        return fn(*args, **kwargs)

    setattr(run, _MARK, True)
    return run


def run_tenant_checks_in_handler_threads(app: Litestar) -> None:
    """Wrap every handler litestar runs on a worker thread so a deferred check runs first."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            fn = getattr(handler, "_fn", None)  # after registration: AsyncCallable when threaded
            if _cached(handler):
                continue
            if isinstance(fn, AsyncCallable) and not getattr(fn.func, _MARK, False):
                fn.func = _tenant_checked_first(fn.func)
