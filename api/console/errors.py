"""Console error pages: sign-in for no session, 403 and 404 pages as the API's statuses say.

The console router's own handlers (`HANDLERS`) answer errors of its pages. Errors raised
while routing (a path no page has, an id that is not a UUID, a method a page does not take)
come before any router: `routing_errors` answers those of /console paths with the same
pages and security headers, and leaves every other path to the app's previous handler.
"""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.exceptions.responses import create_exception_response
from litestar.response import Redirect
from litestar.types import ExceptionHandler, ExceptionHandlersMap

from api.console.csrf import CsrfRefused
from api.console.headers import SECURITY_HEADERS
from api.console.rendering import page
from api.console.session import (
    COOKIE_PATH,
    SESSION_COOKIE,
    expired_cookie,
    over_tls,
    present_session,
)
from api.observability import note_problem
from domain.errors import DomainError

_STATUS = {"rule": 409, "conflict": 409, "invalid": 422, "not_found": 404}


def _sign_in(request: Request, _: NotAuthorizedException) -> Response:
    """No session, or one whose token expired: to the sign-in page, then back here."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response: Response = Redirect(
        f"/console/sign-in?next={quote(target, safe='')}", status_code=303
    )
    if SESSION_COOKIE in request.cookies:
        response.set_cookie(expired_cookie(SESSION_COOKIE, secure=over_tls(request)))
    return response


def _forbidden(request: Request, error: PermissionDeniedException) -> Response:
    reason = "error.csrf" if isinstance(error, CsrfRefused) else "error.forbidden_detail"
    return page(
        request, "error.html", status=403, code=403, title_key="error.forbidden", reason=reason
    )


def _not_found(request: Request, _: Exception) -> Response:
    return page(
        request,
        "error.html",
        status=404,
        code=404,
        title_key="error.not_found",
        reason="error.not_found_detail",
    )


def _domain(request: Request, error: DomainError) -> Response:
    note_problem(error.kind, error.rule)  # a command's outcome is counted as the API counts it
    if error.kind == "not_found":
        return _not_found(request, error)
    status = _STATUS.get(error.kind, 422)
    return page(
        request,
        "error.html",
        status=status,
        code=status,
        title_key="error.refused",
        reason=None,
        message=error.message,
        rule=error.rule,
    )


def _invalid(request: Request, error: HTTPException) -> Response:
    return page(
        request,
        "error.html",
        status=400,
        code=400,
        title_key="error.invalid",
        reason=None,
        message=str(error.detail),
        rule=None,
    )


HANDLERS: ExceptionHandlersMap = {
    NotAuthorizedException: _sign_in,
    PermissionDeniedException: _forbidden,
    NotFoundException: _not_found,
    ValidationException: _invalid,
    DomainError: _domain,
}


def _other(request: Request, error: HTTPException) -> Response:
    """Any other client error of a console path (e.g. 405): a page with its status."""
    status = error.status_code if 400 <= error.status_code < 500 else 400
    return page(
        request,
        "error.html",
        status=status,
        code=status,
        title_key="error.not_possible",
        reason="error.not_possible_detail",
    )


def is_console_path(path: str) -> bool:
    return path == COOKIE_PATH or path.startswith(COOKIE_PATH + "/")


def _console_answer(request: Request, error: HTTPException) -> Response:
    present_session(request.scope)  # the page shows who is signed in, as the console's own do
    handler = next((HANDLERS[c] for c in type(error).__mro__ if c in HANDLERS), _other)
    response = handler(request, error)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def routing_errors(previous: ExceptionHandler | None) -> ExceptionHandler:
    """The app's handler of HTTP errors: console pages on /console paths, else `previous`."""

    def handle(request: Request, error: HTTPException) -> Response:
        if is_console_path(request.url.path):
            return _console_answer(request, error)
        if previous is not None:
            return previous(request, error)
        return create_exception_response(request, error)

    return handle
