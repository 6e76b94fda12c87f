"""Specification of replacing a dedicated concierge (rule K5, with K4 again)."""

from __future__ import annotations

import pytest

from domain.aggregates.concierge_assignment import AssignmentStatus, ReplacementReason
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Role
from tests.domain.concierge_builders import (
    by,
    concierge,
    interviewed,
    later,
    proposed,
    recorded,
    serving,
)

CUSTOMER = by(Role.CUSTOMER)


def test_the_customer_requests_a_replacement_with_a_recorded_reason() -> None:
    # rule K5
    sato = concierge()
    assignment = serving(sato)
    assignment.request_replacement(
        CUSTOMER, ReplacementReason.SKILL_INSUFFICIENT, "no VPN experience"
    )
    [event] = assignment.collect_events()
    assert type(event).__name__ == "ReplacementRequested"
    assert (event.concierge_id, event.reason, event.detail) == (  # type: ignore[attr-defined]
        sato.id,
        ReplacementReason.SKILL_INSUFFICIENT,
        "no VPN experience",
    )
    assert assignment.status is AssignmentStatus.REPLACEMENT_REQUESTED


def test_the_reasons_are_skill_insufficient_dissatisfaction_or_other() -> None:
    # rule K5
    assert {r.value for r in ReplacementReason} == {
        "skill_insufficient",
        "dissatisfaction",
        "other",
    }


def test_an_other_reason_needs_an_explanation() -> None:
    # rule K5: a reasonable reason is recorded
    with pytest.raises(InvalidInput) as refused:
        serving(concierge()).request_replacement(CUSTOMER, ReplacementReason.OTHER, "   ")
    assert refused.value.rule == "K5"


def test_only_the_customer_requests_a_replacement() -> None:
    # rule K5
    with pytest.raises(RuleViolation) as refused:
        serving(concierge()).request_replacement(
            by(Role.OPERATOR), ReplacementReason.DISSATISFACTION
        )
    assert refused.value.rule == "K5"


def test_there_is_nobody_to_replace_before_acceptance() -> None:
    # rule K5
    with pytest.raises(RuleViolation) as refused:
        proposed(concierge()).request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    assert refused.value.rule == "K5"


def test_one_replacement_request_at_a_time() -> None:
    # rule K5
    assignment = serving(concierge())
    assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    with pytest.raises(RuleViolation) as refused:
        assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    assert refused.value.rule == "K5"


def test_the_current_concierge_keeps_serving_until_a_successor_is_accepted() -> None:
    # rules K5, K2: the cluster is never left without its concierge
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    assignment.propose(by(), suzuki)
    assignment.schedule_interview(by(), later(1))
    assert assignment.serving_concierge_ids == {sato.id}
    assert assignment.candidate_concierge_id == suzuki.id


def test_the_successor_goes_through_proposal_interview_and_acceptance() -> None:
    # rules K5, K4
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    assignment.request_replacement(CUSTOMER, ReplacementReason.SKILL_INSUFFICIENT)
    assignment.collect_events()
    assignment.propose(by(), suzuki)
    with pytest.raises(RuleViolation):
        assignment.accept(by(Role.CUSTOMER))  # K4: not interviewed yet
    assignment.schedule_interview(by(), later(1))
    assignment.accept(by(Role.CUSTOMER, at=later(2)))
    assert recorded(assignment) == [
        "ConciergeProposed",
        "InterviewScheduled",
        "ConciergeAccepted",
        "ConciergeReplaced",
    ]
    assert assignment.accepted_concierge_id == suzuki.id
    assert assignment.status is AssignmentStatus.SERVING


def test_the_replacement_records_when_the_previous_concierge_stops_serving() -> None:
    # rule K5
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    assignment.propose(by(), suzuki)
    assignment.schedule_interview(by(), later(1))
    assignment.collect_events()
    assignment.accept(by(Role.CUSTOMER, at=later(3)))
    replaced = assignment.collect_events()[-1]
    assert replaced.previous_concierge_id == sato.id  # type: ignore[attr-defined]
    assert replaced.successor_id == suzuki.id  # type: ignore[attr-defined]
    assert replaced.reason is ReplacementReason.DISSATISFACTION  # type: ignore[attr-defined]
    assert replaced.previous_served_until == later(3)  # type: ignore[attr-defined]


def test_a_rejected_successor_leaves_the_current_concierge_serving_and_the_request_open() -> None:
    # rules K5, K4
    sato = concierge("Sato")
    assignment = serving(sato)
    assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    assignment.propose(by(), concierge("Suzuki"))
    assignment.reject(CUSTOMER)
    assert assignment.serving_concierge_ids == {sato.id}
    assert assignment.status is AssignmentStatus.REPLACEMENT_REQUESTED
    assignment.propose(by(), concierge("Kato"))  # K4: a new proposal


def test_the_replaced_concierge_is_not_proposed_as_its_own_successor() -> None:
    # rule K5
    sato = concierge("Sato")
    assignment = serving(sato)
    assignment.request_replacement(CUSTOMER, ReplacementReason.DISSATISFACTION)
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), sato)
    assert refused.value.rule == "K5"


def test_a_successor_is_proposed_only_after_a_replacement_request() -> None:
    # rules K5, K2
    assignment = interviewed(concierge("Sato"))
    assignment.accept(CUSTOMER)
    with pytest.raises(RuleViolation) as refused:
        assignment.propose(by(), concierge("Suzuki"))
    assert refused.value.rule == "K2"
