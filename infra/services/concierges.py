"""Concierge profiles and assignments of the application service (rules K1–K5, C6)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.aggregates import concierge_assignment
from domain.aggregates.concierge import Concierge, ConciergeKind
from domain.aggregates.concierge_assignment import (
    ConciergeAssignment,
    ReplacementReason,
    TeamReason,
)
from domain.aggregates.contract import Contract
from domain.errors import NotFound
from infra.application import CommandContext, CommandResult, Scope, ServiceApplication

#: The assignment of a contract's site cluster: a name-based UUID, worth computing once.
_assignment_id = functools.lru_cache(maxsize=4096)(concierge_assignment.assignment_id)


class ConciergeProfile(msgspec.Struct, frozen=True, kw_only=True):
    """The inputs of `register_concierge` (K1)."""

    name: str
    kind: ConciergeKind
    regions: tuple[str, ...]
    skills: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("ja",)


class ConciergeCommands(ServiceApplication):
    """Concierge and assignment use cases: each loads, calls one command method, saves once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Who serves a cluster, per (assignment id, version): a committed version never changes.
        self._serving: dict[tuple[UUID, int], frozenset[str]] = {}
        super().__init__(*args, **kwargs)

    # ---- concierges (K1) ------------------------------------------------------------

    def register_concierge(self, ctx: CommandContext, profile: ConciergeProfile) -> CommandResult:
        def command() -> list[Concierge]:
            return [
                Concierge.register(
                    self.cause(ctx),
                    name=profile.name,
                    kind=profile.kind,
                    skills=profile.skills,
                    regions=profile.regions,
                    languages=profile.languages,
                )
            ]

        return self.execute(ctx, command)

    def update_concierge_profile(
        self,
        ctx: CommandContext,
        concierge_id: UUID,
        *,
        name: str | None = None,
        skills: Iterable[str] | None = None,
        regions: Iterable[str] | None = None,
        languages: Iterable[str] | None = None,
    ) -> CommandResult:
        def command() -> list[Concierge]:
            concierge = self.load(Concierge, concierge_id, ctx)
            concierge.update_profile(
                self.cause(ctx), name=name, skills=skills, regions=regions, languages=languages
            )
            return [concierge]

        return self.execute(ctx, command)

    def get_concierge(self, concierge_id: UUID) -> Concierge:
        return self.load(Concierge, concierge_id)

    # ---- assignments (K2–K5) --------------------------------------------------------

    def propose_concierge(
        self, ctx: CommandContext, contract_id: UUID, cluster: str, concierge_id: UUID
    ) -> CommandResult:
        """K4: open the cluster's assignment with a first proposal, or propose the next one."""

        def command() -> list[ConciergeAssignment]:
            cause = self.cause(ctx)
            concierge = self.load(Concierge, concierge_id)
            assignment = self._assignment_of(contract_id, cluster, ctx)
            if assignment is None:
                contract = self.load(Contract, contract_id)
                return [ConciergeAssignment.open(cause, contract, cluster, concierge)]
            assignment.propose(cause, concierge)
            return [assignment]

        return self.execute(ctx, command)

    def schedule_interview(
        self, ctx: CommandContext, assignment_id: UUID, interview_at: datetime
    ) -> CommandResult:
        return self._on_assignment(
            ctx, assignment_id, lambda a: a.schedule_interview(self.cause(ctx), interview_at)
        )

    def accept(self, ctx: CommandContext, assignment_id: UUID) -> CommandResult:
        return self._on_assignment(ctx, assignment_id, lambda a: a.accept(self.cause(ctx)))

    def reject(
        self, ctx: CommandContext, assignment_id: UUID, reason: str | None = None
    ) -> CommandResult:
        return self._on_assignment(ctx, assignment_id, lambda a: a.reject(self.cause(ctx), reason))

    def request_replacement(
        self,
        ctx: CommandContext,
        assignment_id: UUID,
        reason: ReplacementReason,
        detail: str | None = None,
    ) -> CommandResult:
        return self._on_assignment(
            ctx, assignment_id, lambda a: a.request_replacement(self.cause(ctx), reason, detail)
        )

    def add_team_member(
        self,
        ctx: CommandContext,
        assignment_id: UUID,
        concierge_id: UUID,
        reason: TeamReason,
        note: str | None = None,
    ) -> CommandResult:
        def change(assignment: ConciergeAssignment) -> None:
            member = self.load(Concierge, concierge_id)
            assignment.add_team_member(self.cause(ctx), member, reason, note)

        return self._on_assignment(ctx, assignment_id, change)

    def remove_team_member(
        self, ctx: CommandContext, assignment_id: UUID, concierge_id: UUID
    ) -> CommandResult:
        return self._on_assignment(
            ctx, assignment_id, lambda a: a.remove_team_member(self.cause(ctx), concierge_id)
        )

    def end_assignment(
        self, ctx: CommandContext, assignment_id: UUID, reason: str
    ) -> CommandResult:
        return self._on_assignment(ctx, assignment_id, lambda a: a.end(self.cause(ctx), reason))

    def get_assignment(self, assignment_id: UUID) -> ConciergeAssignment:
        return self.load(ConciergeAssignment, assignment_id)

    def assignments_of(self, contract_id: UUID) -> list[ConciergeAssignment]:
        """The assignments of every cluster of a contract that has one, in cluster order."""
        contract = self.load(Contract, contract_id)
        found = (self._assignment_of(contract_id, c) for c in contract.clusters)
        return [a for a in found if a is not None]

    # ---- what other services ask (C6, authorisation) --------------------------------

    def concierges_serving(self, contract_id: UUID, cluster: str) -> frozenset[str]:
        """Ids of the accepted concierge and team members of one site cluster (K2, K3)."""
        try:  # asked by nearly every ticket command: read in passing, answer cached per version
            assignment = self.peek(ConciergeAssignment, _assignment_id(contract_id, cluster))
        except NotFound:
            return frozenset()
        key = (assignment.id, assignment.version)
        found = self._serving.get(key)
        if found is None:
            if len(self._serving) >= 4096:
                self._serving.clear()
            found = frozenset(str(i) for i in assignment.serving_concierge_ids)
            self._serving[key] = found
        return found

    def contract_scope(self, contract_id: UUID) -> Scope:
        """The contract and the concierges serving any of its clusters (for authorisation)."""
        contract = self.peek(Contract, contract_id)
        serving: frozenset[str] = frozenset()
        for cluster in contract.clusters:
            serving |= self.concierges_serving(contract_id, cluster)
        return Scope(contract_id, serving)

    def assignment_scope(self, assignment_id: UUID) -> Scope:
        """The assignment's contract and who serves it, plus its candidate (for authorisation)."""
        assignment = self.peek(ConciergeAssignment, assignment_id)
        scope = self.contract_scope(assignment.contract_id)
        candidate = assignment.candidate_concierge_id
        if candidate is None:
            return scope
        return Scope(scope.contract_id, scope.concierge_ids | {str(candidate)})

    # ---- helpers --------------------------------------------------------------------

    def _assignment_of(
        self, contract_id: UUID, cluster: str, ctx: CommandContext | None = None
    ) -> ConciergeAssignment | None:
        try:
            return self.load(ConciergeAssignment, _assignment_id(contract_id, cluster), ctx)
        except NotFound:
            return None

    def _on_assignment(
        self,
        ctx: CommandContext,
        assignment_id: UUID,
        change: Callable[[ConciergeAssignment], None],
    ) -> CommandResult:
        def command() -> list[ConciergeAssignment]:
            assignment = self.load(ConciergeAssignment, assignment_id, ctx)
            change(assignment)
            return [assignment]

        return self.execute(ctx, command)
