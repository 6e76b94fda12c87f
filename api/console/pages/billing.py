"""Billing (billing role): statements by month with lines, tax split, evidence and
adjustments; closing a month, after a confirmation step."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.di import Provide
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from api.console import billing
from api.console.csrf import require_csrf
from api.console.rendering import page
from api.context import Context, Service, provide_command_context
from domain.errors import InvalidInput
from infra.bootstrap import EConcierge

Month = Annotated[str | None, QueryParameter(pattern=r"^\d{4}-\d{2}$")]
Position = Annotated[int | None, QueryParameter(ge=0)]


def _month(service: EConcierge, text: str | None) -> date:
    """`2026-11` as its first day; by default the month before this one (the one to close)."""
    if text:
        try:
            return date.fromisoformat(f"{text}-01")
        except ValueError:
            raise InvalidInput("month must be YYYY-MM", month=text) from None
    today = service.clock.today()
    return date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)


@get("/billing", sync_to_thread=True)
def statements(
    request: Request, service: Service, month: Month = None, position: Position = None
) -> Template:
    first = _month(service, month)
    billing.wait_for(service, position)  # after a close: show the closed month
    found = billing.statements(service, first)
    return page(
        request,
        "billing.html",
        month=first,
        statements=found,
        evidence=billing.evidence(service, found),
        closed=billing.is_closed(service, first),
        closed_now=request.query_params.get("closed") == "1",
    )


@get("/billing/close", sync_to_thread=True)
def confirm_close(request: Request, service: Service, month: Month = None) -> Template:
    """The confirmation step: what closing means, and one button to do it."""
    first = _month(service, month)
    return page(
        request,
        "billing_close.html",
        month=first,
        key=uuid.uuid4().hex,
        closed=billing.is_closed(service, first),
    )


class CloseMonth(msgspec.Struct, kw_only=True):
    month: str
    key: str = ""  # an idempotency key per confirmation page: a double submit closes once
    csrf_token: str = ""


@post(
    "/billing/close",
    guards=[require_csrf],
    dependencies={"ctx": Provide(provide_command_context)},
    sync_to_thread=True,
    status_code=303,
)
def close_month(service: Service, ctx: Context, data: URLEncodedBody[CloseMonth]) -> Response:
    """Close the month as the API's close does: the command context of the request (its
    correlation id on the events), and, since the handler takes `ctx`, its outcome counted
    and logged as a command (api/observability.py), here as `billing.close_month`."""
    first = _month(service, data.month)
    ctx = msgspec.structs.replace(
        ctx,
        idempotency_key=f"console-close-{data.key}"[:200] if data.key else None,
        fingerprint=f"close {first.isoformat()}",  # the form's body carries a fresh CSRF token
    )
    done = service.close_billing_month(ctx, first)
    return Redirect(
        f"/console/billing?month={first:%Y-%m}&closed=1&position={done.position or 0}",
        status_code=303,
    )


ROUTES = [statements, confirm_close, close_month]
