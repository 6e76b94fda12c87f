"""The JSON shapes of the ticket API: request bodies and the ticket view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from api.contracts import Body
from api.limits import Ref, Text, Yen
from domain.aggregates.ticket import Ticket
from domain.tickets_values import (
    Channel,
    Classification,
    Completion,
    ExtraWorkQuote,
    Instruction,
    Job,
    Outcome,
    OutOfScopeReason,
    Referral,
    ReferralTarget,
    Risk,
    RiskLevel,
    Sale,
    Seller,
    ServiceScope,
    TicketStatus,
    Urgency,
    VendorCall,
    Visit,
    WorkKind,
    WorkSlip,
)

Quantity = Annotated[int, msgspec.Meta(le=100_000)]


class OpenTicketBody(Body):
    contract_id: UUID
    cluster: Ref
    kind: WorkKind  # S1
    summary: Text
    channel: Channel  # O2, required: how the customer called (business_mobile, voicemail, mail)
    urgency: Urgency = Urgency.NORMAL  # O3


class InstructionBody(Body):
    what: Text  # O5


class ClassificationBody(Body):
    scope: ServiceScope  # S6
    reason_code: OutOfScopeReason | None = None  # required for out_of_scope
    reason: Text | None = None  # required to change a classification


class RiskBody(Body):
    description: Text
    level: RiskLevel  # O6


class DeclineBody(Body):
    reason: Text | None = None


class WorkStartedBody(Body):
    work: Text
    risk_ids: list[Ref] | None = None  # O6: the risks this work carries (default: all)


class VisitBody(Body):
    arrival: datetime  # with its UTC offset, e.g. 2026-12-02T10:00:00+09:00
    departure: datetime
    concierge_id: Ref | None = None  # default: the calling concierge
    note: Text | None = None


class VendorCallBody(Body):
    vendor: Ref  # S4
    equipment: Ref
    reference: Ref | None = None


class BackupBody(Body):
    concierge_id: UUID  # O4
    reason: Text | None = None


class QuoteBody(Body):
    description: Text  # X1
    amount: Yen


class SecondJobBody(Body):
    to: ReferralTarget  # X1/X2
    description: Text
    vendor_name: Ref | None = None  # required for another_vendor
    concierge_id: UUID | None = None  # for concierge_direct; default: the calling concierge
    amount: Yen | None = None


class SaleBody(Body):
    item: Ref  # O8
    amount: Yen
    quantity: Quantity = 1
    sold_by: Seller | None = None  # default: the caller's side


class WorkSlipBody(Body):
    waived: bool = False  # O7: true for a minor job, with a reason
    content: Text | None = None
    completion: Completion | None = None
    reason: Text | None = None


class ResolutionBody(Body):
    outcome: Outcome  # resolved (O7) or closed_unresolved (L1)
    note: Text | None = None  # the reason, for closed_unresolved


class TicketView(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    contract_id: UUID
    cluster: str
    kind: WorkKind
    urgency: Urgency
    channel: Channel
    summary: str
    status: TicketStatus
    opened_at: datetime
    opened_by: str
    response_deadline: datetime | None  # O3: None when nobody is expected on site (S3)
    response_target_missed_at: datetime | None
    instructions: tuple[Instruction, ...]
    classification: Classification | None
    risks: list[Risk]
    jobs: tuple[Job, ...]
    visits: tuple[Visit, ...]
    vendor_calls: tuple[VendorCall, ...]
    backup_concierge_ids: list[str]
    quotes: tuple[ExtraWorkQuote, ...]
    referrals: tuple[Referral, ...]
    sales: tuple[Sale, ...]
    work_slips: tuple[WorkSlip, ...]
    closed_at: datetime | None
    closure_note: str | None
    position: int | None = None  # the log position this command wrote (read-your-writes)


def ticket_view(ticket: Ticket, position: int | None = None) -> TicketView:
    return TicketView(
        id=ticket.id,
        version=ticket.version,
        contract_id=ticket.contract_id,
        cluster=ticket.cluster,
        kind=ticket.kind,
        urgency=ticket.urgency,
        channel=ticket.channel,
        summary=ticket.summary,
        status=ticket.status,
        opened_at=ticket.opened_at,
        opened_by=ticket.opened_by,
        response_deadline=None if ticket.remote_only else ticket.response_deadline,
        response_target_missed_at=ticket.response_target_missed_at,
        instructions=ticket.instructions,
        classification=ticket.classification,
        risks=list(ticket.risks.values()),
        jobs=ticket.jobs,
        visits=ticket.visits,
        vendor_calls=ticket.vendor_calls,
        backup_concierge_ids=sorted(ticket.backups),
        quotes=ticket.quotes,
        referrals=ticket.referrals,
        sales=ticket.sales,
        work_slips=ticket.work_slips,
        closed_at=ticket.closed_at,
        closure_note=ticket.closure_note,
        position=position,
    )
