"""Public payloads of ConciergeAssignment events (rules K2–K5, C6).

Left out on purpose: rejection reasons, replacement details, team notes and the reason an
assignment ended (free text about people and the customer); enum reasons are published.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

from domain.aggregates.assignment_values import ReplacementReason, TeamReason
from domain.aggregates.concierge_assignment import ConciergeAssignment as Assignment
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry, same_named

assignment_events = Registry("concierge_assignment", Assignment)


class AssignmentEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["concierge_assignment"] = "concierge_assignment"


class AssignmentOpenedData(msgspec.Struct, frozen=True, kw_only=True):
    contract_id: UUID
    cluster: str
    prefectures: tuple[str, ...]


@assignment_events.publishes(Assignment.AssignmentOpened)
class AssignmentOpened(AssignmentEvent, frozen=True, kw_only=True):
    """A site cluster of a contract needs its dedicated concierge (K2)."""

    event_type: Literal["AssignmentOpened"] = "AssignmentOpened"
    schema_version: Literal[1] = 1
    data: AssignmentOpenedData
    payload = staticmethod(same_named(AssignmentOpenedData))


class ConciergeProposedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID
    successor_of: UUID | None  # K5: the concierge this one would replace


@assignment_events.publishes(Assignment.ConciergeProposed)
class ConciergeProposed(AssignmentEvent, frozen=True, kw_only=True):
    """The operator proposed a concierge for the cluster (K4)."""

    event_type: Literal["ConciergeProposed"] = "ConciergeProposed"
    schema_version: Literal[1] = 1
    data: ConciergeProposedData
    payload = staticmethod(same_named(ConciergeProposedData))


class InterviewScheduledData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID
    interview_at: datetime


@assignment_events.publishes(Assignment.InterviewScheduled)
class InterviewScheduled(AssignmentEvent, frozen=True, kw_only=True):
    """The customer will interview the proposed concierge (K4)."""

    event_type: Literal["InterviewScheduled"] = "InterviewScheduled"
    schema_version: Literal[1] = 1
    data: InterviewScheduledData
    payload = staticmethod(same_named(InterviewScheduledData))


class ConciergeAcceptedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID
    interviewed_at: datetime


@assignment_events.publishes(Assignment.ConciergeAccepted)
class ConciergeAccepted(AssignmentEvent, frozen=True, kw_only=True):
    """The customer accepted the concierge, who now serves the cluster (K4, C6)."""

    event_type: Literal["ConciergeAccepted"] = "ConciergeAccepted"
    schema_version: Literal[1] = 1
    data: ConciergeAcceptedData
    payload = staticmethod(same_named(ConciergeAcceptedData))


class ConciergeRejectedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID


@assignment_events.publishes(Assignment.ConciergeRejected)
class ConciergeRejected(AssignmentEvent, frozen=True, kw_only=True):
    """The customer rejected the proposed concierge; a new proposal is needed (K4)."""

    event_type: Literal["ConciergeRejected"] = "ConciergeRejected"
    schema_version: Literal[1] = 1
    data: ConciergeRejectedData
    payload = staticmethod(same_named(ConciergeRejectedData))


class ReplacementRequestedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID
    reason: ReplacementReason


@assignment_events.publishes(Assignment.ReplacementRequested)
class ReplacementRequested(AssignmentEvent, frozen=True, kw_only=True):
    """The customer asked to replace the serving concierge (K5)."""

    event_type: Literal["ReplacementRequested"] = "ReplacementRequested"
    schema_version: Literal[1] = 1
    data: ReplacementRequestedData
    payload = staticmethod(same_named(ReplacementRequestedData))


class ConciergeReplacedData(msgspec.Struct, frozen=True, kw_only=True):
    previous_concierge_id: UUID
    successor_id: UUID
    reason: ReplacementReason
    previous_served_until: datetime


@assignment_events.publishes(Assignment.ConciergeReplaced)
class ConciergeReplaced(AssignmentEvent, frozen=True, kw_only=True):
    """A successor took over the cluster (K5)."""

    event_type: Literal["ConciergeReplaced"] = "ConciergeReplaced"
    schema_version: Literal[1] = 1
    data: ConciergeReplacedData
    payload = staticmethod(same_named(ConciergeReplacedData))


class TeamMemberAddedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID
    reason: TeamReason


@assignment_events.publishes(Assignment.TeamMemberAdded)
class TeamMemberAdded(AssignmentEvent, frozen=True, kw_only=True):
    """A team member joined the dedicated concierge, at a surcharge (K3, P11)."""

    event_type: Literal["TeamMemberAdded"] = "TeamMemberAdded"
    schema_version: Literal[1] = 1
    data: TeamMemberAddedData
    payload = staticmethod(same_named(TeamMemberAddedData))


class TeamMemberRemovedData(msgspec.Struct, frozen=True, kw_only=True):
    concierge_id: UUID


@assignment_events.publishes(Assignment.TeamMemberRemoved)
class TeamMemberRemoved(AssignmentEvent, frozen=True, kw_only=True):
    """A team member left the cluster (K3)."""

    event_type: Literal["TeamMemberRemoved"] = "TeamMemberRemoved"
    schema_version: Literal[1] = 1
    data: TeamMemberRemovedData
    payload = staticmethod(same_named(TeamMemberRemovedData))


class AssignmentEndedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@assignment_events.publishes(Assignment.AssignmentEnded)
class AssignmentEnded(AssignmentEvent, frozen=True, kw_only=True):
    """Nobody serves the cluster under this assignment any more."""

    event_type: Literal["AssignmentEnded"] = "AssignmentEnded"
    schema_version: Literal[1] = 1
    data: AssignmentEndedData
    payload = staticmethod(same_named(AssignmentEndedData))
