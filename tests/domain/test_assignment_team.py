"""Specification of team response beside the dedicated concierge (rule K3, P11)."""

from __future__ import annotations

import pytest

from domain.aggregates.concierge_assignment import ReplacementReason, TeamReason
from domain.errors import RuleViolation
from domain.meta import Role
from tests.domain.concierge_builders import by, concierge, later, proposed, recorded, serving


def test_normally_one_concierge_serves_and_no_team_is_active() -> None:
    # rule K3: normally one concierge
    sato = concierge()
    assignment = serving(sato)
    assert assignment.team_member_ids == frozenset()
    assert assignment.team_active is False
    assert assignment.serving_concierge_ids == {sato.id}


def test_the_operator_adds_a_team_for_a_large_environment_or_urgent_trouble() -> None:
    # rules K3, P11: billing adds the team surcharge while team_active
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    assignment.add_team_member(by(), suzuki, TeamReason.URGENT_TROUBLE, "server room flooded")
    assert recorded(assignment) == ["TeamMemberAdded"]
    assert assignment.team_member_ids == {suzuki.id}
    assert assignment.team_active is True
    assert assignment.serving_concierge_ids == {sato.id, suzuki.id}
    assert assignment.accepted_concierge_id == sato.id


def test_removing_the_last_member_ends_team_response() -> None:
    # rules K3, P11
    suzuki = concierge("Suzuki")
    assignment = serving(concierge("Sato"))
    assignment.add_team_member(by(), suzuki, TeamReason.LARGE_ENVIRONMENT)
    assignment.collect_events()
    assignment.remove_team_member(by(), suzuki.id)
    assert recorded(assignment) == ["TeamMemberRemoved"]
    assert assignment.team_active is False


def test_only_the_operator_changes_a_team() -> None:
    # rule K3
    suzuki = concierge("Suzuki")
    assignment = serving(concierge("Sato"))
    for role in (Role.CUSTOMER, Role.CONCIERGE):
        with pytest.raises(RuleViolation) as refused:
            assignment.add_team_member(by(role), suzuki, TeamReason.URGENT_TROUBLE)
        assert refused.value.rule == "K3"
    assignment.add_team_member(by(), suzuki, TeamReason.URGENT_TROUBLE)
    with pytest.raises(RuleViolation):
        assignment.remove_team_member(by(Role.CUSTOMER), suzuki.id)


def test_a_team_works_beside_an_accepted_dedicated_concierge() -> None:
    # rule K3
    with pytest.raises(RuleViolation) as refused:
        proposed(concierge("Sato")).add_team_member(
            by(), concierge("Suzuki"), TeamReason.URGENT_TROUBLE
        )
    assert refused.value.rule == "K3"


def test_the_dedicated_concierge_or_a_member_is_not_added_twice() -> None:
    # rule K3
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    with pytest.raises(RuleViolation):
        assignment.add_team_member(by(), sato, TeamReason.URGENT_TROUBLE)
    assignment.add_team_member(by(), suzuki, TeamReason.URGENT_TROUBLE)
    with pytest.raises(RuleViolation):
        assignment.add_team_member(by(), suzuki, TeamReason.URGENT_TROUBLE)


def test_removing_someone_not_on_the_team_is_refused() -> None:
    # rule K3
    with pytest.raises(RuleViolation) as refused:
        serving(concierge()).remove_team_member(by(), concierge("Suzuki").id)
    assert refused.value.rule == "K3"


def test_a_team_member_must_serve_the_clusters_prefecture() -> None:
    # rules K3, K1
    with pytest.raises(RuleViolation) as refused:
        serving(concierge()).add_team_member(
            by(), concierge("Kato", regions=("Osaka",)), TeamReason.URGENT_TROUBLE
        )
    assert refused.value.rule == "K1"


def test_a_team_member_accepted_as_successor_leaves_the_team() -> None:
    # rules K3, K5: the dedicated concierge is not also a team member
    sato, suzuki = concierge("Sato"), concierge("Suzuki")
    assignment = serving(sato)
    assignment.add_team_member(by(), suzuki, TeamReason.LARGE_ENVIRONMENT)
    assignment.request_replacement(by(Role.CUSTOMER), ReplacementReason.DISSATISFACTION)
    assignment.propose(by(), suzuki)
    assignment.schedule_interview(by(), later(0))
    assignment.accept(by(Role.CUSTOMER))
    assert assignment.accepted_concierge_id == suzuki.id
    assert assignment.team_member_ids == frozenset()
    assert assignment.serving_concierge_ids == {suzuki.id}
