"""Concierge profiles and assignments (rules K1–K5, C6). Stub: being built (issue 3)."""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.contract import Contract
from infra.application import Scope, ServiceApplication


class ConciergeCommands(ServiceApplication):
    """Concierge and assignment use cases."""

    def contract_scope(self, contract_id: UUID) -> Scope:
        """The contract and the concierges serving any of its clusters (for authorisation)."""
        self.load(Contract, contract_id)
        return Scope(contract_id)

    def concierges_serving(self, contract_id: UUID, cluster: str) -> frozenset[str]:
        """Ids of the accepted concierge and team members of one site cluster (K2, K3)."""
        return frozenset()
