"""The console's session: a cookie holding the bearer token the user pasted at sign-in.

The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page sends
it), Secure when the console is served over TLS, scoped to /console (the API never sees
it, so the API stays bearer-only and CSRF-free), and expires with the token. The session
middleware presents the cookie to `api.identity.identify` as the bearer token, so the
console knows its caller exactly as the API does.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from http.cookies import CookieError, SimpleCookie

from litestar import Request
from litestar.datastructures import Cookie
from litestar.types import ASGIApp, Receive, Scope, Send
from litestar.utils.empty import Empty
from litestar.utils.scope.state import ScopeState

SESSION_COOKIE = "econcierge_session"
COOKIE_PATH = "/console"


def over_tls(request: Request) -> bool:
    """Served over TLS (directly, or behind a proxy uvicorn trusts for X-Forwarded-Proto)."""
    return request.url.scheme == "https"


def session_cookie(token: str, expires_at: datetime, *, secure: bool) -> Cookie:
    """The session cookie for `token`, expiring when the token does."""
    seconds = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path=COOKIE_PATH,
        max_age=seconds,  # the browser forgets it when the token expires
        httponly=True,
        secure=secure,
        samesite="strict",
    )


def expired_cookie(name: str, *, secure: bool) -> Cookie:
    """Tells the browser to forget the cookie `name`."""
    return Cookie(
        key=name,
        value="",
        path=COOKIE_PATH,
        max_age=0,
        httponly=True,
        secure=secure,
        samesite="strict",
    )


def _cookies(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    for name, value in headers:
        if name.lower() == b"cookie":
            with contextlib.suppress(CookieError):  # a malformed cookie header is no session
                jar.load(value.decode("latin-1"))
    return {key: morsel.value for key, morsel in jar.items()}


def present_session(scope: Scope) -> None:
    """Replace any Authorization header by the session cookie's token (console routes only)."""
    headers = [(k, v) for k, v in scope["headers"] if k.lower() != b"authorization"]
    token = _cookies(scope["headers"]).get(SESSION_COOKIE)
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode("latin-1")))
    scope["headers"] = headers
    state = ScopeState.from_scope(scope)
    state.headers = Empty  # nothing may keep the headers as they were before
    state.cookies = Empty


def session_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware of the console router: the cookie becomes the request's bearer token."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            present_session(scope)
        await app(scope, receive, send)

    return middleware
