"""Tenants for the authorisation matrix, built through the application service.

A tenant is one customer company: a contract in service on one Tokyo cluster, a concierge
accepted for it, and an open ticket the customer has instructed (O5) on which the concierge
has disclosed one high risk, `risk-1`, not yet answered (O6); and a liability claim on it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from domain.aggregates.concierge import ConciergeKind
from domain.liability import ClaimKind
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from domain.tickets_values import RiskLevel, WorkKind
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.services.concierges import ConciergeProfile
from infra.services.contracts import ContractApplication
from infra.services.tickets import TicketRequest

CLUSTER = "hq"


@dataclass(frozen=True)
class Tenant:
    """One customer company and the objects (and people) that belong to it."""

    name: str
    contract_id: str
    concierge_id: str
    assignment_id: str
    ticket_id: str
    claim_id: str

    @property
    def customer(self) -> str:
        return f"cust-{self.name}"

    def path_values(self) -> dict[str, str]:
        """What each path parameter of a route names in this tenant."""
        return {
            "contract_id": self.contract_id,
            "concierge_id": self.concierge_id,
            "assignment_id": self.assignment_id,
            "ticket_id": self.ticket_id,
            "claim_id": self.claim_id,
            "aggregate_id": self.contract_id,
        }


def _ctx(actor: str, role: Role) -> CommandContext:
    correlation = str(uuid.uuid4())
    return CommandContext(meta=EventMeta(actor, role, correlation, correlation))


def build_tenant(service: EConcierge, name: str) -> Tenant:
    """A company whose contract is in service, staffed, with one open ticket."""
    operator = _ctx("op-world", Role.OPERATOR)
    today = service.clock.today()
    contract = service.apply_for_contract(
        operator,
        ContractApplication(
            customer_name=f"{name.title()} Trading",
            quote=QuoteInputs(sites=(Site("Tokyo", "Minato", CLUSTER, 8),)),
            requested_start=today,
            insists_mid_month=True,  # C1: in service from today, so tickets can be opened
        ),
    )
    concierge = service.register_concierge(
        operator,
        ConciergeProfile(name=f"Concierge of {name}", kind=ConciergeKind.SOLE_PROPRIETOR, regions=("Tokyo",)),
    )
    assignment = service.propose_concierge(operator, contract.id, CLUSTER, concierge.id)
    service.schedule_interview(operator, assignment.id, service.clock.now())
    customer = _ctx(f"cust-{name}", Role.CUSTOMER)
    service.accept(customer, assignment.id)
    service.start_contract(operator, contract.id)
    ticket = service.open_ticket(
        customer,
        TicketRequest(contract_id=contract.id, cluster=CLUSTER, kind=WorkKind.TROUBLE, summary="printer jam"),
    )
    service.instruct_work(customer, ticket.id, "fix the printer")  # O5
    concierge_ctx = _ctx(str(concierge.id), Role.CONCIERGE)
    service.disclose_risk(concierge_ctx, ticket.id, "may reset the printer's settings", RiskLevel.HIGH)
    claim = service.file_liability_claim(operator, ticket.id, ClaimKind.DAMAGE, "a scratched desk")
    return Tenant(
        name=name,
        contract_id=str(contract.id),
        concierge_id=str(concierge.id),
        assignment_id=str(assignment.id),
        ticket_id=str(ticket.id),
        claim_id=str(claim.id),
    )
