"""The liability decisions a dispute view shows, from the read side's liability view (L1–L7).

It reads `claims_for(tx, contract_id=..., ticket_id=...)` of projections/liability.py: each
claim with its decision (who is liable), the rule applied (None while undecided), the
rules L7 set aside, the finding it awaits, and its evidence as audit event ids
("<aggregate id>:<version>"), which the page links to their rows in the timeline.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from infra.bootstrap import EConcierge
from projections.audit_query import AuditEntry
from projections.catalog import views_of
from projections.liability import claims_for


@dataclass(frozen=True)
class Evidence:
    event_id: str
    position: int | None  # the event's row in the timeline (None: not in this trail)


@dataclass(frozen=True)
class Claim:
    claim_id: str
    kind: str
    description: str
    decision: str  # domain.liability.Liable
    rule: str | None  # None while undecided
    explanation: str
    evidence: list[Evidence]
    outweighed: tuple[str, ...] = ()
    awaiting: tuple[str, ...] = ()


def claims(
    service: EConcierge,
    entries: Sequence[AuditEntry],
    *,
    contract_id: UUID | None = None,
    ticket_id: UUID | None = None,
) -> list[Claim]:
    """The decided claims of a contract or ticket, evidence linked to the timeline's rows."""
    positions = {entry.event_id: entry.position for entry in entries}
    with views_of(service).read() as tx:
        found = claims_for(tx, contract_id=contract_id, ticket_id=ticket_id)
    return [
        Claim(
            claim_id=str(c.claim_id),
            kind=str(c.kind),
            description=c.description,
            decision=str(c.decision),
            rule=c.rule,
            explanation=c.explanation,
            evidence=[Evidence(e, positions.get(e)) for e in c.evidence],
            outweighed=tuple(c.outweighed),
            awaiting=tuple(str(a) for a in c.awaiting),
        )
        for c in found
    ]
