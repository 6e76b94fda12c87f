"""Route guards: every /v1 route needs a verified caller."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from api.identity import identify


def authenticated(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """401 unless the request carries a valid bearer token."""
    identify(connection)  # type: ignore[arg-type]
