"""Public payloads of Ticket events (rules S1–S6, X1–X3, O1–O8).

Left out on purpose: every free text of a ticket (summary, instructions, risk and work
descriptions, notes, reasons, vendor and equipment names, items sold, slip contents): it
may hold the customer's confidential information (rule L4). Codes, ids, amounts, times
and rule flags are published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from domain.aggregates.ticket import Ticket
from domain.tickets_values import (
    Channel,
    Completion,
    OutOfScopeReason,
    ReferralTarget,
    RiskLevel,
    Seller,
    ServiceScope,
    Urgency,
    WorkKind,
)
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry, same_named

ticket_events = Registry("ticket", Ticket)


class TicketEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["ticket"] = "ticket"


class TicketOpenedData(msgspec.Struct, frozen=True, kw_only=True):
    contract_id: UUID
    cluster: str
    kind: WorkKind
    urgency: Urgency
    channel: Channel
    remote_only: bool


@ticket_events.publishes(Ticket.TicketOpened)
class TicketOpened(TicketEvent, frozen=True, kw_only=True):
    """A customer request was opened on a site cluster (S1, O2); its summary is not published."""

    event_type: Literal["TicketOpened"] = "TicketOpened"
    schema_version: Literal[1] = 1
    data: TicketOpenedData
    payload = staticmethod(same_named(TicketOpenedData))


class WorkInstructedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@ticket_events.publishes(Ticket.WorkInstructed)
class WorkInstructed(TicketEvent, frozen=True, kw_only=True):
    """An authorised customer contact instructed the work (O5); what was asked is not published."""

    event_type: Literal["WorkInstructed"] = "WorkInstructed"
    schema_version: Literal[1] = 1
    data: WorkInstructedData
    payload = staticmethod(same_named(WorkInstructedData))


class ScopeClassifiedData(msgspec.Struct, frozen=True, kw_only=True):
    scope: ServiceScope
    reason_code: OutOfScopeReason | None
    previous_scope: ServiceScope | None


@ticket_events.publishes(Ticket.ScopeClassified)
class ScopeClassified(TicketEvent, frozen=True, kw_only=True):
    """The request was classified daily, extra or out of scope (S6)."""

    event_type: Literal["ScopeClassified"] = "ScopeClassified"
    schema_version: Literal[1] = 1
    data: ScopeClassifiedData
    payload = staticmethod(same_named(ScopeClassifiedData))


class RiskDisclosedData(msgspec.Struct, frozen=True, kw_only=True):
    risk_id: str
    level: RiskLevel


@ticket_events.publishes(Ticket.RiskDisclosed)
class RiskDisclosed(TicketEvent, frozen=True, kw_only=True):
    """The concierge explained a risk before the work (O6)."""

    event_type: Literal["RiskDisclosed"] = "RiskDisclosed"
    schema_version: Literal[1] = 1
    data: RiskDisclosedData
    payload = staticmethod(same_named(RiskDisclosedData))


class RiskAcknowledgedData(msgspec.Struct, frozen=True, kw_only=True):
    risk_id: str


@ticket_events.publishes(Ticket.RiskAcknowledged)
class RiskAcknowledged(TicketEvent, frozen=True, kw_only=True):
    """The customer gave the GO for a disclosed risk (O6, L2)."""

    event_type: Literal["RiskAcknowledged"] = "RiskAcknowledged"
    schema_version: Literal[1] = 1
    data: RiskAcknowledgedData
    payload = staticmethod(same_named(RiskAcknowledgedData))


class RiskDeclinedData(msgspec.Struct, frozen=True, kw_only=True):
    risk_id: str


@ticket_events.publishes(Ticket.RiskDeclined)
class RiskDeclined(TicketEvent, frozen=True, kw_only=True):
    """The customer declined a disclosed risk; that work does not start (O6)."""

    event_type: Literal["RiskDeclined"] = "RiskDeclined"
    schema_version: Literal[1] = 1
    data: RiskDeclinedData
    payload = staticmethod(same_named(RiskDeclinedData))


class WorkStartedData(msgspec.Struct, frozen=True, kw_only=True):
    risk_ids: tuple[str, ...]


@ticket_events.publishes(Ticket.WorkStarted)
class WorkStarted(TicketEvent, frozen=True, kw_only=True):
    """Work started, carrying these acknowledged risks (O5, O6)."""

    event_type: Literal["WorkStarted"] = "WorkStarted"
    schema_version: Literal[1] = 1
    data: WorkStartedData
    payload = staticmethod(same_named(WorkStartedData))


class VisitLoggedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: str
    arrival: datetime
    departure: datetime
    off_hours: bool


@ticket_events.publishes(Ticket.VisitLogged)
class VisitLogged(TicketEvent, frozen=True, kw_only=True):
    """A concierge visited the site (S3); off_hours marks a surcharged visit (O1, P11)."""

    event_type: Literal["VisitLogged"] = "VisitLogged"
    schema_version: Literal[1] = 1
    data: VisitLoggedData
    payload = staticmethod(same_named(VisitLoggedData))


class VendorCallPlacedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@ticket_events.publishes(Ticket.VendorCallPlaced)
class VendorCallPlaced(TicketEvent, frozen=True, kw_only=True):
    """The concierge placed a maintenance call with the equipment's vendor (S4)."""

    event_type: Literal["VendorCallPlaced"] = "VendorCallPlaced"
    schema_version: Literal[1] = 1
    data: VendorCallPlacedData
    payload = staticmethod(same_named(VendorCallPlacedData))


class BackupDispatchedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: str


@ticket_events.publishes(Ticket.BackupDispatched)
class BackupDispatched(TicketEvent, frozen=True, kw_only=True):
    """The operator dispatched a backup concierge to the ticket (O4)."""

    event_type: Literal["BackupDispatched"] = "BackupDispatched"
    schema_version: Literal[1] = 1
    data: BackupDispatchedData
    payload = staticmethod(same_named(BackupDispatchedData))


class ExtraWorkQuotedData(msgspec.Struct, frozen=True, kw_only=True):
    quote_id: str
    amount: int


@ticket_events.publishes(Ticket.ExtraWorkQuoted)
class ExtraWorkQuoted(TicketEvent, frozen=True, kw_only=True):
    """Extra-charge work was quoted, in yen with tax (X1)."""

    event_type: Literal["ExtraWorkQuoted"] = "ExtraWorkQuoted"
    schema_version: Literal[1] = 1
    data: ExtraWorkQuotedData
    payload = staticmethod(same_named(ExtraWorkQuotedData))


class SecondJobReferredData(msgspec.Struct, frozen=True, kw_only=True):
    referral_id: str
    to: ReferralTarget
    concierge_id: str | None
    amount: int | None
    operator_bills: bool


@ticket_events.publishes(Ticket.SecondJobReferred)
class SecondJobReferred(TicketEvent, frozen=True, kw_only=True):
    """Extra work was referred to the operator, another vendor or the concierge (X1, X2)."""

    event_type: Literal["SecondJobReferred"] = "SecondJobReferred"
    schema_version: Literal[1] = 1
    data: SecondJobReferredData
    payload = staticmethod(same_named(SecondJobReferredData))


class ProductSoldData(msgspec.Struct, frozen=True, kw_only=True):
    sale_id: str
    quantity: int
    amount: int
    sold_by: Seller
    operator_bills: bool


@ticket_events.publishes(Ticket.ProductSold)
class ProductSold(TicketEvent, frozen=True, kw_only=True):
    """An IT product was sold through the concierge (O8)."""

    event_type: Literal["ProductSold"] = "ProductSold"
    schema_version: Literal[1] = 1
    data: ProductSoldData
    payload = staticmethod(same_named(ProductSoldData))


class WorkSlipIssuedData(msgspec.Struct, frozen=True, kw_only=True):
    completion: Completion


@ticket_events.publishes(Ticket.WorkSlipIssued)
class WorkSlipIssued(TicketEvent, frozen=True, kw_only=True):
    """The concierge issued a work slip for the job (O7)."""

    event_type: Literal["WorkSlipIssued"] = "WorkSlipIssued"
    schema_version: Literal[1] = 1
    data: WorkSlipIssuedData
    payload = staticmethod(same_named(WorkSlipIssuedData))


class WorkSlipWaivedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@ticket_events.publishes(Ticket.WorkSlipWaived)
class WorkSlipWaived(TicketEvent, frozen=True, kw_only=True):
    """A minor job went without a work slip (O7)."""

    event_type: Literal["WorkSlipWaived"] = "WorkSlipWaived"
    schema_version: Literal[1] = 1
    data: WorkSlipWaivedData
    payload = staticmethod(same_named(WorkSlipWaivedData))


class TicketResolvedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@ticket_events.publishes(Ticket.TicketResolved)
class TicketResolved(TicketEvent, frozen=True, kw_only=True):
    """The ticket was resolved (O7)."""

    event_type: Literal["TicketResolved"] = "TicketResolved"
    schema_version: Literal[1] = 1
    data: TicketResolvedData
    payload = staticmethod(same_named(TicketResolvedData))


class TicketClosedUnresolvedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@ticket_events.publishes(Ticket.TicketClosedUnresolved)
class TicketClosedUnresolved(TicketEvent, frozen=True, kw_only=True):
    """The ticket ended without a resolution (L1)."""

    event_type: Literal["TicketClosedUnresolved"] = "TicketClosedUnresolved"
    schema_version: Literal[1] = 1
    data: TicketClosedUnresolvedData
    payload = staticmethod(same_named(TicketClosedUnresolvedData))


class ResponseTargetMissedData(msgspec.Struct, frozen=True, kw_only=True):
    deadline: datetime


@ticket_events.publishes(Ticket.ResponseTargetMissed)
class ResponseTargetMissed(TicketEvent, frozen=True, kw_only=True):
    """Nobody arrived within the 24-hour target (O3)."""

    event_type: Literal["ResponseTargetMissed"] = "ResponseTargetMissed"
    schema_version: Literal[1] = 1
    data: ResponseTargetMissedData
    payload = staticmethod(same_named(ResponseTargetMissedData))
