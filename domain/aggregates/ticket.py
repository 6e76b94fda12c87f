"""The Ticket aggregate: one job request from instruction to work slip (S1–S6, X1–X3, O1–O8).

The events and the opening live here; the commands are in domain/tickets_work.py
(instruction, scope, risks, work, visits, backups) and domain/tickets_paperwork.py
(extra work, sales, work slips, closure, the response target).

Decisions kept in one place (domain-rules.md asks for it):
- Work (`WorkStarted`, visits, vendor calls) needs a customer instruction first (O5); a
  visit is work, so it needs one too. Risks block only the start of work (O6): while any
  disclosed high risk is unanswered nothing starts, and work that carries a declined risk
  never starts. Work names the risks it carries; by default, every risk disclosed so far.
- The first classification may come from the operator or the ticket's concierge; only
  the operator changes it, with a reason (S6). A ticket need not be classified to be
  worked on; once out of scope, it accepts no work until reclassified.
- A ticket is resolved only after a job whose work slip was issued or waived (O7); a
  ticket that ends any other way is closed unresolved with a reason (L1).
- Nothing is recorded on a resolved (O7) or closed (L1) ticket.
- Extra work is quoted and referred only on a ticket classified `extra` (S6, X1).
- Risk, quote, referral and sale ids are numbered within the ticket ("risk-1", ...), so
  replay and retries give the same ids without a random source in the domain.
- A visit arrives no earlier than the ticket's opening (O3): the 24-hour target runs from
  the opening to the first arrival, so the first arrival never precedes the opening. The
  refusal cites O3 rather than O1 (O1 is about the hours of a visit, not its order with
  the request) and is a 422: the opening time never changes, so no retry can succeed. A
  request taken by phone before it was recorded is opened before its visit is logged.
- The 24-hour target (O3) does not apply to a contract on the `remote_only` plan (S3).
- Who serves the ticket's cluster is known to the assignment, not the ticket: commands a
  concierge may send take `serving` (the cluster's concierges); the ticket adds its
  dispatched backups (O4).
- A ticket keeps every visit, since its view shows them all and S2 sets no cap, so its
  state grows with its visits (a snapshot too, infra/snapshots.py); the first arrival
  (O3) is kept apart, so the response target needs no walk over the visits.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import msgspec

from domain.aggregates.base import TracedAggregate
from domain.aggregates.contract import Contract
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role
from domain.personal import PersonalText
from domain.pricing import Plan
from domain.service_hours import response_deadline
from domain.tickets_paperwork import TicketPaperwork
from domain.tickets_rules import require_in_service, require_role, required_text
from domain.tickets_values import (
    Channel,
    Classification,
    Completion,
    ExtraWorkQuote,
    Instruction,
    Job,
    OutOfScopeReason,
    Referral,
    ReferralTarget,
    Risk,
    RiskLevel,
    RiskStatus,
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
from domain.tickets_work import TicketWork

V = TypeVar("V", bound=msgspec.Struct)


def _value(kind: type[V], event: TracedAggregate.Event, **extra: Any) -> V:
    """The value object `kind` from the event's fields of the same names, plus `extra`."""
    names = (n for n in kind.__struct_fields__ if n not in extra and hasattr(event, n))
    return kind(**{n: getattr(event, n) for n in names}, **extra)


def _by_at(event: TracedAggregate.Event) -> dict[str, Any]:
    return {"by": event.meta.actor_id, "at": event.timestamp}


class Ticket(TicketWork, TicketPaperwork, TracedAggregate):
    """One request of a customer for one site cluster of its contract."""

    class TicketOpened(TracedAggregate.Created):
        contract_id: UUID
        cluster: str
        kind: WorkKind
        urgency: Urgency
        channel: Channel
        summary: PersonalText
        remote_only: bool

        def apply(self, ticket: Ticket) -> None:
            ticket.contract_id, ticket.cluster = self.contract_id, self.cluster
            ticket.kind, ticket.urgency, ticket.channel = self.kind, self.urgency, self.channel
            ticket.summary, ticket.remote_only = self.summary, self.remote_only
            ticket.opened_at, ticket.opened_by = self.timestamp, self.meta.actor_id

    class WorkInstructed(TracedAggregate.Event):
        what: PersonalText

        def apply(self, ticket: Ticket) -> None:
            ticket.instructions += (_value(Instruction, self, **_by_at(self)),)

    class ScopeClassified(TracedAggregate.Event):
        scope: ServiceScope
        reason_code: OutOfScopeReason | None
        reason: PersonalText | None
        previous_scope: ServiceScope | None

        def apply(self, ticket: Ticket) -> None:
            ticket.classification = _value(Classification, self, **_by_at(self))

    class RiskDisclosed(TracedAggregate.Event):
        risk_id: str
        description: PersonalText
        level: RiskLevel

        def apply(self, ticket: Ticket) -> None:
            risk = _value(Risk, self, disclosed_by=self.meta.actor_id)
            ticket.risks = {**ticket.risks, self.risk_id: risk}

    class RiskAcknowledged(TracedAggregate.Event):
        risk_id: str

        def apply(self, ticket: Ticket) -> None:
            ticket._answer_risk(self.risk_id, RiskStatus.ACKNOWLEDGED, self.meta.actor_id)

    class RiskDeclined(TracedAggregate.Event):
        risk_id: str
        reason: PersonalText | None

        def apply(self, ticket: Ticket) -> None:
            ticket._answer_risk(self.risk_id, RiskStatus.DECLINED, self.meta.actor_id)

    class WorkStarted(TracedAggregate.Event):
        work: PersonalText
        risk_ids: tuple[str, ...]

        def apply(self, ticket: Ticket) -> None:
            ticket.jobs += (_value(Job, self, **_by_at(self)),)
            ticket.status = TicketStatus.IN_PROGRESS
            ticket.unslipped_work = True

    class VisitLogged(TracedAggregate.Event):
        concierge_id: str
        arrival: datetime
        departure: datetime
        off_hours: bool  # computed when logged (O1), so replay never consults a calendar
        note: PersonalText | None

        def apply(self, ticket: Ticket) -> None:
            ticket.visits += (_value(Visit, self),)
            if ticket.first_arrival_at is None or self.arrival < ticket.first_arrival_at:
                ticket.first_arrival_at = self.arrival

    class VendorCallPlaced(TracedAggregate.Event):
        vendor: str
        equipment: str
        reference: str | None

        def apply(self, ticket: Ticket) -> None:
            ticket.vendor_calls += (_value(VendorCall, self, **_by_at(self)),)

    class BackupDispatched(TracedAggregate.Event):
        concierge_id: str
        reason: PersonalText | None

        def apply(self, ticket: Ticket) -> None:
            ticket.backups = ticket.backups | {self.concierge_id}

    class ExtraWorkQuoted(TracedAggregate.Event):
        quote_id: str
        description: PersonalText
        amount: int

        def apply(self, ticket: Ticket) -> None:
            ticket.quotes += (_value(ExtraWorkQuote, self, quoted_by=self.meta.actor_id),)

    class SecondJobReferred(TracedAggregate.Event):
        referral_id: str
        to: ReferralTarget
        description: PersonalText
        vendor_name: str | None
        concierge_id: str | None
        amount: int | None
        operator_bills: bool  # X2: false unless the operator itself takes the work

        def apply(self, ticket: Ticket) -> None:
            ticket.referrals += (_value(Referral, self),)

    class ProductSold(TracedAggregate.Event):
        sale_id: str
        item: str
        quantity: int
        amount: int
        sold_by: Seller
        operator_bills: bool  # O8: only what the operator sold

        def apply(self, ticket: Ticket) -> None:
            ticket.sales += (_value(Sale, self),)

    class WorkSlipIssued(TracedAggregate.Event):
        content: PersonalText
        completion: Completion

        def apply(self, ticket: Ticket) -> None:
            slip = _value(WorkSlip, self, waived=False, reason=None, **_by_at(self))
            ticket.work_slips += (slip,)
            ticket.unslipped_work = False

    class WorkSlipWaived(TracedAggregate.Event):
        reason: PersonalText

        def apply(self, ticket: Ticket) -> None:
            slip = _value(
                WorkSlip, self, waived=True, content=None, completion=None, **_by_at(self)
            )
            ticket.work_slips += (slip,)
            ticket.unslipped_work = False

    class TicketResolved(TracedAggregate.Event):
        note: PersonalText | None

        def apply(self, ticket: Ticket) -> None:
            ticket.status = TicketStatus.RESOLVED
            ticket.closed_at, ticket.closure_note = self.timestamp, self.note

    class TicketClosedUnresolved(TracedAggregate.Event):
        reason: PersonalText

        def apply(self, ticket: Ticket) -> None:
            ticket.status = TicketStatus.CLOSED_UNRESOLVED
            ticket.closed_at, ticket.closure_note = self.timestamp, self.reason

    class ResponseTargetMissed(TracedAggregate.Event):
        deadline: datetime

        def apply(self, ticket: Ticket) -> None:
            ticket.response_target_missed_at = self.timestamp

    def __init__(self) -> None:
        # The opening's fields are set by TicketOpened.apply.
        self.contract_id: UUID
        self.cluster: str
        self.kind: WorkKind
        self.urgency: Urgency
        self.channel: Channel
        self.summary: str
        self.remote_only: bool
        self.opened_at: datetime
        self.opened_by: str
        self.status = TicketStatus.OPEN
        self.instructions: tuple[Instruction, ...] = ()
        self.classification: Classification | None = None
        self.risks: dict[str, Risk] = {}
        self.jobs: tuple[Job, ...] = ()
        self.visits: tuple[Visit, ...] = ()  # every visit: the API shows them (S2: no cap)
        self.first_arrival_at: datetime | None = None  # the earliest visit's arrival (O3)
        self.vendor_calls: tuple[VendorCall, ...] = ()
        self.backups: frozenset[str] = frozenset()
        self.quotes: tuple[ExtraWorkQuote, ...] = ()
        self.referrals: tuple[Referral, ...] = ()
        self.sales: tuple[Sale, ...] = ()
        self.work_slips: tuple[WorkSlip, ...] = ()
        self.unslipped_work = False  # a job started since the last slip or waiver (O7)
        self.closed_at: datetime | None = None
        self.closure_note: str | None = None
        self.response_target_missed_at: datetime | None = None

    def _answer_risk(self, risk_id: str, status: RiskStatus, by: str) -> None:
        answered = msgspec.structs.replace(self.risks[risk_id], status=status, answered_by=by)
        self.risks = {**self.risks, risk_id: answered}

    @classmethod
    def open(
        cls,
        cause: Cause,
        *,
        contract: Contract,
        cluster: str,
        kind: WorkKind,
        urgency: Urgency,
        channel: Channel,
        summary: str,
        serving: frozenset[str],
    ) -> Ticket:
        """Open a request on a site cluster of a contract in service (S1, O2, C1, C4)."""
        require_role(
            cause, (Role.CUSTOMER, Role.CONCIERGE, Role.OPERATOR), rule="O2", action="open a ticket"
        )
        require_in_service(contract, cause.at.date())
        if cluster not in contract.clusters:
            raise InvalidInput(
                f"the contract has no site cluster {cluster!r}",
                rule="P9",
                clusters=contract.clusters,
            )
        if cause.role is Role.CONCIERGE and cause.actor_id not in serving:
            raise RuleViolation(
                f"concierge {cause.actor_id} does not serve site cluster {cluster!r}", rule="K2"
            )
        return cls._create_traced(
            cls.TicketOpened,
            cause,
            contract_id=contract.id,
            cluster=cluster,
            kind=kind,
            urgency=urgency,
            channel=channel,
            summary=required_text(summary, "summary", rule="S1"),
            remote_only=contract.plan is Plan.remote_only,
        )

    # ---- queries ---------------------------------------------------------------------

    @property
    def scope(self) -> ServiceScope | None:
        return self.classification.scope if self.classification else None

    @property
    def is_closed(self) -> bool:
        return self.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED_UNRESOLVED)

    @property
    def response_deadline(self) -> datetime:
        """O3: 24 hours after opening."""
        return response_deadline(self.opened_at)

    def response_target_missed_due(self, now: datetime) -> bool:
        """Whether ResponseTargetMissed should be recorded now (O3; never twice)."""
        return (
            not self.is_closed
            and not self.remote_only
            and self.response_target_missed_at is None
            and self.first_arrival_at is None
            and now > self.response_deadline
        )

    def concierges(self, serving: frozenset[str]) -> frozenset[str]:
        """Who may act as concierge on it: the cluster's concierges and dispatched backups."""
        return serving | self.backups

    # ---- guards every command shares ------------------------------------------------------

    def _require_open(self) -> None:
        if self.status is TicketStatus.RESOLVED:
            raise RuleViolation("the ticket is resolved; nothing more is recorded on it", rule="O7")
        if self.status is TicketStatus.CLOSED_UNRESOLVED:
            raise RuleViolation("the ticket is closed; nothing more is recorded on it", rule="L1")

    def _require_ticket_concierge(self, cause: Cause, serving: frozenset[str]) -> None:
        """Only the cluster's concierges or a dispatched backup act as concierge (K2, O4)."""
        if cause.role is Role.CONCIERGE and cause.actor_id not in self.concierges(serving):
            raise RuleViolation(
                f"concierge {cause.actor_id} neither serves this ticket's site cluster nor was"
                " dispatched to it",
                rule="K2",
                concierge_id=cause.actor_id,
            )
