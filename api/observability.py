"""Seeing the API at work: correlation ids, one log line per request and per command, metrics.

`ObservabilityMiddleware` runs around every route (inside litestar's exception handling,
so it sees the final status of errors too). It gives the request a correlation id (the
client's `X-Correlation-Id` when it is a plain token, else a new UUID) that the command
context then stamps on the request's events, echoes it in the response, and afterwards
logs the request and, for a command, its outcome, and counts that outcome by command.
The exception mapping (api/problems.py) tells it which rule refused a command.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from litestar import Controller
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.types import ASGIApp, Empty, Message, Receive, Scope, Send
from litestar.utils.helpers import unwrap_partial
from litestar.utils.scope.state import ScopeState

from infra.logs import CORRELATION_ID
from infra.metrics import COMMANDS

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
    if status < 300:
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
    headers = scope["headers"]
    given = next((v for k, v in headers if k == HEADER.encode()), None)
    if given is not None and _SAFE_ID.fullmatch(given.decode("latin-1")):
        return given.decode("latin-1")
    fresh = str(uuid.uuid4())
    scope["headers"] = [(k, v) for k, v in headers if k != HEADER.encode()] + [
        (HEADER.encode(), fresh.encode())
    ]
    ScopeState.from_scope(scope).headers = Empty  # drop a parsed copy made before us
    return fresh


class ObservabilityMiddleware(ASGIMiddleware):
    """Correlation id in and out, a request log line, a command outcome line and counter."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        started = time.perf_counter()
        cid = _given_or_new(scope)
        trace = Trace(cid)
        trace_token, cid_token = _trace.set(trace), CORRELATION_ID.set(cid)
        response: dict[str, Any] = {"status": 500, "replayed": False, "etag": None}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                response["status"] = message["status"]
                headers = list(message.get("headers", []))
                for name, value in headers:
                    if name.lower() == b"idempotent-replayed":
                        response["replayed"] = True
                    elif name.lower() == b"etag":
                        response["etag"] = value.decode("latin-1").strip('"')
                message["headers"] = [*headers, (b"x-correlation-id", cid.encode())]
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            self._record(scope, trace, response, time.perf_counter() - started)
            _trace.reset(trace_token)
            CORRELATION_ID.reset(cid_token)

    def _record(self, scope: Scope, trace: Trace, response: dict[str, Any], seconds: float) -> None:
        handler = scope.get("route_handler")
        route = scope.get("path_template") or scope["path"]
        status = int(response["status"])
        if trace.store_down:
            guard = getattr(scope["app"].state, "store_guard", None)
            if guard is not None:
                guard.failed()  # later requests are refused at once until the store is back
        level = logging.DEBUG if route in _QUIET else logging.INFO
        if status >= 500:
            level = logging.WARNING
        request_log.log(
            level,
            "request",
            extra={
                "method": scope.get("method"),
                "route": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )
        command = command_name(handler) if handler is not None else None
        if command is None:
            return
        outcome = _outcome(status, trace, response["replayed"])
        rule = trace.rule if outcome in ("refused", "invalid") and trace.rule else ""
        COMMANDS.labels(command=command, outcome=outcome, rule=rule).inc()
        fields = {"command": command, "outcome": outcome, "status": status}
        if rule:
            fields["rule"] = rule
        if response["etag"] and status < 300:
            fields["version"] = response["etag"]
        command_log.info("command", extra=fields)


def prometheus_config() -> PrometheusConfig:
    """HTTP requests by route template (not raw path: ids would explode the label set)."""
    return PrometheusConfig(
        app_name="econcierge",
        prefix="econcierge_http",
        group_path=True,
        exclude=["^/metrics$"],
        buckets=[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
    )


class MetricsController(PrometheusController):
    """GET /metrics in the Prometheus text format (scrape it from the internal network only)."""

    path = "/metrics"
    include_in_schema = False
