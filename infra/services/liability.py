"""Liability claim use cases of the application service (L1–L7)."""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.liability_claim import LiabilityClaim
from domain.aggregates.ticket import Ticket
from domain.liability import ClaimKind, FindingKind
from infra.application import CommandContext, CommandResult, Scope, ServiceApplication


class LiabilityCommands(ServiceApplication):
    """The operator files claims on tickets and records findings; each saves once."""

    def file_liability_claim(
        self, ctx: CommandContext, ticket_id: UUID, kind: ClaimKind, description: str
    ) -> CommandResult:
        def command() -> list[LiabilityClaim]:
            ticket = self.load(Ticket, ticket_id)
            return [
                LiabilityClaim.file(
                    self.cause(ctx), ticket=ticket, kind=kind, description=description
                )
            ]

        return self.execute(ctx, command)

    def record_liability_finding(
        self,
        ctx: CommandContext,
        claim_id: UUID,
        finding: FindingKind,
        value: bool,
        note: str | None = None,
    ) -> CommandResult:
        def command() -> list[LiabilityClaim]:
            claim = self.load(LiabilityClaim, claim_id, ctx)
            claim.record_finding(self.cause(ctx), finding, value, note)
            return [claim]

        return self.execute(ctx, command)

    def get_liability_claim(self, claim_id: UUID) -> LiabilityClaim:
        return self.load(LiabilityClaim, claim_id)

    def claim_scope(self, claim_id: UUID) -> Scope:
        """The claim's contract (for authorisation; claims are staff-only today)."""
        return Scope(self.get_liability_claim(claim_id).contract_id)
