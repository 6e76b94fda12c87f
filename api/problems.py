"""One place that turns exceptions into RFC 9457 problem details (never a traceback)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

from api.observability import correlation_id, note_problem
from domain.errors import DomainError
from infra.metrics import STORE_ERRORS
from infra.outage import OUTAGE_ERRORS, RETRY_AFTER_SECONDS, StoreUnavailable, is_busy

log = logging.getLogger("econcierge.errors")

PROBLEM_BASE = "https://econcierge.example/problems/"

# Documented in README ("Errors"): a rule that refuses a command in the current state is a
# 409 Conflict; input that can never be valid is a 422; an unknown id is a 404.
_STATUS = {"rule": 409, "conflict": 409, "invalid": 422, "not_found": 404}
_TITLES = {
    "rule": "Refused by a business rule",
    "conflict": "Concurrent change",
    "invalid": "Invalid input",
    "not_found": "Not found",
}


def _jsonable(value: Any) -> Any:
    return msgspec.to_builtins(value)


def domain_problem(error: DomainError) -> ProblemDetailsException:
    note_problem(error.kind, error.rule)
    extra: dict[str, Any] = {}
    if error.rule:
        extra["rule"] = error.rule
    extra.update(_jsonable(error.details))
    return ProblemDetailsException(
        status_code=_STATUS.get(error.kind, 422),
        title=_TITLES.get(error.kind, "Refused"),
        detail=error.message,
        type_=PROBLEM_BASE + (error.rule or error.kind),
        extra=extra,
    )


def validation_problem(error: ValidationException) -> ProblemDetailsException:
    """Malformed JSON is a 400; well-formed JSON with wrong or missing fields is a 422."""
    errors = error.extra if isinstance(error.extra, list) else []
    malformed = any(
        "malformed" in str(e.get("message", "")).lower() for e in errors if isinstance(e, dict)
    )
    malformed = malformed or "malformed" in str(error.detail).lower()
    return ProblemDetailsException(
        status_code=400 if malformed else 422,
        title="Malformed JSON" if malformed else "Invalid input",
        detail=str(error.detail),
        type_=PROBLEM_BASE + ("malformed-json" if malformed else "invalid-input"),
        extra={"errors": _jsonable(errors)} if errors else None,
        headers=error.headers,
    )


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Refused"


def http_problem(error: HTTPException) -> ProblemDetailsException:
    if error.status_code >= 500:
        return internal_problem(error)
    # RFC 9457: the title is the same for every occurrence of a type; the detail varies.
    return ProblemDetailsException(
        status_code=error.status_code,
        title=_status_phrase(error.status_code),
        detail=str(error.detail),
        type_=PROBLEM_BASE + str(error.status_code),
        extra=error.extra if isinstance(error.extra, dict) else None,
        headers=error.headers,
    )


def outage_problem(error: Exception) -> ProblemDetailsException:
    """The event store is unreachable: retry later with the same Idempotency-Key.

    An append is one transaction, so a command is recorded whole or not at all. If the
    connection died just as a commit went through, the retry with the same key replays
    the recorded result instead of recording it twice.
    """
    note_problem("unavailable", store_down=not is_busy(error))
    STORE_ERRORS.labels(error=type(error).__name__).inc()
    log.warning("event store unavailable: %s", type(error).__name__)  # the message may hold a host
    return ProblemDetailsException(
        status_code=503,
        title="Service unavailable",
        detail="The event store cannot be reached just now. Retry in "
        f"{RETRY_AFTER_SECONDS} seconds with the same Idempotency-Key: a command is recorded "
        "whole or not at all, and a retry never records it twice.",
        type_=PROBLEM_BASE + "store-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def internal_problem(error: Exception) -> ProblemDetailsException:
    """An unexpected failure: logged with its traceback, answered without one."""
    note_problem("error")
    log.error("unexpected %s", type(error).__name__, exc_info=error)
    cid = correlation_id()
    return ProblemDetailsException(
        status_code=500,
        title="Internal server error",
        detail="An unexpected error occurred and was logged"
        + (f"; quote correlation id {cid} when you report it." if cid else "."),
        type_=PROBLEM_BASE + "internal-error",
        extra={"correlation_id": cid} if cid else None,
    )


def problem_details_config() -> ProblemDetailsConfig:
    outages = {kind: outage_problem for kind in (*OUTAGE_ERRORS, StoreUnavailable)}
    return ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            DomainError: domain_problem,
            ValidationException: validation_problem,
            HTTPException: http_problem,
            **outages,
            Exception: internal_problem,  # anything else: a 500 problem, never a traceback
        },
    )
