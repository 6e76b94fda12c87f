"""Who may do what: the one authorisation table of the API (domain-rules.md, Actors).

Each /v1 endpoint, keyed "METHOD /v1/path/{param}" (litestar's path template), names the
roles that may call it and how the tenant of the object it touches is found. The router
guard (api/guards.py) enforces it: a role not listed gets 403; a customer contact or a
concierge asking for an object outside its scope gets 404, as for an unknown id. Provider
staff (operator, billing, compliance) are not tenant-scoped. An endpoint with no entry
is refused (403) and fails tests/api/test_authorisation_matrix.py.

Decisions (where the Actors table leaves room):
- On a customer's behalf (a request by phone or mail) the operator may request or withdraw
  a cancellation, schedule an interview, open a ticket; the event names the operator.
  It may not accept or reject a concierge, instruct work (O5) or answer a risk (O6): those
  are the customer's own decisions, and the liability view relies on them (L2, L6).
- On a concierge's behalf the operator may log a visit, classify, quote or refer extra
  work, record a sale; disclosing risks, starting work, vendor calls and work slips are
  the concierge's own acts.
- Concierges read the contracts they serve (they need the sites and options), their
  own profile and their own dispatch board (another concierge's board is a 404, never a
  403: like any object outside the caller's scope, its existence is not revealed); a
  customer reads the profile of a concierge serving it or proposed to it.
- A tenant is named once: a tenant-naming query parameter or body field given twice is a
  422 for every role (api/tenancy.py says why).
- Billing and compliance read contracts, assignments and tickets, never send an
  operational command (`command()` refuses them); compliance reads the audit views.
  Billing's views are `read(...)` rules and its month close a `month_close()` rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api.tenancy import (
    NO_TENANT,
    ConciergeProfileOf,
    ContractOf,
    DispatchBoardOf,
    ObjectOf,
    TenantFinder,
)
from domain.aggregates.concierge_assignment import ConciergeAssignment
from domain.aggregates.liability_claim import LiabilityClaim
from domain.aggregates.ticket import Ticket
from domain.meta import Role
from infra.bootstrap import EConcierge

CUSTOMER, CONCIERGE, OPERATOR = Role.CUSTOMER, Role.CONCIERGE, Role.OPERATOR
BILLING, COMPLIANCE = Role.BILLING, Role.COMPLIANCE

#: Provider staff see every tenant; the others are limited to their contract(s).
STAFF = frozenset({OPERATOR, BILLING, COMPLIANCE})
#: Roles that may read anything operational, whoever it belongs to.
STAFF_READERS = STAFF


@dataclass(frozen=True)
class Rule:
    """Roles allowed on one endpoint, and where its tenant comes from."""

    roles: frozenset[Role]
    tenant: TenantFinder = field(default=NO_TENANT)
    reads: bool = False  # true for views: never changes state


def read(*roles: Role, tenant: TenantFinder = NO_TENANT) -> Rule:
    """A view: any role may be granted it."""
    return Rule(frozenset(roles), tenant, reads=True)


def command(*roles: Role, tenant: TenantFinder = NO_TENANT) -> Rule:
    """An operational command: billing and compliance may never send one."""
    if {BILLING, COMPLIANCE} & set(roles):
        raise ValueError("billing and compliance are read-only for operational commands")
    return Rule(frozenset(roles), tenant)


def month_close(tenant: TenantFinder = NO_TENANT) -> Rule:
    """Closing a billing month: billing's one command (POST /v1/billing/periods/{month}/close)."""
    return Rule(frozenset({BILLING}), tenant)


CONTRACT = ContractOf("contract_id")
CONTRACT_IN_QUERY = ContractOf("contract_id", source="query")
CONTRACT_IN_BODY = ContractOf("contract_id", source="body")
ASSIGNMENT = ObjectOf(ConciergeAssignment, "assignment_id", EConcierge.assignment_scope)
PROFILE = ConciergeProfileOf("concierge_id")
TICKET = ObjectOf(Ticket, "ticket_id", EConcierge.ticket_scope)
CLAIM = ObjectOf(LiabilityClaim, "claim_id", EConcierge.claim_scope)
#: A concierge's own dispatch board; the handler reads the board this rule narrows to.
DISPATCH_BOARD = DispatchBoardOf("concierge_id")

POLICY: dict[str, Rule] = {
    # Contracts and quotes: the operator quotes and creates contracts (Actors: operator).
    "POST /v1/quotes": read(OPERATOR),  # computes, changes nothing
    "POST /v1/contracts": command(OPERATOR),
    "GET /v1/contracts/{contract_id}": read(
        *STAFF_READERS, CUSTOMER, CONCIERGE, tenant=CONTRACT
    ),
    "POST /v1/contracts/{contract_id}/start": command(OPERATOR, tenant=CONTRACT),
    "POST /v1/contracts/{contract_id}/client-count": command(OPERATOR, tenant=CONTRACT),
    "POST /v1/contracts/{contract_id}/fee": command(OPERATOR, tenant=CONTRACT),
    "POST /v1/contracts/{contract_id}/nda": command(OPERATOR, tenant=CONTRACT),
    # The customer requests (or withdraws) cancellation; the operator records a phone/mail one.
    "POST /v1/contracts/{contract_id}/cancellation": command(CUSTOMER, OPERATOR, tenant=CONTRACT),
    "DELETE /v1/contracts/{contract_id}/cancellation": command(CUSTOMER, OPERATOR, tenant=CONTRACT),
    "POST /v1/contracts/{contract_id}/end": command(OPERATOR, tenant=CONTRACT),
    # Concierges (K1) and assignments (K2-K5): the operator proposes and forms teams; the
    # customer interviews, accepts or rejects, and asks for a replacement (the domain checks
    # these roles too). Accepting is the customer's own choice: no operator on its behalf.
    # A concierge reads its own profile; a customer the profile of a concierge serving it
    # or proposed to it (K4: it interviews the candidate).
    "POST /v1/concierges": command(OPERATOR),
    "GET /v1/concierges/{concierge_id}": read(*STAFF_READERS, CONCIERGE, CUSTOMER, tenant=PROFILE),
    "PATCH /v1/concierges/{concierge_id}": command(OPERATOR),
    "POST /v1/assignments": command(OPERATOR, tenant=CONTRACT_IN_BODY),
    "GET /v1/contracts/{contract_id}/assignments": read(
        *STAFF_READERS, CUSTOMER, CONCIERGE, tenant=CONTRACT
    ),
    "GET /v1/assignments/{assignment_id}": read(
        *STAFF_READERS, CUSTOMER, CONCIERGE, tenant=ASSIGNMENT
    ),
    "POST /v1/assignments/{assignment_id}/interview": command(OPERATOR, CUSTOMER, tenant=ASSIGNMENT),
    "POST /v1/assignments/{assignment_id}/accept": command(CUSTOMER, tenant=ASSIGNMENT),
    "POST /v1/assignments/{assignment_id}/reject": command(CUSTOMER, tenant=ASSIGNMENT),
    "POST /v1/assignments/{assignment_id}/replacement-request": command(CUSTOMER, tenant=ASSIGNMENT),
    "POST /v1/assignments/{assignment_id}/team-members": command(OPERATOR, tenant=ASSIGNMENT),
    "DELETE /v1/assignments/{assignment_id}/team-members/{concierge_id}": command(
        OPERATOR, tenant=ASSIGNMENT
    ),
    "POST /v1/assignments/{assignment_id}/end": command(OPERATOR, tenant=ASSIGNMENT),
    # Audit (issue 6): staff only for now; customers' own-contract reads are to be added.
    "GET /v1/audit": read(OPERATOR, COMPLIANCE),
    "GET /v1/audit/export": read(OPERATOR, COMPLIANCE),
    "GET /v1/audit/state/{aggregate_id}": read(OPERATOR, COMPLIANCE),
    # Billing (P14, P15): billing reads statements and closes months; a customer reads its
    # own contract's statements (`?contract_id=` is then required); operator and compliance read.
    "GET /v1/billing/statements": read(
        BILLING, OPERATOR, COMPLIANCE, CUSTOMER, tenant=CONTRACT_IN_QUERY
    ),
    "POST /v1/billing/periods/{month}/close": month_close(),
    # Liability (L1-L7): the operator files and assesses claims; compliance reads decisions.
    "POST /v1/liability/claims": command(OPERATOR),
    "POST /v1/liability/claims/{claim_id}/findings": command(OPERATOR, tenant=CLAIM),
    "GET /v1/liability/claims/{claim_id}": read(OPERATOR, COMPLIANCE, tenant=CLAIM),
    # Dispatch board (O3): the operator reads every board; a concierge only its own (another
    # concierge's is a 404, as any object outside its scope; none named means its own).
    "GET /v1/dispatch": read(OPERATOR, CONCIERGE, tenant=DISPATCH_BOARD),
    # Privacy (issue 9): erasing a data subject's personal data is the operator's act.
    "POST /v1/privacy/erasures": command(OPERATOR),
    # Tickets (S1-S6, X1-X3, O1-O8, L1): the roles the Ticket aggregate accepts for each
    # command (it checks them too, citing the rule); a concierge acts only on tickets of
    # the clusters it serves or was dispatched to (ticket_scope).
    "POST /v1/tickets": command(CUSTOMER, CONCIERGE, OPERATOR, tenant=CONTRACT_IN_BODY),
    "GET /v1/tickets/{ticket_id}": read(*STAFF_READERS, CUSTOMER, CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/instruction": command(CUSTOMER, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/classification": command(OPERATOR, CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/risks": command(CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/risks/{risk_id}/acknowledge": command(CUSTOMER, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/risks/{risk_id}/decline": command(CUSTOMER, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/work-started": command(CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/visits": command(CONCIERGE, OPERATOR, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/vendor-calls": command(CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/backup-dispatch": command(OPERATOR, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/extra-work-quotes": command(OPERATOR, CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/second-jobs": command(OPERATOR, CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/sales": command(OPERATOR, CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/work-slips": command(CONCIERGE, tenant=TICKET),
    "POST /v1/tickets/{ticket_id}/resolution": command(
        CONCIERGE, OPERATOR, CUSTOMER, tenant=TICKET
    ),
}


def rule_for(method: str, path_template: str) -> Rule | None:
    """The rule of one endpoint, or None (which the guard treats as "deny")."""
    return POLICY.get(f"{method.upper()} {path_template}")
