"""Values of concierge assignments: reasons, status, a pending replacement (K3, K5)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

import msgspec


class ReplacementReason(StrEnum):
    """K5: the reasonable reasons a customer may give for a replacement."""

    SKILL_INSUFFICIENT = "skill_insufficient"
    DISSATISFACTION = "dissatisfaction"
    OTHER = "other"  # needs an explanation


class TeamReason(StrEnum):
    """K3: why a team works beside the dedicated concierge."""

    LARGE_ENVIRONMENT = "large_environment"
    URGENT_TROUBLE = "urgent_trouble"


class AssignmentStatus(StrEnum):
    AWAITING_PROPOSAL = "awaiting_proposal"  # opened, or the last candidate was rejected
    PROPOSED = "proposed"  # a candidate awaits an interview
    INTERVIEW_SCHEDULED = "interview_scheduled"  # the customer will meet the candidate
    SERVING = "serving"  # an accepted concierge serves the cluster
    REPLACEMENT_REQUESTED = "replacement_requested"  # serving, successor not yet proposed
    ENDED = "ended"


class Replacement(msgspec.Struct, frozen=True):
    """A pending K5 request: the concierge to replace and why."""

    concierge_id: UUID
    reason: ReplacementReason
    detail: str
    requested_at: datetime
