"""Signing in (paste a bearer token), signing out, the language switch and the home page."""

from __future__ import annotations

import posixpath
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import unquote, urlsplit

import msgspec
from litestar import Request, Response, get, post
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from api.console.access import PUBLIC
from api.console.csrf import require_csrf
from api.console.i18n import LANGUAGE_COOKIE, choose
from api.console.rendering import page
from api.console.session import (
    COOKIE_PATH,
    SESSION_COOKIE,
    expired_cookie,
    over_tls,
    session_cookie,
)
from api.identity import API_ROLES
from infra.tokens import TokenError, TokenService

HOME = "/console"
ONE_YEAR = 365 * 24 * 3600


def safe_next(target: str | None) -> str:
    """Where to go after signing in or switching language: a console page of this site,
    never elsewhere (no other host, no path that leaves /console once the browser resolves
    its dot segments, encoded or not, and no whitespace or control characters)."""
    if not target or target.startswith("//") or "\\" in target:
        return HOME  # `//host` and `/\host` are other hosts to a browser
    if any(c.isspace() or not c.isprintable() for c in target):
        return HOME
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return HOME
    resolved = posixpath.normpath(unquote(parts.path))
    if resolved == HOME or resolved.startswith(HOME + "/"):
        return target
    return HOME


class SignIn(msgspec.Struct, kw_only=True):
    token: str = ""
    next: str = HOME
    csrf_token: str = ""


@get("/sign-in", opt=PUBLIC, sync_to_thread=False)
def sign_in_form(
    request: Request, next_: Annotated[str | None, QueryParameter(name="next")] = None
) -> Template:
    return page(request, "sign_in.html", next=safe_next(next_), failed=False)


@post("/sign-in", opt=PUBLIC, guards=[require_csrf], sync_to_thread=False, status_code=303)
def sign_in(request: Request, data: URLEncodedBody[SignIn]) -> Response:
    """Verify the pasted token as the API would; the session cookie expires with it."""
    tokens: TokenService = request.app.state.tokens
    try:
        claims = tokens.verify(data.token.strip())
    except TokenError:
        claims = None
    if claims is None or claims.role not in API_ROLES:
        return page(request, "sign_in.html", status=401, next=safe_next(data.next), failed=True)
    response: Response = Redirect(safe_next(data.next), status_code=303)
    expires = datetime.fromtimestamp(claims.exp, UTC)
    response.set_cookie(session_cookie(data.token.strip(), expires, secure=over_tls(request)))
    return response


@post("/sign-out", guards=[require_csrf], sync_to_thread=False, status_code=303)
def sign_out(request: Request) -> Response:
    response: Response = Redirect("/console/sign-in", status_code=303)
    response.set_cookie(expired_cookie(SESSION_COOKIE, secure=over_tls(request)))
    return response


@get("/language", opt=PUBLIC, sync_to_thread=False)
def language(
    request: Request,
    to: Annotated[str, QueryParameter(max_length=5)],
    next_: Annotated[str | None, QueryParameter(name="next")] = None,
) -> Response:
    """Switch the console's language (a preference cookie; nothing on the server changes)."""
    response: Response = Redirect(safe_next(next_), status_code=303)
    response.set_cookie(
        LANGUAGE_COOKIE,
        choose(to),
        path=COOKIE_PATH,
        max_age=ONE_YEAR,
        httponly=True,
        secure=over_tls(request),
        samesite="strict",
    )
    return response


@get("/", sync_to_thread=False)
def home(request: Request) -> Template:
    return page(request, "home.html")


ROUTES = [sign_in_form, sign_in, sign_out, language, home]
