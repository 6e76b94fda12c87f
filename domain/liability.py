"""Who is liable for a claim (L1–L7): a pure decision over the claim, its findings and
the ticket's facts, citing the rule applied and the events it rests on.

Precedence (L7, and our decisions where L7 is silent), first match wins:
1. L5  a Second job (the claim is a Second-job dispute, or a finding says the claim is
       about one): liability lies between customer and concierge; the operator is out
       whatever else was found.
2. L4  a leak by the concierge: operator and concierge. Decision: above L6, because
       confidentiality is the operator's own promise in the application terms (C5),
       whether or not the work was instructed.
3. L6  work without the customer's instruction (a finding, or a job started before any
       instruction): the concierge alone. Decision: above L3, since with no instruction
       the work was never the operator's service.
4. L3  negligence found: operator and concierge.
5. L2  damage from work carrying a risk the customer acknowledged (unless a finding says
       the damage is not that risk): the customer bears it; concierge and operator are not
       liable. L3, L4 and L6 outweigh it (L7).
6. L1  non-completion alone: nobody is liable.
Otherwise a finding that rules out its ground (no negligence, no leak) means nobody is
liable; with no such finding the claim is undecided and says which finding it awaits.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec


class ClaimKind(StrEnum):
    DAMAGE = "damage"
    INFORMATION_LEAK = "information_leak"
    NON_COMPLETION = "non_completion"
    SECOND_JOB_DISPUTE = "second_job_dispute"


class FindingKind(StrEnum):
    """What the operator establishes while assessing a claim (each a yes/no)."""

    NEGLIGENCE_FOUND = "negligence_found"  # L3: the damage clearly comes from negligence
    LEAK_BY_CONCIERGE = "leak_by_concierge"  # L4
    WORK_WAS_INSTRUCTED = "work_was_instructed"  # L6: false = done without instruction
    RISK_MATERIALISED = "risk_materialised"  # L2: the damage is the risk acknowledged
    CONCERNS_SECOND_JOB = "concerns_second_job"  # L5: the claim is about a Second job


class Liable(StrEnum):
    OPERATOR_AND_CONCIERGE = "operator_and_concierge"
    CONCIERGE_ALONE = "concierge_alone"
    CUSTOMER = "customer"  # the customer bears the damage (L2)
    CUSTOMER_AND_CONCIERGE = "customer_and_concierge"  # L5: between them, operator not liable
    NOBODY = "nobody"
    UNDECIDED = "undecided"  # a finding is still awaited


class Finding(msgspec.Struct, frozen=True):
    value: bool
    event_id: str


class AcknowledgedRisk(msgspec.Struct, frozen=True):
    """O6: a risk disclosed, the customer's GO, and the jobs that carried it."""

    disclosed: str
    acknowledged: str
    started: tuple[str, ...]


class TicketFacts(msgspec.Struct, frozen=True, kw_only=True):
    """The ticket's events a decision may rest on (event ids)."""

    instructions: tuple[str, ...] = ()  # O5
    uninstructed_starts: tuple[str, ...] = ()  # jobs started before any instruction
    starts: tuple[str, ...] = ()
    acknowledged_risks: tuple[AcknowledgedRisk, ...] = ()
    second_jobs: tuple[str, ...] = ()  # X2 referrals to the concierge directly
    incomplete: tuple[str, ...] = ()  # O7 slips not completed, L1 closures unresolved


class ClaimFacts(msgspec.Struct, frozen=True, kw_only=True):
    filed: str  # the ClaimFiled event id
    kind: ClaimKind
    findings: dict[FindingKind, Finding] = {}  # the latest of each kind


class Decision(msgspec.Struct, frozen=True, kw_only=True):
    liable: Liable
    rule: str | None  # the rule applied
    explanation: str
    evidence: tuple[str, ...]  # event ids, so a reviewer can follow it in the audit trail
    outweighed: tuple[str, ...] = ()  # rules that would apply too, set aside by L7
    awaiting: tuple[FindingKind, ...] = ()


_ORDER = ("L4", "L6", "L3", "L2")  # the grounds below L5, strongest first (L7)


class _Case:
    """One claim with its findings read, and the grounds that hold."""

    def __init__(self, claim: ClaimFacts, ticket: TicketFacts) -> None:
        self.claim, self.ticket = claim, ticket
        found = claim.findings.get
        self.neg, self.leak = (
            found(FindingKind.NEGLIGENCE_FOUND),
            found(FindingKind.LEAK_BY_CONCIERGE),
        )
        self.instructed, self.risk = (
            found(FindingKind.WORK_WAS_INSTRUCTED),
            found(FindingKind.RISK_MATERIALISED),
        )
        second = found(FindingKind.CONCERNS_SECOND_JOB)
        self.second = claim.kind is ClaimKind.SECOND_JOB_DISPUTE or bool(second and second.value)
        no_instruction = self.instructed is not None and not self.instructed.value
        self.uninstructed = no_instruction or (
            self.instructed is None and bool(ticket.uninstructed_starts)
        )
        risk_ruled_out = self.risk is not None and not self.risk.value
        self.risks = () if risk_ruled_out else ticket.acknowledged_risks
        self.holds = {
            "L4": bool(self.leak and self.leak.value),
            "L6": self.uninstructed,
            "L3": bool(self.neg and self.neg.value),
            "L2": bool(self.risks) and claim.kind is ClaimKind.DAMAGE,
        }

    def cite(self, *ids: str, findings: tuple[Finding | None, ...] = ()) -> tuple[str, ...]:
        """The claim, the given events and the findings used, each once, in that order."""
        used = (f.event_id for f in findings if f is not None)
        return tuple(dict.fromkeys((self.claim.filed, *ids, *used)))

    def outweighed(self, rule: str) -> tuple[str, ...]:
        below = _ORDER[_ORDER.index(rule) + 1 :] if rule in _ORDER else _ORDER
        return tuple(r for r in below if self.holds[r])

    def acknowledged(self) -> tuple[str, ...]:
        """O6: each acknowledged risk's disclosure, the customer's GO, and the jobs carrying it."""
        return tuple(i for r in self.risks for i in (r.disclosed, r.acknowledged, *r.started))

    def decision(self, liable: Liable, rule: str, why: str, evidence: tuple[str, ...]) -> Decision:
        outweighed = self.outweighed(rule)
        if "L2" in outweighed:  # L7: the acknowledgement set aside is evidence of the decision too
            evidence = tuple(dict.fromkeys((*evidence, *self.acknowledged())))
        return Decision(
            liable=liable, rule=rule, explanation=why, evidence=evidence, outweighed=outweighed
        )


def decide(claim: ClaimFacts, ticket: TicketFacts) -> Decision:
    """The decision on the claim under L1–L7 (see the module's precedence)."""
    c, t = _Case(claim, ticket), ticket
    if c.second:
        return c.decision(
            Liable.CUSTOMER_AND_CONCIERGE, "L5",
            "a Second job is a direct contract between customer and concierge: liability lies"
            " between them; the operator is not liable but assists (L5, X2)",
            c.cite(*t.second_jobs, *t.instructions, findings=tuple(claim.findings.values())),
        )  # fmt: skip
    if c.holds["L4"]:
        return c.decision(
            Liable.OPERATOR_AND_CONCIERGE, "L4",
            "the concierge leaked the customer's confidential information: operator and"
            " concierge are liable and compensate (L4)",
            c.cite(*t.instructions, findings=(c.leak,)),
        )  # fmt: skip
    if c.holds["L6"]:
        return c.decision(
            Liable.CONCIERGE_ALONE, "L6",
            "the work was done without a customer instruction (O5): the concierge alone is"
            " responsible (L6)",
            c.cite(*t.instructions, *t.uninstructed_starts, *t.starts,
                   findings=(c.instructed, c.neg)),
        )  # fmt: skip
    if c.holds["L3"]:
        return c.decision(
            Liable.OPERATOR_AND_CONCIERGE, "L3",
            "the damage was clearly caused by the concierge's negligence: operator and"
            " concierge are liable (L3)",
            c.cite(*t.instructions, *t.starts, findings=(c.neg, c.instructed)),
        )  # fmt: skip
    if c.holds["L2"]:
        return c.decision(
            Liable.CUSTOMER, "L2",
            "the damage arose from work whose risk the customer acknowledged (O6): the"
            " concierge and the operator are not liable (L2)",
            c.cite(*t.instructions, *c.acknowledged(), findings=(c.neg, c.risk)),
        )  # fmt: skip
    return _no_ground(c)


def _no_ground(c: _Case) -> Decision:
    """No ground of liability holds: L1, a finding that ruled its ground out, or not yet."""
    t = c.ticket
    if c.claim.kind is ClaimKind.NON_COMPLETION:
        return c.decision(
            Liable.NOBODY, "L1",
            "the service is not a contract for a result: failing to complete a job is not, by"
            " itself, a ground for liability (L1)",
            c.cite(*t.instructions, *t.incomplete, findings=(c.neg,)),
        )  # fmt: skip
    if c.claim.kind is ClaimKind.INFORMATION_LEAK:
        if c.leak is None:
            return _undecided(c, FindingKind.LEAK_BY_CONCIERGE, "L4")
        return c.decision(
            Liable.NOBODY, "L4", "no leak by the concierge was found: nobody is liable (L4)",
            c.cite(findings=(c.leak,)),
        )  # fmt: skip
    if c.neg is None:
        return _undecided(c, FindingKind.NEGLIGENCE_FOUND, "L3")
    return c.decision(
        Liable.NOBODY, "L3",
        "no negligence of the concierge was found and no other ground applies: nobody is"
        " liable (L3)",
        c.cite(*t.instructions, *t.starts, findings=(c.neg,)),
    )  # fmt: skip


def _undecided(c: _Case, awaiting: FindingKind, rule: str) -> Decision:
    return Decision(
        liable=Liable.UNDECIDED, rule=None,
        explanation=f"awaiting the finding {awaiting.value} ({rule})",
        evidence=c.cite(findings=tuple(c.claim.findings.values())), awaiting=(awaiting,),
    )  # fmt: skip


#: The rule each kind of claim invokes, for role and filing refusals.
KIND_RULES = {
    ClaimKind.DAMAGE: "L3",
    ClaimKind.INFORMATION_LEAK: "L4",
    ClaimKind.NON_COMPLETION: "L1",
    ClaimKind.SECOND_JOB_DISPUTE: "L5",
}
