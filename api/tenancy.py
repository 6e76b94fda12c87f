"""How the policy finds the tenant of the object a request touches, and who is inside it.

A tenant finder answers one question for a customer contact or a concierge: may this
caller see the object the request names? Provider staff never reach a finder (they see
every tenant). An object outside the caller's scope and an unknown id get the same 404,
with the same message the application service gives for an unknown id, so a refusal
never reveals that the object exists.

A finder works in two steps: `lookup` reads what names the object (a path or query
parameter, the body) on the event loop, and returns the check that reads the store; the
guard (api/guards.py) runs that check on a worker thread, the handler's own for a command.

A tenant is named once. litestar hands a handler the last value of a repeated query
parameter, and msgspec keeps the last of a repeated JSON key; a check reading another
value than the handler would let a caller pass its own contract to the check and another
company's to the handler. So `unambiguous` (run by the guard for every role, staff too)
refuses a tenant-naming query parameter or body field given twice with a 422, before
anything is read; what the check reads is then the one value the handler gets.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol
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

    async def unambiguous(self, request: Request) -> None:
        """Refuse (422) a request that names its tenant more than once (every role)."""

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        """Read what names the object (path, query or body: on the event loop) and return the
        check that reads the store, or None when nothing is left to check. Raises NotFound
        or a validation error at once when that is already decided."""


class _ByPath:
    """A path parameter cannot be repeated: nothing to refuse."""

    async def unambiguous(self, request: Request) -> None:
        return None


@dataclass(frozen=True)
class NoTenant(_ByPath):
    """Nothing tenant-owned is named (a quote, a new application): the role check suffices."""

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        return None


class _ContractRef(msgspec.Struct):
    """The one field a body-scoped command names its tenant by (other fields are ignored)."""

    contract_id: UUID


def _given_twice(name: str, source: str) -> ValidationException:
    return ValidationException(
        detail=f"{source} {'parameter' if source == 'query' else 'field'} {name} names the "
        "tenant and may be given only once",
        extra=[{"key": name, "source": source, "message": "given more than once"}],
    )


def query_value(request: Request, name: str) -> str | None:
    """The one value of a tenant-naming query parameter (None when absent; 422 when repeated)."""
    values = request.query_params.getall(name, [])
    if len(values) > 1:
        raise _given_twice(name, "query")
    return values[0] if values else None


def _refuse_repeated_key(body: bytes, name: str) -> None:
    """422 when the JSON object names `name` twice (msgspec would keep the last silently)."""
    if body.count(name.encode()) <= 1 and b"\\" not in body:
        return  # the key cannot occur twice, not even spelt with escapes
    repeated = False

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal repeated
        repeated = repeated or sum(1 for key, _ in items if key == name) > 1
        return dict(items)

    try:
        json.loads(body, object_pairs_hook=pairs)
    except ValueError:
        return  # not JSON: the decoding that follows refuses it
    if repeated:
        raise _given_twice(name, "body")


async def _body_contract_id(request: Request) -> UUID:
    """The body's `contract_id`, decoded as the handler will decode it (msgspec, same rules).

    The guards ran `unambiguous` first: the key is there at most once."""
    try:
        return msgspec.json.decode(await request.body(), type=_ContractRef).contract_id
    except msgspec.DecodeError as error:
        # Fail closed: a body we cannot read a tenant from is refused before the handler runs.
        raise ValidationException(detail=str(error)) from None


def _query_uuid(request: Request, name: str) -> UUID:
    raw = query_value(request, name)
    try:
        return UUID(str(raw))
    except ValueError:
        raise ValidationException(detail=f"query parameter {name} must be a UUID") from None


@dataclass(frozen=True)
class ContractOf:
    """The tenant is a contract named by a path parameter, a query parameter or the body."""

    param: str = "contract_id"
    source: Literal["path", "query", "body"] = "path"

    def __post_init__(self) -> None:
        if self.source == "body" and self.param != "contract_id":
            raise ValueError("a body names its contract in `contract_id` (see _ContractRef)")

    async def unambiguous(self, request: Request) -> None:
        if self.source == "query":
            query_value(request, self.param)
        elif self.source == "body":
            _refuse_repeated_key(await request.body(), self.param)

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
class ObjectOf(_ByPath):
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
class ConciergeProfileOf(_ByPath):
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


@dataclass(frozen=True)
class DispatchBoardOf:
    """Whose dispatch board (O3) a caller reads, named by an optional query parameter.

    A concierge reads its own board only: naming another concierge's is a 404, as for an
    unknown id (like any object outside the caller's scope, another's board is never
    revealed); naming none reads its own. Provider staff read any board, or every open
    ticket. `board` is what the handler filters the view by, so the narrowing to a
    concierge's own board lives here too, beside the refusal.
    """

    param: str = "concierge_id"
    source: Literal["query"] = "query"

    async def unambiguous(self, request: Request) -> None:
        query_value(request, self.param)

    async def lookup(self, principal: Principal, request: Request, service: EConcierge) -> Check | None:
        asked = query_value(request, self.param)
        if principal.role is not Role.CONCIERGE or (
            asked is not None and not same_id(asked, principal.concierge_id)
        ):
            raise NotFound(f"no concierge with id {asked}")
        return None

    def board(self, principal: Principal, asked: str | None) -> str | None:
        """The concierge whose board to read (None: every open ticket, for staff only)."""
        if principal.role is Role.CONCIERGE:
            return canonical(principal.concierge_id)  # its own (another's was refused above)
        if principal.role in (Role.OPERATOR, Role.BILLING, Role.COMPLIANCE):
            return canonical(asked) if asked is not None else None
        raise NotFound(f"no concierge with id {asked}")  # fail closed: no board of its own


NO_TENANT = NoTenant()
