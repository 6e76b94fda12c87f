"""Checks a ticket's commands share: who may act, whether the contract is in service."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from domain.aggregates.contract import Contract, ContractStatus
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role


def require_role(cause: Cause, allowed: Iterable[Role], *, rule: str, action: str) -> None:
    """Refuse a command whose actor's role may not do it (the rule says who may)."""
    roles = tuple(allowed)
    if cause.role not in roles:
        names = " or ".join(str(role) for role in roles)
        raise RuleViolation(
            f"only the {names} may {action}, not the {cause.role}", rule=rule, role=cause.role
        )


def require_in_service(contract: Contract, today: date) -> None:
    """Refuse work on a contract that is not in service today (rules C1, C4)."""
    if contract.is_in_service(today):
        return
    if contract.status is ContractStatus.APPLIED or today < contract.service_start_date:
        pending = "" if contract.status is ContractStatus.ACTIVE else ", once the contract is started (C6)"
        raise RuleViolation(
            f"the contract is not in service yet: service starts on {contract.service_start_date}"
            f"{pending}",
            rule="C1",
            contract_id=contract.id,
            service_start_date=contract.service_start_date,
        )
    raise RuleViolation("the contract is no longer in service", rule="C4", contract_id=contract.id)


def required_text(value: str | None, name: str, *, rule: str) -> str:
    """The stripped text, or a 422 naming the missing field."""
    if value is None or not value.strip():
        raise InvalidInput(f"{name} must not be empty", rule=rule, field=name)
    return value.strip()


def optional_text(value: str | None) -> str | None:
    """The stripped text, or None for missing or blank."""
    return value.strip() if value and value.strip() else None


def positive_amount(amount: int, *, rule: str) -> int:
    """Amounts of quotes and sales are whole yen above zero (money is integer yen)."""
    if amount <= 0:
        raise InvalidInput(f"an amount must be a positive number of yen, got {amount}", rule=rule)
    return amount
