"""Replacing a dedicated concierge (K5) and team response (K3) over HTTP, on both stores."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.api.concierge_steps import (
    INTERVIEW_NOW,
    apply_for_contract,
    as_customer,
    as_operator,
    propose,
    register,
    staff,
)


def _proposed(client: TestClient) -> tuple[str, str]:
    """A Tokyo contract and the proposal of a Tokyo concierge for its one cluster."""
    contract_id = apply_for_contract(client, hq="Tokyo")
    answer = propose(client, contract_id, "hq", register(client, "Sato")["id"])
    assert answer.status_code == 201, answer.text
    return contract_id, answer.json()["id"]


# ---- replacement (K5) ---------------------------------------------------------------


def test_the_customer_requests_a_replacement_and_accepts_a_successor(client: TestClient) -> None:
    # rules K5, K4
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato, suzuki = register(client, "Sato")["id"], register(client, "Suzuki")["id"]
    assignment = staff(client, contract_id, "hq", sato)["id"]
    requested = as_customer(client, contract_id).post(
        f"/v1/assignments/{assignment}/replacement-request",
        json={"reason": "skill_insufficient", "detail": "no VPN experience"},
    )
    assert requested.status_code == 200, requested.text
    assert requested.json()["replacement"]["reason"] == "skill_insufficient"
    assert requested.json()["status"] == "replacement_requested"
    assert propose(as_operator(client), contract_id, "hq", suzuki).status_code == 201
    client.post(f"/v1/assignments/{assignment}/interview", json={"interview_at": INTERVIEW_NOW})
    assert client.get(f"/v1/assignments/{assignment}").json()["serving_concierge_ids"] == [sato]
    accepted = as_customer(client, contract_id).post(f"/v1/assignments/{assignment}/accept")
    assert accepted.status_code == 200, accepted.text
    view = accepted.json()
    assert (view["accepted_concierge_id"], view["replacement"], view["status"]) == (
        suzuki,
        None,
        "serving",
    )


def test_a_replacement_needs_a_known_reason(client: TestClient) -> None:
    # rule K5
    contract_id = apply_for_contract(client, hq="Tokyo")
    assignment = staff(client, contract_id, "hq", register(client)["id"])["id"]
    customer = as_customer(client, contract_id)
    url = f"/v1/assignments/{assignment}/replacement-request"
    assert customer.post(url, json={}).status_code in (400, 422)
    assert customer.post(url, json={"reason": "bored"}).status_code in (400, 422)
    other = customer.post(url, json={"reason": "other"})
    assert other.status_code == 422
    assert other.json()["rule"] == "K5"


def test_a_replacement_before_acceptance_is_refused(client: TestClient) -> None:
    # rule K5
    contract_id, assignment = _proposed(client)
    answer = as_customer(client, contract_id).post(
        f"/v1/assignments/{assignment}/replacement-request", json={"reason": "dissatisfaction"}
    )
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K5"


# ---- team response (K3) -------------------------------------------------------------


def test_the_operator_adds_and_removes_a_team_member(client: TestClient) -> None:
    # rules K3, P11
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato, suzuki = register(client, "Sato")["id"], register(client, "Suzuki")["id"]
    assignment = staff(client, contract_id, "hq", sato)["id"]
    added = client.post(
        f"/v1/assignments/{assignment}/team-members",
        json={"concierge_id": suzuki, "reason": "urgent_trouble", "note": "server down"},
    )
    assert added.status_code == 200, added.text
    assert (added.json()["team_active"], added.json()["team_member_ids"]) == (True, [suzuki])
    assert set(added.json()["serving_concierge_ids"]) == {sato, suzuki}
    removed = client.delete(f"/v1/assignments/{assignment}/team-members/{suzuki}")
    assert removed.status_code == 200, removed.text
    assert (removed.json()["team_active"], removed.json()["team_member_ids"]) == (False, [])
    again = client.delete(f"/v1/assignments/{assignment}/team-members/{suzuki}")
    assert again.status_code == 409
    assert again.json()["rule"] == "K3"


def test_a_team_needs_an_accepted_dedicated_concierge(client: TestClient) -> None:
    # rule K3
    _, assignment = _proposed(client)
    suzuki = register(client, "Suzuki")["id"]
    answer = client.post(
        f"/v1/assignments/{assignment}/team-members",
        json={"concierge_id": suzuki, "reason": "large_environment"},
    )
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K3"


def test_a_customer_cannot_change_the_team(client: TestClient) -> None:
    # rule K3
    contract_id = apply_for_contract(client, hq="Tokyo")
    assignment = staff(client, contract_id, "hq", register(client, "Sato")["id"])["id"]
    suzuki = register(client, "Suzuki")["id"]
    answer = as_customer(client, contract_id).post(
        f"/v1/assignments/{assignment}/team-members",
        json={"concierge_id": suzuki, "reason": "urgent_trouble"},
    )
    assert answer.status_code == 403


def test_the_operator_ends_an_assignment(client: TestClient) -> None:
    # rule K2
    contract_id = apply_for_contract(client, hq="Tokyo")
    assignment = staff(client, contract_id, "hq", register(client)["id"])["id"]
    ended = client.post(f"/v1/assignments/{assignment}/end", json={"reason": "contract ended"})
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["serving_concierge_ids"]) == ("ended", [])
