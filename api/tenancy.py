"""How the policy finds the tenant of the object a request touches, and who is inside it.

A tenant finder answers one question for a customer contact or a concierge: may this
caller see the object the request names? Provider staff never reach a finder (they see
every tenant). An object outside the caller's scope and an unknown id get the same 404,
with the same message the application service gives for an unknown id, so a refusal
never reveals that the object exists.

A finder works in two steps: `lookup` reads what names the object (a path or query
parameter, the body) on the event loop, and returns the check that reads the store; the
guard (api/guards.py) runs that check on a worker thread, the handler's own for a command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

import msgspec
from litestar import Request
from litestar.exceptions import ValidationException

from api.identity import Principal
from domain.errors import NotFound
from domain.meta import Role
from infra.application import Scope
from infra.bootstrap import EConcierge


def same_id(a: object, b: object) -> bool:
    """Ids compare as canonical UUIDs when they are UUIDs (case and dashes do not matter)."""
    return canonical(a) == canonical(b)


def canonical(value: object) -> str:
    try:
        return str(UUID(str(value)))
    except ValueError:
        return str(value)


def inside(principal: Principal, scope: Scope) -> bool:
    """A customer contact acts for the scope's contract; a concierge serves it."""
    if principal.role is Role.CUSTOMER:
        return canonical(scope.contract_id) in {canonical(c) for c in principal.contract_ids}
    if principal.role is Role.CONCIERGE:
        mine = canonical(principal.concierge_id)
        return any(canonical(c) == mine for c in scope.concierge_ids)
    return False


#: The blocking part of a tenant check: reads the store, raises NotFound (404) when the
#: caller may not touch the object. The guard runs it on a worker thread (api/guards.py).
Check = Callable[[], None]


class TenantFinder(Protocol):
    """Decides whether a (customer or concierge) caller may touch the requested object."""

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        """Read what names the object (path, query or body: on the event loop) and return the
        check that reads the store, or None when nothing is left to check. Raises NotFound
        or a validation error at once when that is already decided."""


@dataclass(frozen=True)
class NoTenant:
    """Nothing tenant-owned is named (a quote, a new application): the role check suffices."""

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        return None


class _ContractRef(msgspec.Struct):
    """The one field a body-scoped command names its tenant by (other fields are ignored)."""

    contract_id: UUID


async def _body_contract_id(request: Request) -> UUID:
    """The body's `contract_id`, decoded as the handler will decode it (msgspec, same rules)."""
    try:
        return msgspec.json.decode(await request.body(), type=_ContractRef).contract_id
    except msgspec.DecodeError as error:
        # Fail closed: a body we cannot read a tenant from is refused before the handler runs.
        raise ValidationException(detail=str(error)) from None


def _query_uuid(request: Request, name: str) -> UUID:
    raw = request.query_params.get(name)
    try:
        return UUID(str(raw))
    except ValueError:
        raise ValidationException(detail=f"query parameter {name} must be a UUID") from None


@dataclass(frozen=True)
class ContractOf:
    """The tenant is a contract named by a path parameter, a query parameter or the body."""

    param: str = "contract_id"
    source: Literal["path", "query", "body"] = "path"

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        if self.source == "body":
            contract_id = await _body_contract_id(request)
        elif self.source == "query":
            contract_id = _query_uuid(request, self.param)
        else:
            contract_id = request.path_params[self.param]

        def check() -> None:
            if not inside(principal, service.contract_scope(contract_id)):
                raise NotFound(f"no contract with id {contract_id}")

        return check


@dataclass(frozen=True)
class ObjectOf:
    """The tenant of an object named by a path parameter, from the service's scope lookup."""

    kind: type  # the aggregate class: the 404 reads as the service's own "no <kind> with id"
    param: str
    lookup_scope: Callable[[EConcierge, UUID], Scope]  # e.g. EConcierge.ticket_scope

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        object_id = request.path_params[self.param]

        def check() -> None:
            if not inside(principal, self.lookup_scope(service, object_id)):
                raise NotFound(f"no {self.kind.__name__.lower()} with id {object_id}")

        return check


def _related_concierges(service: EConcierge, contract_ids: frozenset[str]) -> set[str]:
    """Concierges serving, or proposed to, any of these contracts (K4: the customer interviews)."""
    related: set[str] = set()
    for contract_id in contract_ids:
        try:
            assignments = service.assignments_of(UUID(contract_id))
        except (ValueError, NotFound):
            continue
        for assignment in assignments:
            related |= {canonical(c) for c in assignment.serving_concierge_ids}
            if assignment.candidate_concierge_id is not None:
                related.add(canonical(assignment.candidate_concierge_id))
    return related


@dataclass(frozen=True)
class ConciergeProfileOf:
    """A concierge's profile: the concierge itself, or a customer it serves or is proposed to."""

    param: str = "concierge_id"

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        concierge_id = request.path_params[self.param]
        if principal.role is Role.CONCIERGE:
            if not same_id(principal.concierge_id, concierge_id):
                raise NotFound(f"no concierge with id {concierge_id}")
            return None

        def check() -> None:
            related = _related_concierges(service, principal.contract_ids)
            if not (principal.role is Role.CUSTOMER and canonical(concierge_id) in related):
                raise NotFound(f"no concierge with id {concierge_id}")

        return check


NO_TENANT = NoTenant()
