"""CSRF protection of the console's forms: a signed double-submit token.

A random nonce lives in an HttpOnly, SameSite=Strict cookie; each form carries
HMAC(session token, nonce) in a hidden `csrf_token` field. A POST passes only when the
field matches the cookie it came with and the session it is made in, so a page on
another site can neither read nor forge it (and a browser would not even send the
cookies). Only console routes use it: the bearer-token API stays CSRF-free.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.console.session import SESSION_COOKIE

CSRF_COOKIE = "econcierge_csrf"
CSRF_FIELD = "csrf_token"
STATE_KEY = "console_csrf_nonce"  # a nonce made for this request, to set as a cookie


class CsrfRefused(PermissionDeniedException):
    """A state-changing form without a valid CSRF token (403)."""


def form_token(nonce: str, session_token: str | None) -> str:
    """The token a form must carry for this nonce and session."""
    key = (session_token or "").encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()


def nonce_for(request: Request) -> str:
    """The request's CSRF nonce: its cookie's, or a new one (the page then sets the cookie)."""
    nonce = request.cookies.get(CSRF_COOKIE) or request.state.get(STATE_KEY)
    if not nonce:
        nonce = secrets.token_urlsafe(32)
        request.state[STATE_KEY] = nonce
    return nonce


def new_nonce(request: Request) -> str | None:
    """The nonce this request made (None if the browser already had one)."""
    return request.state.get(STATE_KEY)


def token_for(request: Request) -> str:
    """The hidden `csrf_token` value of forms on this page."""
    return form_token(nonce_for(request), request.cookies.get(SESSION_COOKIE))


async def require_csrf(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard of every console POST: a matching token, sent from this site."""
    request: Request = connection  # type: ignore[assignment]
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise CsrfRefused(detail="a form from another site")
    form = await request.form()
    supplied = str(form.get(CSRF_FIELD) or "")
    nonce = request.cookies.get(CSRF_COOKIE)
    expected = form_token(nonce, request.cookies.get(SESSION_COOKIE)) if nonce else ""
    if not (nonce and supplied and hmac.compare_digest(supplied, expected)):
        raise CsrfRefused(detail="missing or wrong CSRF token")
