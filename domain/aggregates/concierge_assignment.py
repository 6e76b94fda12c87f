"""The ConciergeAssignment aggregate: who serves one contract site cluster (K2–K5, C6)."""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.aggregates.assignment_values import (
    AssignmentStatus,
    Replacement,
    ReplacementReason,
    TeamReason,
)
from domain.aggregates.base import TracedAggregate
from domain.aggregates.concierge import Concierge
from domain.aggregates.contract import Contract, ContractStatus
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role
from domain.personal import PersonalText

_NAMESPACE = uuid5(NAMESPACE_URL, "urn:econcierge:concierge-assignment")


def assignment_id(contract_id: UUID, cluster: str) -> UUID:
    """K2: the one assignment of a site cluster, found by any service without a read model."""
    return uuid5(_NAMESPACE, f"{contract_id}\x00{cluster}")


def _require(cause: Cause, role: Role, rule: str, doing: str) -> None:
    # The API guards roles too; the domain must hold by itself (a worker, a CLI, a test).
    if cause.role is not role:
        raise RuleViolation(f"only the {role} {doing}", rule=rule, role=str(cause.role))


class ConciergeAssignment(TracedAggregate):
    """One dedicated concierge per site cluster (K2), chosen by K4, replaced by K5."""

    class AssignmentOpened(TracedAggregate.Created):
        contract_id: UUID
        cluster: str
        prefectures: tuple[str, ...]  # of the cluster's sites: where the concierge visits

    class ConciergeProposed(TracedAggregate.Event):
        concierge_id: UUID
        successor_of: UUID | None  # K5: the concierge this one would replace

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.candidate_id = self.concierge_id
            assignment.interview_at = None

    class InterviewScheduled(TracedAggregate.Event):
        concierge_id: UUID
        interview_at: datetime

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.interview_at = self.interview_at

    class ConciergeAccepted(TracedAggregate.Event):
        concierge_id: UUID
        interviewed_at: datetime

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.accepted_id = self.concierge_id
            assignment.candidate_id = None
            assignment.interview_at = None
            # A team member who becomes the dedicated concierge leaves the team.
            assignment.team = assignment.team - {self.concierge_id}

    class ConciergeRejected(TracedAggregate.Event):
        concierge_id: UUID
        reason: PersonalText | None

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.candidate_id = None
            assignment.interview_at = None
            assignment.declined = assignment.declined | {self.concierge_id}

    class ReplacementRequested(TracedAggregate.Event):
        concierge_id: UUID
        reason: ReplacementReason
        detail: PersonalText

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.replacement = Replacement(
                self.concierge_id, self.reason, self.detail, self.timestamp
            )

    class ConciergeReplaced(TracedAggregate.Event):
        previous_concierge_id: UUID
        successor_id: UUID
        reason: ReplacementReason
        previous_served_until: datetime  # K5: the previous concierge stops serving here

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.replacement = None
            assignment.declined = assignment.declined | {self.previous_concierge_id}

    class TeamMemberAdded(TracedAggregate.Event):
        concierge_id: UUID
        reason: TeamReason
        note: PersonalText | None

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.team = assignment.team | {self.concierge_id}

    class TeamMemberRemoved(TracedAggregate.Event):
        concierge_id: UUID

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.team = assignment.team - {self.concierge_id}

    class AssignmentEnded(TracedAggregate.Event):
        reason: PersonalText

        def apply(self, assignment: ConciergeAssignment) -> None:
            assignment.ended_at = self.timestamp

    def __init__(self, contract_id: UUID, cluster: str, prefectures: tuple[str, ...]) -> None:
        self.contract_id = contract_id
        self.cluster = cluster
        self.prefectures = prefectures
        self.accepted_id: UUID | None = None
        self.candidate_id: UUID | None = None
        self.interview_at: datetime | None = None
        self.replacement: Replacement | None = None
        self.team: frozenset[UUID] = frozenset()
        self.declined: frozenset[UUID] = frozenset()  # rejected or replaced here
        self.ended_at: datetime | None = None

    # ---- commands: selection (K4) ---------------------------------------------------

    @classmethod
    def open(
        cls, cause: Cause, contract: Contract, cluster: str, concierge: Concierge
    ) -> ConciergeAssignment:
        """K2/K4: the operator's first proposal of a dedicated concierge for a cluster."""
        _require(cause, Role.OPERATOR, "K4", "proposes a concierge")
        if cluster not in contract.clusters:
            raise InvalidInput(
                f"the contract has no site cluster {cluster!r}",
                rule="K2",
                clusters=list(contract.clusters),
            )
        if contract.status is ContractStatus.ENDED:
            raise RuleViolation(f"the contract ended on {contract.ended_on}", rule="K2")
        prefectures = tuple(
            dict.fromkeys(s.prefecture for s in contract.sites if s.cluster == cluster)
        )
        assignment = cls._create_traced(
            cls.AssignmentOpened,
            cause,
            id=assignment_id(contract.id, cluster),
            contract_id=contract.id,
            cluster=cluster,
            prefectures=prefectures,
        )
        assignment.propose(cause, concierge)
        return assignment

    def propose(self, cause: Cause, concierge: Concierge) -> None:
        """K4: the operator proposes a candidate; K5: after a replacement request, a successor."""
        _require(cause, Role.OPERATOR, "K4", "proposes a concierge")
        self._refuse_if_ended()
        if self.candidate_id is not None:
            raise RuleViolation(
                f"concierge {self.candidate_id} is still awaiting the customer's decision",
                rule="K4",
                candidate_id=self.candidate_id,
            )
        if self.accepted_id is not None and self.replacement is None:
            raise RuleViolation(
                f"concierge {self.accepted_id} is this cluster's dedicated concierge; "
                "a successor is proposed only after the customer requests a replacement (K5)",
                rule="K2",
            )
        if self.replacement is not None and concierge.id == self.replacement.concierge_id:
            raise RuleViolation(
                f"concierge {concierge.id} is the one the customer asked to replace", rule="K5"
            )
        if concierge.id in self.declined:
            raise RuleViolation(
                f"the customer already rejected or replaced concierge {concierge.id} here; "
                "a rejection needs a new proposal",
                rule="K4",
            )
        self._check_serves(concierge)
        self._record(
            self.ConciergeProposed,
            cause,
            concierge_id=concierge.id,
            successor_of=self.accepted_id,
        )

    def schedule_interview(self, cause: Cause, interview_at: datetime) -> None:
        """K4: the customer meets the candidate before accepting (operator or customer books it)."""
        if cause.role not in (Role.OPERATOR, Role.CUSTOMER):
            raise RuleViolation(
                "only the operator or the customer schedules an interview", rule="K4"
            )
        self._refuse_if_ended()
        candidate = self._candidate()
        if interview_at.tzinfo is None or interview_at.utcoffset() is None:
            raise InvalidInput("the interview time needs a UTC offset (e.g. +09:00)", rule="K4")
        self._record(
            self.InterviewScheduled, cause, concierge_id=candidate, interview_at=interview_at
        )

    def accept(self, cause: Cause) -> None:
        """K4: the customer accepts the interviewed candidate; K5: a successor replaces the old one."""
        _require(cause, Role.CUSTOMER, "K4", "accepts a proposed concierge")
        self._refuse_if_ended()
        candidate = self._candidate()
        if self.interview_at is None:
            raise RuleViolation("the customer interviews the candidate before accepting", rule="K4")
        if cause.at < self.interview_at:
            raise RuleViolation(
                f"the interview is scheduled for {self.interview_at.isoformat()}; accept after it",
                rule="K4",
                interview_at=self.interview_at,
            )
        replacement = self.replacement
        self._record(
            self.ConciergeAccepted, cause, concierge_id=candidate, interviewed_at=self.interview_at
        )
        if replacement is not None:
            self._record(
                self.ConciergeReplaced,
                cause,
                previous_concierge_id=replacement.concierge_id,
                successor_id=candidate,
                reason=replacement.reason,
                previous_served_until=cause.at,
            )

    def reject(self, cause: Cause, reason: str | None = None) -> None:
        """K4: the customer rejects the candidate (before or after the interview)."""
        _require(cause, Role.CUSTOMER, "K4", "rejects a proposed concierge")
        self._refuse_if_ended()
        candidate = self._candidate()
        text = reason.strip() if reason and reason.strip() else None
        self._record(self.ConciergeRejected, cause, concierge_id=candidate, reason=text)

    def request_replacement(
        self, cause: Cause, reason: ReplacementReason, detail: str | None = None
    ) -> None:
        """K5: the customer asks for another concierge, for a recorded, reasonable reason."""
        _require(cause, Role.CUSTOMER, "K5", "requests a replacement")
        self._refuse_if_ended()
        if self.accepted_id is None:
            raise RuleViolation("there is no accepted concierge to replace", rule="K5")
        if self.replacement is not None:
            raise RuleViolation("a replacement is already requested", rule="K5")
        text = (detail or "").strip()
        if reason is ReplacementReason.OTHER and not text:
            raise InvalidInput("a replacement for 'other' reasons needs an explanation", rule="K5")
        self._record(
            self.ReplacementRequested,
            cause,
            concierge_id=self.accepted_id,
            reason=reason,
            detail=text,
        )

    # ---- commands: team response (K3) -----------------------------------------------

    def add_team_member(
        self, cause: Cause, concierge: Concierge, reason: TeamReason, note: str | None = None
    ) -> None:
        """K3: a team beside the dedicated concierge, for a large environment or urgent trouble."""
        _require(cause, Role.OPERATOR, "K3", "assigns a team")
        self._refuse_if_ended()
        if self.accepted_id is None:
            raise RuleViolation("a team works beside an accepted dedicated concierge", rule="K3")
        if concierge.id == self.accepted_id:
            raise RuleViolation("the dedicated concierge is not a team member", rule="K3")
        if concierge.id in self.team:
            raise RuleViolation(f"concierge {concierge.id} is already on the team", rule="K3")
        self._check_serves(concierge)
        text = note.strip() if note and note.strip() else None
        self._record(
            self.TeamMemberAdded,
            cause,
            concierge_id=concierge.id,
            reason=TeamReason(reason),
            note=text,
        )

    def remove_team_member(self, cause: Cause, concierge_id: UUID) -> None:
        """K3: the team shrinks; with no members left, the team surcharge (P11) stops."""
        _require(cause, Role.OPERATOR, "K3", "changes a team")
        self._refuse_if_ended()
        if concierge_id not in self.team:
            raise RuleViolation(f"concierge {concierge_id} is not on the team", rule="K3")
        self._record(self.TeamMemberRemoved, cause, concierge_id=concierge_id)

    def end(self, cause: Cause, reason: str) -> None:
        """K2: nobody serves the cluster any more (e.g. the contract ended)."""
        _require(cause, Role.OPERATOR, "K2", "ends an assignment")
        self._refuse_if_ended()
        if not reason.strip():
            raise InvalidInput("ending an assignment needs a reason", rule="K2")
        self._record(self.AssignmentEnded, cause, reason=reason.strip())

    # ---- queries --------------------------------------------------------------------

    @property
    def accepted_concierge_id(self) -> UUID | None:
        """K2: the dedicated concierge (None before acceptance or after the end)."""
        return None if self.ended_at else self.accepted_id

    @property
    def candidate_concierge_id(self) -> UUID | None:
        return None if self.ended_at else self.candidate_id

    @property
    def team_member_ids(self) -> frozenset[UUID]:
        return frozenset() if self.ended_at else self.team

    @property
    def team_active(self) -> bool:
        """K3/P11: billing adds the team surcharge while this is true."""
        return bool(self.team_member_ids)

    @property
    def serving_concierge_ids(self) -> frozenset[UUID]:
        """The dedicated concierge and the team: who may act for this cluster (C6, tickets)."""
        accepted = self.accepted_concierge_id
        return self.team_member_ids | ({accepted} if accepted else set())

    @property
    def status(self) -> AssignmentStatus:
        if self.ended_at is not None:
            return AssignmentStatus.ENDED
        if self.candidate_id is not None:
            return (
                AssignmentStatus.INTERVIEW_SCHEDULED
                if self.interview_at
                else AssignmentStatus.PROPOSED
            )
        if self.accepted_id is not None:
            return (
                AssignmentStatus.REPLACEMENT_REQUESTED
                if self.replacement
                else AssignmentStatus.SERVING
            )
        return AssignmentStatus.AWAITING_PROPOSAL

    # ---- helpers --------------------------------------------------------------------

    def _candidate(self) -> UUID:
        if self.candidate_id is None:
            raise RuleViolation(
                "no concierge is proposed; a rejection needs a new proposal first", rule="K4"
            )
        return self.candidate_id

    def _check_serves(self, concierge: Concierge) -> None:
        # K1/S3: service is on site, so the concierge must cover every prefecture of the cluster.
        missing = concierge.unserved(self.prefectures)
        if missing:
            raise RuleViolation(
                f"concierge {concierge.id} does not serve {', '.join(missing)}",
                rule="K1",
                unserved_prefectures=missing,
            )

    def _refuse_if_ended(self) -> None:
        if self.ended_at is not None:
            raise RuleViolation(f"the assignment ended at {self.ended_at.isoformat()}", rule="K2")
