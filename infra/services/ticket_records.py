"""Ticket commands that record decisions and paperwork: scope, risks, extra work, sales,
work slips and closure (rules S6, O6, X1–X3, O8, O7, L1)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput
from domain.meta import Cause
from domain.tickets_values import (
    Completion,
    Outcome,
    OutOfScopeReason,
    ReferralTarget,
    RiskLevel,
    Seller,
    ServiceScope,
)
from infra.application import CommandContext, CommandResult, ServiceApplication

#: A change to one ticket: the loaded ticket, the cause, and who serves its cluster.
Change = Callable[[Ticket, Cause, frozenset[str]], object]


class TicketRecordCommands(ServiceApplication):
    """Each method is one command on one ticket, through `change_ticket` (the unit of work)."""

    change_ticket: Callable[..., CommandResult]  # TicketCommands defines it

    def classify_ticket(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        scope: ServiceScope,
        reason_code: OutOfScopeReason | None,
        reason: str | None,
    ) -> CommandResult:
        def change(t: Ticket, c: Cause, s: frozenset[str]) -> None:
            t.classify(c, scope, reason_code=reason_code, reason=reason, serving=s)

        return self.change_ticket(ctx, ticket_id, change)

    def disclose_risk(
        self, ctx: CommandContext, ticket_id: UUID, description: str, level: RiskLevel
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.disclose_risk(c, description, level, serving=s)
        )

    def acknowledge_risk(self, ctx: CommandContext, ticket_id: UUID, risk_id: str) -> CommandResult:
        return self.change_ticket(ctx, ticket_id, lambda t, c, _: t.acknowledge_risk(c, risk_id))

    def decline_risk(
        self, ctx: CommandContext, ticket_id: UUID, risk_id: str, reason: str | None
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, _: t.decline_risk(c, risk_id, reason)
        )

    def quote_extra_work(
        self, ctx: CommandContext, ticket_id: UUID, description: str, amount: int
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.quote_extra_work(c, description, amount, serving=s)
        )

    def refer_extra_work(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        to: ReferralTarget,
        description: str,
        *,
        vendor_name: str | None = None,
        concierge_id: str | None = None,
        amount: int | None = None,
    ) -> CommandResult:
        def change(t: Ticket, c: Cause, s: frozenset[str]) -> None:
            t.refer_extra_work(
                c, to, description, serving=s,
                vendor_name=vendor_name, concierge_id=concierge_id, amount=amount,
            )  # fmt: skip

        return self.change_ticket(ctx, ticket_id, change)

    def record_sale(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        item: str,
        amount: int,
        quantity: int = 1,
        sold_by: Seller | None = None,
    ) -> CommandResult:
        def change(t: Ticket, c: Cause, s: frozenset[str]) -> None:
            t.record_sale(c, item, amount, serving=s, quantity=quantity, sold_by=sold_by)

        return self.change_ticket(ctx, ticket_id, change)

    def issue_work_slip(
        self, ctx: CommandContext, ticket_id: UUID, content: str, completion: Completion
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.issue_work_slip(c, content, completion, serving=s)
        )

    def waive_work_slip(self, ctx: CommandContext, ticket_id: UUID, reason: str) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.waive_work_slip(c, reason, serving=s)
        )

    def resolve_ticket(
        self, ctx: CommandContext, ticket_id: UUID, note: str | None
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.resolve(c, serving=s, note=note)
        )

    def close_ticket_unresolved(
        self, ctx: CommandContext, ticket_id: UUID, reason: str
    ) -> CommandResult:
        return self.change_ticket(
            ctx, ticket_id, lambda t, c, s: t.close_unresolved(c, reason, serving=s)
        )

    def record_work_slip(
        self,
        ctx: CommandContext,
        ticket_id: UUID,
        *,
        waived: bool,
        content: str | None,
        completion: Completion | None,
        reason: str | None,
    ) -> CommandResult:
        """O7: issue the slip (content and completion), or waive it for a minor job (reason)."""
        if waived:
            return self.waive_work_slip(ctx, ticket_id, reason or "")
        if completion is None:
            raise InvalidInput("a work slip states the completion of the job", rule="O7")
        return self.issue_work_slip(ctx, ticket_id, content or "", completion)

    def record_outcome(
        self, ctx: CommandContext, ticket_id: UUID, outcome: Outcome, text: str | None
    ) -> CommandResult:
        """Resolved (O7, `text` is a note) or closed unresolved (L1, `text` is the reason)."""
        if outcome is Outcome.RESOLVED:
            return self.resolve_ticket(ctx, ticket_id, text)
        return self.close_ticket_unresolved(ctx, ticket_id, text or "")
