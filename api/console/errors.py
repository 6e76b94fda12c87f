"""Console error pages: sign-in for no session, 403 and 404 pages as the API's statuses say."""

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
from litestar.response import Redirect
from litestar.types import ExceptionHandlersMap

from api.console.csrf import CsrfRefused
from api.console.rendering import page
from api.console.session import SESSION_COOKIE, expired_cookie, over_tls
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
