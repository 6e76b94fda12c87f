"""From the stored events of a claim and of its ticket to the inputs of the pure decision."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.liability import (
    AcknowledgedRisk,
    ClaimFacts,
    ClaimKind,
    Finding,
    FindingKind,
    TicketFacts,
)
from domain.tickets_values import Completion, ReferralTarget

Stored = Sequence[tuple[str, dict[str, Any]]]  # (event type, fields with event_id), in log order


def claim_facts(events: Stored) -> ClaimFacts:
    """The claim's kind and its latest finding of each kind."""
    filed = events[0][1]
    findings: dict[FindingKind, Finding] = {}
    for event_type, data in events[1:]:
        if event_type == "FindingRecorded":
            findings[FindingKind(data["finding"])] = Finding(data["value"], data["event_id"])
    return ClaimFacts(filed=filed["event_id"], kind=ClaimKind(filed["kind"]), findings=findings)


def ticket_facts(events: Stored) -> TicketFacts:
    """What the ticket's events say about instruction (O5), consent (O6), Second jobs (X2)
    and completion (O7, L1)."""
    instructions: list[str] = []
    starts: list[str] = []
    uninstructed: list[str] = []
    disclosed: dict[str, str] = {}
    acknowledged: dict[str, str] = {}
    carried: dict[str, list[str]] = {}
    second_jobs: list[str] = []
    incomplete: list[str] = []
    for event_type, data in events:
        event_id = data["event_id"]
        if event_type == "WorkInstructed":
            instructions.append(event_id)
        elif event_type == "WorkStarted":
            starts.append(event_id)
            if not instructions:
                uninstructed.append(event_id)
            for risk_id in data["risk_ids"]:
                carried.setdefault(risk_id, []).append(event_id)
        elif event_type == "RiskDisclosed":
            disclosed[data["risk_id"]] = event_id
        elif event_type == "RiskAcknowledged":
            acknowledged[data["risk_id"]] = event_id
        elif event_type == "SecondJobReferred" and data["to"] == ReferralTarget.CONCIERGE_DIRECT:
            second_jobs.append(event_id)
        elif event_type == "TicketClosedUnresolved" or (
            event_type == "WorkSlipIssued" and data["completion"] != Completion.COMPLETED
        ):
            incomplete.append(event_id)
    return TicketFacts(
        instructions=tuple(instructions),
        uninstructed_starts=tuple(uninstructed),
        starts=tuple(starts),
        acknowledged_risks=tuple(
            AcknowledgedRisk(disclosed[r], acknowledged[r], tuple(carried[r]))
            for r in acknowledged
            if r in disclosed and carried.get(r)  # L2: work carrying the risk was done
        ),
        second_jobs=tuple(second_jobs),
        incomplete=tuple(incomplete),
    )
