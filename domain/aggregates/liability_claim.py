"""The LiabilityClaim aggregate: a claim the operator files on a ticket and assesses (L1–L7).

Why an aggregate of its own rather than events on the ticket:
- a claim often comes after the ticket is resolved or closed, and a closed ticket accepts
  nothing more (O7, L1); the ticket's record of what happened must stay as it was;
- its actors and life differ: the operator files it and records findings over weeks,
  a compliance reviewer reads it; a ticket may carry several claims;
- a claim's commands then never conflict with the work on the ticket (optimistic
  concurrency is per aggregate), and the claim names its ticket and contract, so the
  audit trail files it under both.
The decision itself (who is liable, under which rule, on which events) is not recorded:
it is a pure function of these events and the ticket's (domain/liability.py), computed
by the liability view, so a finding changed later changes the decision with its trail.

The claim's description and a finding's note are free text that may name people (who
was present, who lost what): personal data of the customer company (domain/personal.py),
sealed with its key and erased with it. Claims stored before these fields were marked
personal hold them as plain text; the mapper reads both forms (infra/personal_data.py).
"""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.base import TracedAggregate
from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput, RuleViolation
from domain.liability import KIND_RULES, ClaimKind, FindingKind
from domain.meta import Cause, Role
from domain.personal import PersonalText
from domain.tickets_rules import optional_text, required_text
from domain.tickets_values import ReferralTarget


def _by_operator(cause: Cause, rule: str, doing: str) -> None:
    # Actors: the operator files and assesses liability claims; compliance only reads them.
    if cause.role is not Role.OPERATOR:
        raise RuleViolation(f"only the operator {doing}, not the {cause.role}", rule=rule)


class LiabilityClaim(TracedAggregate):
    """A claim for damage, a leak, non-completion or a Second-job dispute, on one ticket."""

    class ClaimFiled(TracedAggregate.Created):
        ticket_id: UUID
        contract_id: UUID
        kind: ClaimKind
        description: PersonalText

    class FindingRecorded(TracedAggregate.Event):
        finding: FindingKind
        value: bool
        note: PersonalText | None

        def apply(self, claim: LiabilityClaim) -> None:
            claim.findings = {**claim.findings, self.finding: self.value}

    def __init__(
        self, ticket_id: UUID, contract_id: UUID, kind: ClaimKind, description: str
    ) -> None:
        self.ticket_id = ticket_id
        self.contract_id = contract_id
        self.kind = kind
        self.description = description
        self.findings: dict[FindingKind, bool] = {}

    @classmethod
    def file(
        cls, cause: Cause, *, ticket: Ticket, kind: ClaimKind, description: str
    ) -> LiabilityClaim:
        """The operator files a claim on a ticket; a Second-job dispute needs a Second job (X2)."""
        rule = KIND_RULES[kind]
        _by_operator(cause, rule, "files a liability claim")
        text = required_text(description, "description", rule=rule)
        if kind is ClaimKind.SECOND_JOB_DISPUTE and not any(
            r.to is ReferralTarget.CONCIERGE_DIRECT for r in ticket.referrals
        ):
            raise RuleViolation(
                "this ticket has no Second job (extra work ordered from the concierge directly);"
                " file the claim as damage, information_leak or non_completion",
                rule="L5",
            )
        return cls._create_traced(
            cls.ClaimFiled,
            cause,
            ticket_id=ticket.id,
            contract_id=ticket.contract_id,
            kind=kind,
            description=text,
        )

    def record_finding(
        self, cause: Cause, finding: FindingKind, value: bool, note: str | None = None
    ) -> None:
        """The operator records what the assessment found; changing a finding needs a note."""
        _by_operator(cause, "L7", "records a finding")
        previous = self.findings.get(finding)
        if previous is value:
            raise RuleViolation(f"{finding} is already recorded as {value}", rule="L7")
        text = optional_text(note)
        if previous is not None and text is None:
            raise InvalidInput(
                f"changing the finding {finding} from {previous} to {value} needs a note",
                rule="L7",
            )
        self._record(self.FindingRecorded, cause, finding=finding, value=value, note=text)
