"""Audit summaries of Concierge and ConciergeAssignment events (rules K1–K5, C6, P11)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from infra.clock import JST
from projections.summaries import describes


def jst(instant: datetime) -> str:
    return instant.astimezone(JST).strftime("%Y-%m-%d %H:%M JST")


def who(concierge_id: object) -> str:
    """A concierge's id, shortened for the line (the full id is in the event's fields)."""
    return f"concierge {str(concierge_id)[:8]}"


@describes("Concierge.ConciergeRegistered", "K1")
def _registered(e: Any) -> str:
    return (
        f"Concierge {e.name} registered ({e.kind}): serves {', '.join(e.regions)}; "
        f"speaks {', '.join(e.languages)}"
    )


@describes("Concierge.ConciergeProfileUpdated", "K1")
def _profile(e: Any) -> str:
    return f"Profile of concierge {e.name} updated: serves {', '.join(e.regions)}"


@describes("ConciergeAssignment.AssignmentOpened", "K2", "C6")
def _opened(e: Any) -> str:
    return f"Assignment opened for site cluster {e.cluster!r} ({', '.join(e.prefectures)})"


@describes("ConciergeAssignment.ConciergeProposed", "K4", "K5")
def _proposed(e: Any) -> str:
    successor = f" as successor of {who(e.successor_of)}" if e.successor_of else ""
    return f"{who(e.concierge_id).capitalize()} proposed{successor}"


@describes("ConciergeAssignment.InterviewScheduled", "K4")
def _interview(e: Any) -> str:
    return f"Interview with {who(e.concierge_id)} scheduled for {jst(e.interview_at)}"


@describes("ConciergeAssignment.ConciergeAccepted", "K4", "C6")
def _accepted(e: Any) -> str:
    return f"Customer accepted {who(e.concierge_id)} (interviewed {jst(e.interviewed_at)})"


@describes("ConciergeAssignment.ConciergeRejected", "K4")
def _rejected(e: Any) -> str:
    return f"Customer rejected {who(e.concierge_id)}" + (f": {e.reason}" if e.reason else "")


@describes("ConciergeAssignment.ReplacementRequested", "K5")
def _replacement(e: Any) -> str:
    return f"Customer asked to replace {who(e.concierge_id)} ({e.reason}): {e.detail}"


@describes("ConciergeAssignment.ConciergeReplaced", "K5")
def _replaced(e: Any) -> str:
    return (
        f"{who(e.previous_concierge_id).capitalize()} replaced by {who(e.successor_id)} "
        f"({e.reason}); served until {jst(e.previous_served_until)}"
    )


@describes("ConciergeAssignment.TeamMemberAdded", "K3", "P11")
def _team_added(e: Any) -> str:
    note = f": {e.note}" if e.note else ""
    return f"{who(e.concierge_id).capitalize()} added to the team ({e.reason}; surcharged){note}"


@describes("ConciergeAssignment.TeamMemberRemoved", "K3", "P11")
def _team_removed(e: Any) -> str:
    return f"{who(e.concierge_id).capitalize()} left the team"


@describes("ConciergeAssignment.AssignmentEnded", "K2")
def _ended(e: Any) -> str:
    return f"Assignment ended: {e.reason}"
