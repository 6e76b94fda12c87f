"""Domain errors: every refusal names the business rule that refused it."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the domain raises on purpose."""

    #: How the API should present it: "rule" (409), "invalid" (422), "not_found" (404).
    kind = "rule"

    def __init__(self, message: str, *, rule: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.details = details

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}" if self.rule else self.message


class RuleViolation(DomainError):
    """A command that the contract's rules forbid in the aggregate's current state (409)."""

    kind = "rule"


class InvalidInput(DomainError):
    """Input that can never be valid, whatever the state (422)."""

    kind = "invalid"


class NotFound(DomainError):
    """The thing asked for does not exist (or the caller may not know it exists) (404)."""

    kind = "not_found"


class Conflict(DomainError):
    """The aggregate changed since the caller read it (optimistic concurrency) (409)."""

    kind = "conflict"
