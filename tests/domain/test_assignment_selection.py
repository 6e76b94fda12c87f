"""Specification of choosing a cluster's dedicated concierge (rules K2, K4, K1, C6)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.aggregates.concierge_assignment import (
    AssignmentStatus,
    ConciergeAssignment,
    assignment_id,
)
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Role
from tests.domain.concierge_builders import (
    NOW,
    by,
    concierge,
    contract,
    interviewed,
    later,
    proposed,
    recorded,
    serving,
)

# ---- K2: one assignment, one dedicated concierge per cluster ---------------------------


def test_the_assignment_of_a_cluster_has_a_deterministic_id() -> None:
    # rule K2: any service finds a cluster's assignment without a read model
    contract_id = uuid4()
    assert assignment_id(contract_id, "hq") == assignment_id(contract_id, "hq")
    assert assignment_id(contract_id, "hq") != assignment_id(contract_id, "osaka")
    assert assignment_id(contract_id, "hq") != assignment_id(uuid4(), "hq")


def test_the_first_proposal_opens_the_clusters_assignment() -> None:
    # rules K2, K4
    sakura, sato = contract(hq="Tokyo"), concierge()
    assignment = ConciergeAssignment.open(by(), sakura, "hq", sato)
    assert recorded(assignment) == ["AssignmentOpened", "ConciergeProposed"]
    assert assignment.id == assignment_id(sakura.id, "hq")
    assert (assignment.contract_id, assignment.cluster, assignment.prefectures) == (
        sakura.id,
        "hq",
        ("Tokyo",),
    )
    assert assignment.candidate_concierge_id == sato.id
    assert assignment.status is AssignmentStatus.PROPOSED


def test_a_proposal_for_a_cluster_the_contract_does_not_have_is_refused() -> None:
    # rule K2
    with pytest.raises(InvalidInput) as refused:
        ConciergeAssignment.open(by(), contract(hq="Tokyo"), "nagoya", concierge())
    assert refused.value.rule == "K2"


def test_a_proposed_concierge_must_serve_the_clusters_prefecture() -> None:
    # rule K1 (regions served), S3 (on-site service)
    with pytest.raises(RuleViolation) as refused:
        ConciergeAssignment.open(by(), contract(hq="Osaka"), "hq", concierge(regions=("Tokyo",)))
    assert refused.value.rule == "K1"
    assert refused.value.details["unserved_prefectures"] == ["Osaka"]


def test_a_serving_cluster_gets_no_second_dedicated_concierge_without_a_replacement_request() -> (
    None
):
    # rule K2: the same person every visit
    assignment = serving(concierge("Sato"))
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), concierge("Suzuki"))
    assert refused.value.rule == "K2"


# ---- K4: proposal, interview, acceptance or rejection ------------------------------


def test_only_the_operator_proposes_a_concierge() -> None:
    # rule K4
    with pytest.raises(RuleViolation) as refused:
        ConciergeAssignment.open(by(Role.CUSTOMER), contract(hq="Tokyo"), "hq", concierge())
    assert refused.value.rule == "K4"


def test_a_second_candidate_waits_for_the_customers_decision_on_the_first() -> None:
    # rule K4
    assignment = proposed(concierge("Sato"))
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), concierge("Suzuki"))
    assert refused.value.rule == "K4"


def test_the_customer_interviews_the_candidate() -> None:
    # rule K4
    sato = concierge()
    assignment = proposed(sato)
    assignment.schedule_interview(by(Role.CUSTOMER), later(48))
    assert recorded(assignment) == ["InterviewScheduled"]
    assert assignment.interview_at == later(48)
    assert assignment.status is AssignmentStatus.INTERVIEW_SCHEDULED


def test_an_interview_time_needs_a_utc_offset() -> None:
    # rule K4
    with pytest.raises(InvalidInput):
        proposed(concierge()).schedule_interview(by(), later(48).replace(tzinfo=None))


def test_no_interview_without_a_candidate() -> None:
    # rule K4
    with pytest.raises(RuleViolation) as refused:
        serving(concierge()).schedule_interview(by(), later(1))
    assert refused.value.rule == "K4"


def test_the_customer_accepts_the_interviewed_candidate() -> None:
    # rule K4
    sato = concierge()
    assignment = interviewed(sato)
    assignment.accept(by(Role.CUSTOMER))
    assert recorded(assignment) == ["ConciergeAccepted"]
    assert assignment.accepted_concierge_id == sato.id
    assert assignment.serving_concierge_ids == {sato.id}
    assert assignment.status is AssignmentStatus.SERVING


def test_a_candidate_cannot_be_accepted_without_an_interview() -> None:
    # rule K4
    with pytest.raises(RuleViolation) as refused:
        proposed(concierge()).accept(by(Role.CUSTOMER))
    assert refused.value.rule == "K4"


def test_a_candidate_cannot_be_accepted_before_the_interview_takes_place() -> None:
    # rule K4
    assignment = proposed(concierge())
    assignment.schedule_interview(by(), later(24))
    with pytest.raises(RuleViolation) as refused:
        assignment.accept(by(Role.CUSTOMER, at=later(2)))
    assert refused.value.rule == "K4"
    assignment.accept(by(Role.CUSTOMER, at=later(25)))
    assert assignment.status is AssignmentStatus.SERVING


def test_only_the_customer_accepts_or_rejects() -> None:
    # rule K4
    for role in (Role.OPERATOR, Role.CONCIERGE):
        with pytest.raises(RuleViolation) as refused:
            interviewed(concierge()).accept(by(role))
        assert refused.value.rule == "K4"
        with pytest.raises(RuleViolation):
            interviewed(concierge()).reject(by(role))


def test_the_customer_rejects_a_candidate_with_an_optional_reason() -> None:
    # rule K4
    sato = concierge()
    assignment = interviewed(sato)
    assignment.reject(by(Role.CUSTOMER), "  prefers someone nearer  ")
    [event] = assignment.collect_events()
    assert type(event).__name__ == "ConciergeRejected"
    assert (event.concierge_id, event.reason) == (sato.id, "prefers someone nearer")  # type: ignore[attr-defined]
    assert assignment.candidate_concierge_id is None
    assert assignment.status is AssignmentStatus.AWAITING_PROPOSAL


def test_a_rejection_needs_a_new_proposal_before_anything_else() -> None:
    # rule K4
    assignment = interviewed(concierge())
    assignment.reject(by(Role.CUSTOMER))
    for command in (
        lambda: assignment.schedule_interview(by(), later(1)),
        lambda: assignment.accept(by(Role.CUSTOMER)),
        lambda: assignment.reject(by(Role.CUSTOMER)),
    ):
        with pytest.raises(RuleViolation) as refused:
            command()
        assert refused.value.rule == "K4"


def test_a_rejected_candidate_is_not_proposed_again() -> None:
    # rule K4: "a rejection needs a new proposal", i.e. another concierge
    sato = concierge("Sato")
    assignment = interviewed(sato)
    assignment.reject(by(Role.CUSTOMER))
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), sato)
    assert refused.value.rule == "K4"


def test_after_a_rejection_a_new_proposal_starts_selection_again() -> None:
    # rule K4
    assignment = interviewed(concierge("Sato"))
    assignment.reject(by(Role.CUSTOMER))
    assignment.collect_events()
    suzuki = concierge("Suzuki")
    assignment.propose(by(), suzuki)
    assignment.schedule_interview(by(), NOW)
    assignment.accept(by(Role.CUSTOMER))
    assert recorded(assignment) == ["ConciergeProposed", "InterviewScheduled", "ConciergeAccepted"]
    assert assignment.accepted_concierge_id == suzuki.id


# ---- C6: service starts only when every cluster has an accepted concierge ---------------


def _staffed(*assignments: ConciergeAssignment) -> frozenset[str]:
    return frozenset(a.cluster for a in assignments if a.serving_concierge_ids)


def test_a_proposed_or_interviewed_concierge_does_not_staff_a_cluster() -> None:
    # rule C6
    sakura = contract(hq="Tokyo")
    assignment = interviewed(concierge(), of=sakura)
    assert assignment.serving_concierge_ids == frozenset()
    with pytest.raises(RuleViolation) as refused:
        sakura.start(by(), _staffed(assignment))
    assert refused.value.rule == "C6"


def test_a_contract_starts_once_every_cluster_has_an_accepted_concierge() -> None:
    # rule C6
    sakura = contract(hq="Tokyo", kansai="Osaka")
    tokyo = serving(concierge("Sato"), of=sakura, cluster="hq")
    osaka = interviewed(concierge("Kato", regions=("Osaka",)), of=sakura, cluster="kansai")
    with pytest.raises(RuleViolation) as refused:
        sakura.start(by(), _staffed(tokyo, osaka))
    assert refused.value.details["clusters_without_concierge"] == ["kansai"]
    osaka.accept(by(Role.CUSTOMER))
    sakura.start(by(), _staffed(tokyo, osaka))
    assert recorded(sakura) == ["ContractStarted"]


# ---- ending --------------------------------------------------------------------------


def test_an_ended_assignment_serves_nobody_and_refuses_every_command() -> None:
    # rule K2
    sato = concierge()
    assignment = serving(sato)
    assignment.end(by(), "contract ended")
    assert recorded(assignment) == ["AssignmentEnded"]
    assert assignment.serving_concierge_ids == frozenset()
    assert assignment.status is AssignmentStatus.ENDED
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), concierge("Suzuki"))
    assert refused.value.rule == "K2"
