"""Who may open which console page: the API's own role and tenant rules, applied to pages.

Each page names the API endpoint whose data it shows (`mirror`): it admits exactly the
roles that endpoint admits, and checks the tenant with the same finders as the API
(api/tenancy.py), read from the page's own path. Pages without an API counterpart yet
use the policy module's own constructors. As in the API: no session → sign in; a role
not listed → 403 page; an object outside the caller's tenant, or unknown → 404 page; a
page with no rule is refused to everyone.
"""

from __future__ import annotations

import anyio.to_thread
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from api.identity import API_ROLES, Principal, identify
from api.policy import (
    BILLING,
    COMPLIANCE,
    CONTRACT,
    OPERATOR,
    STAFF,
    TICKET,
    Rule,
    read,
    rule_for,
)
from api.tenancy import NO_TENANT, TenantFinder

PUBLIC = {"public": True}  # route opt of pages anyone may open (sign-in, language)


def mirror(endpoint: str, tenant: TenantFinder = NO_TENANT) -> Rule:
    """The roles of an API endpoint's rule, with the tenant found in the page's path."""
    method, _, path = endpoint.partition(" ")
    rule = rule_for(method, path)
    if rule is None:
        raise LookupError(f"the console mirrors {endpoint}, which has no API rule")
    return Rule(rule.roles, tenant, reads=rule.reads)


SIGNED_IN = read(*API_ROLES)

PAGES: dict[str, Rule] = {
    "GET /console": SIGNED_IN,
    "POST /console/sign-out": SIGNED_IN,
    # Dispute view: the audit trail's readers (operator, compliance), one subject at a time.
    "GET /console/disputes": mirror("GET /v1/audit"),
    "GET /console/disputes/contracts/{contract_id}": mirror("GET /v1/audit", CONTRACT),
    "GET /console/disputes/contracts/{contract_id}/export": mirror(
        "GET /v1/audit/export", CONTRACT
    ),
    "GET /console/disputes/tickets/{ticket_id}": mirror("GET /v1/audit", TICKET),
    "GET /console/disputes/tickets/{ticket_id}/export": mirror("GET /v1/audit/export", TICKET),
    # Contracts: the operator's list; a contract's page is read as the API reads it, so a
    # customer contact sees its own company's contract and gets 404 for any other.
    "GET /console/contracts": read(OPERATOR),
    "GET /console/contracts/{contract_id}": mirror("GET /v1/contracts/{contract_id}", CONTRACT),
    # Dispatch board (O3): a concierge sees only its own board (the view filters).
    "GET /console/dispatch": mirror("GET /v1/dispatch"),
    # Billing: the statement readers of the API but customers (the page shows every
    # company's statements of a month); closing a month is billing's (P14).
    "GET /console/billing": read(BILLING, OPERATOR, COMPLIANCE),
    "GET /console/billing/close": mirror("POST /v1/billing/periods/{month}/close"),
    "POST /console/billing/close": mirror("POST /v1/billing/periods/{month}/close"),
}

#: The main pages, in menu order: (page key, href, message key of the label).
MENU = (
    ("GET /console/disputes", "/console/disputes", "nav.disputes"),
    ("GET /console/contracts", "/console/contracts", "nav.contracts"),
    ("GET /console/dispatch", "/console/dispatch", "nav.dispatch"),
    ("GET /console/billing", "/console/billing", "nav.billing"),
)


def page_key(request: ASGIConnection) -> str:
    method = request.scope.get("method", "GET")
    template = request.scope.get("path_template", "").rstrip("/") or "/"
    return f"{method} {template}"


def may_open(principal: Principal, key: str) -> bool:
    """Whether the principal's role may open a page (the tenant is checked on the page)."""
    rule = PAGES.get(key)
    return rule is not None and principal.role in rule.roles


async def authorise_page(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Guard of the console router: sign-in, role (403) and tenant (404), as the API does."""
    if handler.opt.get("public"):
        return
    principal = identify(connection)  # type: ignore[arg-type]  # no session: sign-in page
    key = page_key(connection)
    rule = PAGES.get(key)
    if rule is None:
        raise PermissionDeniedException(detail=f"no console rule for {key}")
    if principal.role not in rule.roles:
        raise PermissionDeniedException(detail=f"role {principal.role} may not open {key}")
    request: Request = connection  # type: ignore[assignment]
    await rule.tenant.unambiguous(request)  # a tenant named twice: refused, as by the API
    if principal.role in STAFF:
        return  # provider staff are not limited to a tenant
    check = await rule.tenant.lookup(principal, request, request.app.state.service)
    if check is not None:
        await anyio.to_thread.run_sync(check)  # it reads the store (api/tenancy.py)
