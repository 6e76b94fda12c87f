"""Seeing the API at work: correlation ids, one log line per request and per command, metrics.

`ObservabilityMiddleware` runs around every route (inside litestar's exception handling,
so it sees the final status of errors too). It gives the request a correlation id (the
client's `X-Correlation-Id` when it is a plain token, else a new UUID) that the command
context then stamps on the request's events, echoes it in the response, and afterwards
counts and times the request (`econcierge_http_*`, by route template and status), logs
it and, for a command, its outcome, and counts that outcome by command.
The exception mapping (api/problems.py) tells it which rule refused a command.

A request that matches no route (404, 405) never reaches a route's middleware: litestar
answers it from its router. `observe_unmatched` wraps the router so that such requests
are counted, timed and logged too, under the route label "unmatched" (never the raw
path: the label set stays bounded whatever paths scanners try).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Litestar
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.prometheus import PrometheusController
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.helpers import unwrap_partial
from litestar.utils.scope.state import ScopeState

from infra.logs import CORRELATION_ID
from infra.metrics import COMMANDS, HttpMetrics

HEADER = "x-correlation-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")  # anything else could smuggle data into logs
_QUIET = frozenset({"/healthz", "/readyz", "/metrics"})  # probes and scrapes: debug level only

request_log = logging.getLogger("econcierge.http")
command_log = logging.getLogger("econcierge.commands")


@dataclass
class Trace:
    """What the exception mapping learnt about the request being handled."""

    correlation_id: str
    problem: str | None = None  # "rule", "conflict", "invalid", "not_found", "unavailable", "error"
    rule: str | None = None
    store_down: bool = False  # the store could not be reached (not merely busy)


_trace: ContextVar[Trace | None] = ContextVar("econcierge_trace", default=None)


def note_problem(problem: str, rule: str | None = None, *, store_down: bool = False) -> None:
    """Called by the exception mapping: how the current request failed."""
    trace = _trace.get()
    if trace is not None:
        trace.problem, trace.rule, trace.store_down = problem, rule, store_down


def correlation_id() -> str | None:
    return CORRELATION_ID.get()


def _outcome(status: int, trace: Trace, replayed: bool) -> str:
    if status < 300 or status == 303:  # 303 See Other: a console form's command went through
        return "replayed" if replayed else "accepted"
    if trace.problem == "rule" and status == 409:
        return "refused"
    if trace.problem in ("conflict", "invalid", "not_found", "unavailable", "error"):
        return trace.problem
    if status in (401, 403):
        return "denied"
    if status in (400, 413, 422):
        return "invalid"
    return "unavailable" if status == 503 else "error" if status >= 500 else "other"


def command_name(handler: Any) -> str | None:
    """`contracts.client_count` for a handler that takes a command context, else None."""
    if "ctx" not in handler.parsed_fn_signature.parameters:  # memoised by litestar
        return None
    owner = handler.owner
    if isinstance(owner, Controller):
        group = type(owner).__name__.removesuffix("Controller").lower()
    else:
        group = unwrap_partial(handler.fn).__module__.rsplit(".", 1)[-1]
    return f"{group}.{handler.handler_name}"


def _given_or_new(scope: Scope) -> str:
    """The client's correlation id when it is a safe token; otherwise a new one, put in scope."""
    given = _given(scope)
    if given is not None:
        return given
    fresh = str(uuid.uuid4())
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k != HEADER.encode()] + [
        (HEADER.encode(), fresh.encode())
    ]
    ScopeState.from_scope(scope).headers = Empty  # drop a parsed copy made before us
    return fresh


def _given(scope: Scope) -> str | None:
    """The client's X-Correlation-Id when it is a safe token."""
    given = next((v for k, v in scope["headers"] if k == HEADER.encode()), None)
    if given is not None and _SAFE_ID.fullmatch(text := given.decode("latin-1")):
        return text
    return None


_NOT_A_COMMAND = "-"
_COMMAND_KEY = "econcierge.command_name"
_NOT_TIMED = frozenset({"/metrics"})  # scrapes are not counted in the HTTP metrics


def _command_of(handler: Any) -> str | None:
    """`command_name`, worked out once per route handler (kept in its `opt`)."""
    opt = handler.opt
    name = opt.get(_COMMAND_KEY)
    if name is None:
        name = opt[_COMMAND_KEY] = command_name(handler) or _NOT_A_COMMAND
    return None if name == _NOT_A_COMMAND else name


class ObservabilityMiddleware(ASGIMiddleware):
    """Correlation id in and out, HTTP metrics, a request log line, a command outcome line
    and counter."""

    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self._http = HttpMetrics()

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        cid = _given_or_new(scope)
        trace = Trace(cid)
        trace_token, cid_token = _trace.set(trace), CORRELATION_ID.set(cid)
        response: dict[str, Any] = {"status": 500, "replayed": False, "etag": None}
        method: str = scope.get("method", "GET")  # type: ignore[assignment]
        route: str = scope.get("path_template") or scope["path"]  # type: ignore[assignment]
        running = None if route in _NOT_TIMED else self._http.started(method, route)
        cid_header = (b"x-correlation-id", cid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                headers = list(message.get("headers", ()))
                for name, value in headers:
                    lowered = name.lower()
                    if lowered == b"idempotent-replayed":
                        response["replayed"] = True
                    elif lowered == b"etag":
                        response["etag"] = value.decode("latin-1").strip('"')
                headers.append(cid_header)
                message["headers"] = headers
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            if running is not None:
                self._http.finished(running, method, route, int(response["status"]), seconds)
            self._record(scope, method, route, trace, response, seconds)
            _trace.reset(trace_token)
            CORRELATION_ID.reset(cid_token)

    def _record(self, scope: Scope, method: str, route: str, trace: Trace,
                response: dict[str, Any], seconds: float) -> None:  # fmt: skip
        handler = scope.get("route_handler")
        status = int(response["status"])
        if trace.store_down:
            guard = getattr(scope["app"].state, "store_guard", None)
            if guard is not None:
                guard.failed()  # later requests are refused at once until the store is back
        level = logging.DEBUG if route in _QUIET else logging.INFO
        if status >= 500:
            level = logging.WARNING
        if request_log.isEnabledFor(level):
            request_log.log(
                level,
                "request",
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
        command = _command_of(handler) if handler is not None else None
        if command is None:
            return
        outcome = _outcome(status, trace, response["replayed"])
        rule = trace.rule if outcome in ("refused", "invalid") and trace.rule else ""
        COMMANDS.labels(command=command, outcome=outcome, rule=rule).inc()
        if not command_log.isEnabledFor(logging.INFO):
            return
        fields = {"command": command, "outcome": outcome, "status": status}
        if rule:
            fields["rule"] = rule
        if response["etag"] and status < 300:
            fields["version"] = response["etag"]
        command_log.info("command", extra=fields)


class MetricsController(PrometheusController):
    """GET /metrics in the Prometheus text format (scrape it from the internal network only)."""

    path = "/metrics"
    include_in_schema = False


#: The route label of requests that match no route (a bounded label: not the raw path).
UNMATCHED = "unmatched"


class UnmatchedRequests:
    """Around litestar's router: counts, times and logs requests no route matched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._http = HttpMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        answer: dict[str, Any] = {"status": 500, "cid": None}

        async def send_unmatched(message: Message) -> None:
            # A matched route has its handler in scope by now: the middleware sees it.
            if message["type"] == "http.response.start" and "route_handler" not in scope:
                cid = answer["cid"] = _given_or_fresh(scope)
                answer["status"] = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER.encode(), cid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_unmatched)
        finally:
            if "route_handler" not in scope:
                self._record(scope, answer, time.perf_counter() - started)

    def _record(self, scope: Scope, answer: dict[str, Any], seconds: float) -> None:
        method: str = scope.get("method", "GET")  # type: ignore[assignment]
        status = int(answer["status"])
        self._http.finished(self._http.started(method, UNMATCHED), method, UNMATCHED, status, seconds)
        level = logging.WARNING if status >= 500 else logging.INFO
        if request_log.isEnabledFor(level):
            token = CORRELATION_ID.set(answer["cid"] or _given_or_fresh(scope))
            try:
                fields = {"method": method, "route": UNMATCHED, "status": status,
                          "duration_ms": round(seconds * 1000, 2)}  # fmt: skip
                request_log.log(level, "request", extra=fields)
            finally:
                CORRELATION_ID.reset(token)


def _given_or_fresh(scope: Scope) -> str:
    """The client's correlation id when it is a safe token, else a new one (scope unchanged)."""
    return _given(scope) or str(uuid.uuid4())


def observe_unmatched(app: Litestar) -> None:
    """Count and log the requests of `app` that match no route (404, 405) as "unmatched"."""
    app.asgi_handler = UnmatchedRequests(app.asgi_handler)
