"""Liability decisions (L1–L7): one claim per rule, with the decision, the rule applied and
the events it rests on, read from the liability view."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.liability import ClaimKind, FindingKind, Liable
from domain.tickets_values import Completion, ReferralTarget
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections.catalog import views_of
from projections.liability import ClaimRecord, LiabilityView, claim
from projections.runner import process_batch, rebuild
from tests.projections.billing_world import World


@dataclass
class Desk:
    """A contract in service, its concierge, and one instructed ticket."""

    world: World
    concierge: UUID
    ticket: UUID

    def event(self, version: int) -> str:
        return f"{self.ticket}:{version}"

    def file(self, kind: ClaimKind, **findings: bool) -> UUID:
        service = self.world.service
        op = self.world.operator()
        claim_id = service.file_liability_claim(op, self.ticket, kind, "The customer complains").id
        for finding, value in findings.items():
            service.record_liability_finding(op, claim_id, FindingKind(finding), value, "assessed")
        return claim_id

    def decision(self, claim_id: UUID) -> ClaimRecord:
        self.world.project()
        with views_of(self.world.service).read() as tx:
            found = claim(tx, claim_id)
        assert found is not None
        return found


@pytest.fixture
def desk(service: EConcierge, clock: FixedClock) -> Desk:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    return Desk(world, concierge, world.instructed(contract_id))  # v1 opened, v2 instructed


def test_l1_non_completion_alone_makes_nobody_liable(desk: Desk) -> None:
    desk.world.work(desk.ticket, desk.concierge)  # v3
    desk.world.slip(desk.ticket, desk.concierge, Completion.NOT_COMPLETED)  # v4

    claim_id = desk.file(ClaimKind.NON_COMPLETION)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.NOBODY, "L1")
    # the claim, the instruction, the slip saying "not completed"
    assert found.evidence == (f"{claim_id}:1", desk.event(2), desk.event(4))


def test_l2_damage_from_an_acknowledged_risk_is_the_customer_s(desk: Desk) -> None:
    desk.world.risky_work(desk.ticket, desk.concierge, acknowledge=True)  # v3, v4, v5

    claim_id = desk.file(ClaimKind.DAMAGE)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.CUSTOMER, "L2")
    # the claim, the instruction, the risk disclosed, its acknowledgement, the work carrying it
    assert found.evidence == (f"{claim_id}:1", desk.event(2), desk.event(3), desk.event(4),
                              desk.event(5))  # fmt: skip


def test_l3_negligence_makes_operator_and_concierge_liable(desk: Desk) -> None:
    desk.world.work(desk.ticket, desk.concierge)  # v3

    claim_id = desk.file(ClaimKind.DAMAGE, negligence_found=True)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.OPERATOR_AND_CONCIERGE, "L3")
    # the claim, the instruction, the work started, the negligence finding
    assert found.evidence == (f"{claim_id}:1", desk.event(2), desk.event(3), f"{claim_id}:2")


def test_l4_a_leak_makes_operator_and_concierge_liable(desk: Desk) -> None:
    claim_id = desk.file(ClaimKind.INFORMATION_LEAK, leak_by_concierge=True)

    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.OPERATOR_AND_CONCIERGE, "L4")
    # the claim, the instruction, the finding of a leak by the concierge
    assert found.evidence == (f"{claim_id}:1", desk.event(2), f"{claim_id}:2")


def test_l5_a_second_job_dispute_is_between_customer_and_concierge(desk: Desk) -> None:
    world = desk.world
    world.extra(desk.ticket)  # v3
    world.service.refer_extra_work(
        world.operator(), desk.ticket, ReferralTarget.CONCIERGE_DIRECT, "Web site",
        concierge_id=str(desk.concierge), amount=80_000,
    )  # v4  # fmt: skip

    claim_id = desk.file(ClaimKind.SECOND_JOB_DISPUTE)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.CUSTOMER_AND_CONCIERGE, "L5")
    # the claim, the Second-job referral, the instruction
    assert found.evidence == (f"{claim_id}:1", desk.event(4), desk.event(2))


def test_l6_uninstructed_work_is_the_concierge_s_alone(desk: Desk) -> None:
    desk.world.work(desk.ticket, desk.concierge)  # v3

    claim_id = desk.file(ClaimKind.DAMAGE, work_was_instructed=False)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule) == (Liable.CONCIERGE_ALONE, "L6")
    # the claim, what the customer did instruct, the work started, the finding it was not
    assert found.evidence == (f"{claim_id}:1", desk.event(2), desk.event(3), f"{claim_id}:2")


def test_l7_negligence_outweighs_the_acknowledged_risk(desk: Desk) -> None:
    desk.world.risky_work(desk.ticket, desk.concierge, acknowledge=True)  # v3, v4, v5

    claim_id = desk.file(ClaimKind.DAMAGE, negligence_found=True)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule, found.outweighed) == (
        Liable.OPERATOR_AND_CONCIERGE, "L3", ("L2",),
    )  # fmt: skip
    # the claim, the instruction, the work started, the negligence finding; then the
    # acknowledged risk L7 set aside: its disclosure and the customer's GO (O6)
    assert found.evidence == (
        f"{claim_id}:1", desk.event(2), desk.event(5), f"{claim_id}:2",
        desk.event(3), desk.event(4),
    )  # fmt: skip


def test_l7_a_second_job_keeps_the_operator_out_whatever_the_finding(desk: Desk) -> None:
    world = desk.world
    world.extra(desk.ticket)  # v3
    world.service.refer_extra_work(
        world.operator(), desk.ticket, ReferralTarget.CONCIERGE_DIRECT, "Web site",
        concierge_id=str(desk.concierge),
    )  # v4  # fmt: skip

    claim_id = desk.file(ClaimKind.SECOND_JOB_DISPUTE, negligence_found=True)
    found = desk.decision(claim_id)

    assert (found.decision, found.rule, found.outweighed) == (
        Liable.CUSTOMER_AND_CONCIERGE, "L5", ("L3",),
    )  # fmt: skip
    # the claim, the Second-job referral, the instruction, the negligence finding
    assert found.evidence == (f"{claim_id}:1", desk.event(4), desk.event(2), f"{claim_id}:2")


def test_a_damage_claim_awaits_the_negligence_finding(desk: Desk) -> None:
    desk.world.work(desk.ticket, desk.concierge)
    claim_id = desk.file(ClaimKind.DAMAGE)

    assert desk.decision(claim_id).awaiting == (FindingKind.NEGLIGENCE_FOUND,)
    desk.world.service.record_liability_finding(
        desk.world.operator(), claim_id, FindingKind.NEGLIGENCE_FOUND, False
    )
    assert (desk.decision(claim_id).decision, desk.decision(claim_id).rule) == (Liable.NOBODY, "L3")


def test_a_second_job_dispute_needs_a_second_job(desk: Desk) -> None:
    with pytest.raises(RuleViolation, match="no Second job") as refused:
        desk.file(ClaimKind.SECOND_JOB_DISPUTE)
    assert refused.value.rule == "L5"


def test_a_changed_finding_needs_a_note(desk: Desk) -> None:
    claim_id = desk.file(ClaimKind.DAMAGE, negligence_found=True)

    with pytest.raises(InvalidInput, match="needs a note"):
        desk.world.service.record_liability_finding(
            desk.world.operator(), claim_id, FindingKind.NEGLIGENCE_FOUND, False
        )


def test_only_the_operator_files_a_claim(desk: Desk) -> None:
    with pytest.raises(RuleViolation, match="only the operator"):
        desk.world.service.file_liability_claim(
            desk.world.customer(), desk.ticket, ClaimKind.DAMAGE, "Broken PC"
        )


def test_a_rebuild_from_zero_equals_the_incremental_liability_view(desk: Desk) -> None:
    service, view = desk.world.service, LiabilityView()
    store = views_of(service)
    desk.world.risky_work(desk.ticket, desk.concierge, acknowledge=True)
    desk.file(ClaimKind.DAMAGE, negligence_found=True)
    desk.file(ClaimKind.NON_COMPLETION)
    while process_batch(service, store, view, limit=2) is not None:
        pass
    with store.read() as tx:
        incremental = {t: tx.fetchall(f"SELECT * FROM {t} ORDER BY 1") for t in view.tables}

    rebuild(service, store, view)

    with store.read() as tx:
        assert {t: tx.fetchall(f"SELECT * FROM {t} ORDER BY 1") for t in view.tables} == incremental
    assert len(incremental["liability_claims"]) == 2
