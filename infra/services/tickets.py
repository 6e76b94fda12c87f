"""Ticket use cases (rules S1–S6, X1–X3, O1–O8). Stub: being built (issue 3)."""

from __future__ import annotations

from uuid import UUID

from domain.errors import NotFound
from infra.application import Scope, ServiceApplication


class TicketCommands(ServiceApplication):
    """Ticket use cases."""

    def ticket_scope(self, ticket_id: UUID) -> Scope:
        """The ticket's contract and the concierges who may act on it (for authorisation)."""
        raise NotFound(f"no ticket with id {ticket_id}")
