"""One place that turns exceptions into RFC 9457 problem details (never a traceback)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.exceptions import HTTPException, ValidationException
from litestar.plugins.problem_details import ProblemDetailsConfig, ProblemDetailsException

from domain.errors import DomainError

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
    malformed = any("malformed" in str(e.get("message", "")).lower() for e in errors if isinstance(e, dict))
    malformed = malformed or "malformed" in str(error.detail).lower()
    return ProblemDetailsException(
        status_code=400 if malformed else 422,
        title="Malformed JSON" if malformed else "Invalid input",
        detail=str(error.detail),
        type_=PROBLEM_BASE + ("malformed-json" if malformed else "invalid-input"),
        extra={"errors": _jsonable(errors)} if errors else None,
        headers=error.headers,
    )


def http_problem(error: HTTPException) -> ProblemDetailsException:
    return ProblemDetailsException(
        status_code=error.status_code,
        title=str(error.detail),
        detail=str(error.detail),
        type_=PROBLEM_BASE + str(error.status_code),
        extra=error.extra if isinstance(error.extra, dict) else None,
        headers=error.headers,
    )


def problem_details_config() -> ProblemDetailsConfig:
    return ProblemDetailsConfig(
        enable_for_all_http_exceptions=True,
        exception_to_problem_detail_map={
            DomainError: domain_problem,
            ValidationException: validation_problem,
            HTTPException: http_problem,
        },
    )
