"""Ticket use cases of the application service (rules S1–S6, X1–X3, O1–O8, L1)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

import msgspec

from domain.aggregates.concierge import Concierge
from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket
from domain.meta import Cause
from domain.service_hours import HolidayCalendar
from domain.tickets_rules import require_in_service
from domain.tickets_values import Channel, Urgency, WorkKind
from infra.application import CommandContext, CommandResult, Scope
from infra.holidays import JapaneseHolidayCalendar
from infra.services.response_targets import ResponseTargetCommands
from infra.services.ticket_records import Change, TicketRecordCommands


class TicketRequest(msgspec.Struct, frozen=True, kw_only=True):
    """The inputs of `open_ticket` (the API decodes its body into this)."""

    contract_id: UUID
    cluster: str
    kind: WorkKind
    summary: str
    urgency: Urgency = Urgency.NORMAL
    channel: Channel = Channel.BUSINESS_MOBILE


class TicketCommands(TicketRecordCommands, ResponseTargetCommands):
    """Ticket use cases: each loads, calls one command method, and saves once."""

    # ConciergeCommands answers it on the composed service (an annotation, so that this
    # mixin, first in EConcierge's bases, does not hide the real method).
    concierges_serving: Callable[[UUID, str], frozenset[str]]

    #: rule O1: the maintained Japanese holiday calendar for off-hours visits.
    holidays: HolidayCalendar = JapaneseHolidayCalendar()

    def open_ticket(self, ctx: CommandContext, request: TicketRequest) -> CommandResult:
        """Open a ticket on a cluster of a contract in service (C1, C4, P9, K2)."""

        def command() -> list[Ticket]:
            contract = self.peek(Contract, request.contract_id)  # read, not changed
            ticket = Ticket.open(
                self.cause(ctx),
                contract=contract,
                cluster=request.cluster,
                kind=request.kind,
                urgency=request.urgency,
                channel=request.channel,
                summary=request.summary,
                serving=self.concierges_serving(contract.id, request.cluster),
            )
            return [ticket]

        return self.execute(ctx, command)

    def change_ticket(  # type: ignore[override]
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        change: Change,
        *,
        delivers_service: bool = False,
    ) -> CommandResult:
        """Load the ticket, apply one command method, save (the unit of work).

        `delivers_service`: the command asks for new work (instruction, start, vendor call,
        backup), so the contract must still be in service today (C1, C4). Records of what
        already happened (a visit is logged after it ends), slips and closure need not be.
        """

        def command() -> list[Ticket]:
            ticket = self.load(Ticket, ticket_id, ctx)
            cause = self.cause(ctx)
            if delivers_service:
                require_in_service(self.peek(Contract, ticket.contract_id), cause.at.date())
            change(ticket, cause, self.concierges_serving(ticket.contract_id, ticket.cluster))
            return [ticket]

        return self.execute(ctx, command)

    def instruct_work(self, ctx: CommandContext, ticket_id: UUID, what: str) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, _: t.instruct(c, what), delivers_service=True
        )

    def start_work(
        self, ctx: CommandContext, ticket_id: UUID, work: str, risk_ids: tuple[str, ...] | None
    ) -> CommandResult:
        return self.change_ticket(
            ctx,
            ticket_id,
            lambda t, c, s: t.start_work(c, work, risk_ids=risk_ids, serving=s),
            delivers_service=True,
        )

    def log_visit(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        arrival: datetime,
        departure: datetime,
        concierge_id: str | None = None,
        note: str | None = None,
    ) -> CommandResult:
        def change(ticket: Ticket, cause: Cause, serving: frozenset[str]) -> None:
            ticket.log_visit(
                cause,
                arrival,
                departure,
                calendar=self.holidays,
                serving=serving,
                concierge_id=concierge_id,
                note=note,
            )

        return self.change_ticket(ctx, ticket_id, change)

    def place_vendor_call(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        vendor: str,
        equipment: str,
        reference: str | None,
    ) -> CommandResult:
        return self.change_ticket(
            ctx,
            ticket_id,
            lambda t, c, s: t.place_vendor_call(
                c, vendor, equipment, reference=reference, serving=s
            ),
            delivers_service=True,
        )

    def dispatch_backup(
        self, ctx: CommandContext, ticket_id: UUID, concierge_id: UUID, reason: str | None
    ) -> CommandResult:
        """O4: the backup must be a registered concierge."""

        def change(ticket: Ticket, cause: Cause, serving: frozenset[str]) -> None:
            backup = self.load(Concierge, concierge_id)
            ticket.dispatch_backup(cause, str(backup.id), serving=serving, reason=reason)

        return self.change_ticket(ctx, ticket_id, change, delivers_service=True)

    def get_ticket(self, ticket_id: UUID) -> Ticket:
        return self.load(Ticket, ticket_id)

    def ticket_scope(self, ticket_id: UUID) -> Scope:
        """The ticket's contract and the concierges who may act on it (for authorisation)."""
        ticket = self.peek(Ticket, ticket_id)
        serving = self.concierges_serving(ticket.contract_id, ticket.cluster)
        return Scope(ticket.contract_id, ticket.concierges(serving))
