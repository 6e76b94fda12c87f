"""The OpenAPI description of what every /v1 operation may answer besides success.

Every error is an RFC 9457 problem-details document (api/problems.py); declaring them
keeps the published contract honest (tests/api/test_fuzz.py checks responses against it).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Components, SecurityScheme
from litestar.routes import BaseRoute, HTTPRoute

PROBLEM_JSON = "application/problem+json"
BEARER = "BearerToken"


class Problem(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details; a refusal by a business rule adds `rule` and its details."""

    status: int
    title: str
    type: str
    detail: str | None = None
    rule: str | None = None


_WHEN = {
    400: "Malformed JSON or request syntax",
    401: "No bearer token, or one that cannot be trusted",
    403: "The caller's role may not use this endpoint",
    404: "No such object, or one outside the caller's contracts",
    409: "Refused by a business rule, or a concurrent change (retry with fresh state)",
    413: "The request body is larger than the server accepts",
    422: "Input that can never be valid (wrong types, unknown fields, oversize values)",
    503: "The event store is unreachable; retry after the Retry-After seconds",
}

PROBLEM_RESPONSES: dict[int, ResponseSpec] = {
    status: ResponseSpec(
        data_container=Problem, description=text, media_type=PROBLEM_JSON, generate_examples=False
    )
    for status, text in _WHEN.items()
}

SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="Get a development token with `econcierge token --role ... --sub ...`.",
        )
    }
)


def document_problems(routes: Iterable[BaseRoute], prefix: str = "/v1") -> None:
    """Declare the problem responses on every operation under `prefix` (handler's own win)."""
    for route in routes:
        if not (isinstance(route, HTTPRoute) and route.path.startswith(prefix)):
            continue
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler) and "OPTIONS" not in handler.http_methods:
                handler.responses = {**PROBLEM_RESPONSES, **(handler.responses or {})}
