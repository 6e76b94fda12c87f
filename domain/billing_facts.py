"""What billing needs to know of the events: small typed facts, one per billable event.

Billing (P1–P15, C1–C4) reads only these facts, never the aggregates, so that the same
pure computation (domain/billing.py) serves the billing view (projections/billing.py) and
the month close (infra/services/billing.py), and a statement can always name the events
it comes from (`event_id` = `<aggregate id>:<version>`, the audit trail's id).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.aggregates.concierge_assignment import ConciergeAssignment
from domain.aggregates.contract import ClusterVolume, Contract, Payment, Tariff
from domain.aggregates.ticket import Ticket
from domain.pricing import Plan
from domain.tickets_values import ReferralTarget


class Fact(msgspec.Struct, frozen=True, kw_only=True, tag_field="fact"):
    """Where the fact sits in the log, which event it is, and when it was recorded."""

    position: int
    event_id: str
    at: datetime


class Terms(Fact, tag="terms"):
    """The contract as applied for (P1–P13, C2): the tariff it was made on is kept."""

    customer_name: str
    plan: Plan
    payment: Payment
    monthly_fee: int
    monthly_report: bool
    team_response: bool
    tariff: Tariff
    volumes: dict[str, ClusterVolume]


class Started(Fact, tag="started"):
    started_on: date  # C1: may be mid-month; that month is billed in full


class FeeChanged(Fact, tag="fee"):
    monthly_fee: int
    effective_from: date  # always the 1st of a month


class VolumeRecorded(Fact, tag="volume"):
    cluster: str
    clients: int
    servers: int


class EndChanged(Fact, tag="end"):
    end_date: date | None  # None: a cancellation was withdrawn


class TeamJoined(Fact, tag="team_joined"):
    assignment_id: str
    concierge_id: str


class TeamLeft(Fact, tag="team_left"):
    assignment_id: str
    concierge_id: str | None  # None: the assignment ended, the whole team leaves


class Visit(Fact, tag="visit"):
    ticket_id: str
    arrival: datetime
    off_hours: bool


class Quoted(Fact, tag="quote"):
    ticket_id: str
    amount: int


class Referred(Fact, tag="referral"):
    ticket_id: str
    to: ReferralTarget
    description: str
    amount: int | None
    operator_bills: bool


class Sold(Fact, tag="sale"):
    ticket_id: str
    item: str
    quantity: int
    amount: int
    operator_bills: bool


BillingFact = (
    Terms | Started | FeeChanged | VolumeRecorded | EndChanged | TeamJoined | TeamLeft | Visit
    | Quoted | Referred | Sold
)  # fmt: skip

#: Events that name the contract of their aggregate (the owners of later events).
OWNER_EVENTS: tuple[type, ...] = (Ticket.TicketOpened, ConciergeAssignment.AssignmentOpened)

_C, _A, _T = Contract, ConciergeAssignment, Ticket
#: Every event class a fact is made from.
FACT_EVENTS: tuple[type, ...] = (
    _C.ContractApplied, _C.ContractStarted, _C.FeeRenegotiated, _C.ClientCountChanged,
    _C.CancellationRequested, _C.CancellationWithdrawn, _C.ContractEnded,
    _A.TeamMemberAdded, _A.TeamMemberRemoved, _A.ConciergeAccepted, _A.AssignmentEnded,
    _T.VisitLogged, _T.ExtraWorkQuoted, _T.SecondJobReferred, _T.ProductSold,
)  # fmt: skip


def event_id(event: Any) -> str:
    """The audit trail's id of an event: `<aggregate id>:<version>`."""
    return f"{event.originator_id}:{event.originator_version}"


def _volumes(event: Contract.ContractApplied) -> dict[str, ClusterVolume]:
    volumes: dict[str, ClusterVolume] = {}
    for site in event.sites:
        old = volumes.get(site.cluster, ClusterVolume(0, 0))
        volumes[site.cluster] = ClusterVolume(
            old.clients + site.clients, old.servers + site.servers
        )
    return volumes


def fact_of(event: Any, position: int) -> BillingFact | None:
    """The billing fact of one event, or None when billing does not care about it."""
    base: dict[str, Any] = {
        "position": position,
        "event_id": event_id(event),
        "at": event.timestamp,
    }
    aggregate = str(event.originator_id)
    e = event
    if isinstance(e, _C.ContractApplied):
        return Terms(
            **base, customer_name=e.customer_name, plan=e.plan, payment=e.payment,
            monthly_fee=e.monthly_fee, monthly_report=e.monthly_report,
            team_response=e.team_response, tariff=e.tariff, volumes=_volumes(e),
        )  # fmt: skip
    if isinstance(e, _C.ContractStarted):
        return Started(**base, started_on=e.started_on)
    if isinstance(e, _C.FeeRenegotiated):
        return FeeChanged(**base, monthly_fee=e.monthly_fee, effective_from=e.effective_from)
    if isinstance(e, _C.ClientCountChanged):
        return VolumeRecorded(**base, cluster=e.cluster, clients=e.clients, servers=e.servers)
    if isinstance(e, _C.CancellationRequested):
        return EndChanged(**base, end_date=e.requested_end_date)
    if isinstance(e, _C.CancellationWithdrawn):
        return EndChanged(**base, end_date=None)
    if isinstance(e, _C.ContractEnded):
        return EndChanged(**base, end_date=e.ended_on)
    if isinstance(e, _A.TeamMemberAdded):
        return TeamJoined(**base, assignment_id=aggregate, concierge_id=str(e.concierge_id))
    if isinstance(e, _A.TeamMemberRemoved | _A.ConciergeAccepted):
        # K3: a team member accepted as the dedicated concierge leaves the team.
        return TeamLeft(**base, assignment_id=aggregate, concierge_id=str(e.concierge_id))
    if isinstance(e, _A.AssignmentEnded):
        return TeamLeft(**base, assignment_id=aggregate, concierge_id=None)
    return _ticket_fact(e, base, aggregate)


def _ticket_fact(e: Any, base: dict[str, Any], ticket_id: str) -> BillingFact | None:
    if isinstance(e, _T.VisitLogged):
        return Visit(**base, ticket_id=ticket_id, arrival=e.arrival, off_hours=e.off_hours)
    if isinstance(e, _T.ExtraWorkQuoted):
        return Quoted(**base, ticket_id=ticket_id, amount=e.amount)
    if isinstance(e, _T.SecondJobReferred):
        return Referred(
            **base, ticket_id=ticket_id, to=e.to, description=e.description, amount=e.amount,
            operator_bills=e.operator_bills,
        )  # fmt: skip
    if isinstance(e, _T.ProductSold):
        return Sold(
            **base, ticket_id=ticket_id, item=e.item, quantity=e.quantity, amount=e.amount,
            operator_bills=e.operator_bills,
        )  # fmt: skip
    return None


def owner_of(event: Any) -> UUID | None:
    """The contract an event belongs to, when the event itself says so."""
    if type(event).__qualname__.partition(".")[0] == Contract.__name__:
        return event.originator_id
    contract_id = getattr(event, "contract_id", None) if isinstance(event, OWNER_EVENTS) else None
    return contract_id if isinstance(contract_id, UUID) else None
