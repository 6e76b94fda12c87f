"""The assignment resource (rules K2–K5) and contract start (C6) over HTTP, on both stores."""

from __future__ import annotations

from uuid import UUID

from litestar.testing import TestClient

from domain.aggregates.concierge_assignment import assignment_id
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.api.concierge_steps import (
    INTERVIEW_NOW,
    apply_for_contract,
    as_customer,
    as_operator,
    propose,
    register,
    staff,
)
from tests.auth import sign_in

UNKNOWN = "0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e"


def _proposed(client: TestClient, **clusters: str) -> tuple[str, str, str]:
    """A contract, a Tokyo concierge, and its proposal for the first cluster."""
    contract_id = apply_for_contract(client, **(clusters or {"hq": "Tokyo"}))
    sato = register(client, "Sato")["id"]
    answer = propose(client, contract_id, next(iter(clusters or {"hq": ""})), sato)
    assert answer.status_code == 201, answer.text
    return contract_id, answer.json()["id"], sato


def _interviewed(client: TestClient) -> tuple[str, str, str]:
    contract_id, assignment, sato = _proposed(client)
    answer = client.post(
        f"/v1/assignments/{assignment}/interview", json={"interview_at": INTERVIEW_NOW}
    )
    assert answer.status_code == 200, answer.text
    return contract_id, assignment, sato


# ---- proposal (K2, K4) --------------------------------------------------------------


def test_a_proposal_creates_the_clusters_assignment(client: TestClient) -> None:
    # rules K2, K4
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato = register(client)["id"]
    answer = propose(client, contract_id, "hq", sato)
    assert answer.status_code == 201, answer.text
    view = answer.json()
    assert view["id"] == str(assignment_id(UUID(contract_id), "hq"))
    assert answer.headers["location"] == f"/v1/assignments/{view['id']}"
    assert (view["status"], view["candidate_concierge_id"], view["accepted_concierge_id"]) == (
        "proposed",
        sato,
        None,
    )
    assert client.get(f"/v1/assignments/{view['id']}").json()["candidate_concierge_id"] == sato


def test_a_proposal_needs_an_existing_contract_cluster_and_concierge(client: TestClient) -> None:
    # rule K2
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato = register(client)["id"]
    assert propose(client, UNKNOWN, "hq", sato).status_code == 404
    assert propose(client, contract_id, "hq", UNKNOWN).status_code == 404
    wrong_cluster = propose(client, contract_id, "nagoya", sato)
    assert wrong_cluster.status_code == 422
    assert wrong_cluster.json()["rule"] == "K2"


def test_a_concierge_who_does_not_serve_the_clusters_prefecture_is_refused(
    client: TestClient,
) -> None:
    # rule K1
    contract_id = apply_for_contract(client, hq="Osaka")
    answer = propose(client, contract_id, "hq", register(client, regions=["Tokyo"])["id"])
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K1"


def test_a_second_proposal_waits_for_the_customers_decision(client: TestClient) -> None:
    # rule K4
    contract_id, _, _ = _proposed(client)
    answer = propose(client, contract_id, "hq", register(client, "Suzuki")["id"])
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K4"


def test_only_the_operator_proposes(client: TestClient) -> None:
    # rule K4
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato = register(client)["id"]
    assert propose(as_customer(client, contract_id), contract_id, "hq", sato).status_code == 403


def test_a_retried_proposal_with_the_same_idempotency_key_is_replayed(client: TestClient) -> None:
    contract_id = apply_for_contract(client, hq="Tokyo")
    body = {"contract_id": contract_id, "cluster": "hq", "concierge_id": register(client)["id"]}
    first = client.post("/v1/assignments", json=body, headers={"Idempotency-Key": "p-1"})
    again = client.post("/v1/assignments", json=body, headers={"Idempotency-Key": "p-1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["version"] == first.json()["version"] == 2


# ---- interview, acceptance, rejection (K4) ------------------------------------------


def test_the_customer_schedules_the_interview(client: TestClient) -> None:
    # rule K4
    contract_id, assignment, _ = _proposed(client)
    answer = as_customer(client, contract_id).post(
        f"/v1/assignments/{assignment}/interview",
        json={"interview_at": "2026-11-20T14:00:00+09:00"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "interview_scheduled"
    assert answer.json()["interview_at"] == "2026-11-20T14:00:00+09:00"


def test_an_interview_time_without_an_offset_is_refused(client: TestClient) -> None:
    # rule K4
    _, assignment, _ = _proposed(client)
    answer = client.post(
        f"/v1/assignments/{assignment}/interview", json={"interview_at": "2026-11-20T14:00:00"}
    )
    assert answer.status_code == 422


def test_the_customer_accepts_after_the_interview(client: TestClient, clock: FixedClock) -> None:
    # rule K4
    contract_id, assignment, sato = _proposed(client)
    client.post(
        f"/v1/assignments/{assignment}/interview",
        json={"interview_at": "2026-11-20T14:00:00+09:00"},
    )
    customer = as_customer(client, contract_id)
    early = customer.post(f"/v1/assignments/{assignment}/accept")
    assert early.status_code == 409
    assert early.json()["rule"] == "K4"
    clock.advance(days=2, hours=5)
    answer = customer.post(f"/v1/assignments/{assignment}/accept")
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert (view["status"], view["accepted_concierge_id"], view["serving_concierge_ids"]) == (
        "serving",
        sato,
        [sato],
    )


def test_acceptance_without_an_interview_is_refused(client: TestClient) -> None:
    # rule K4
    contract_id, assignment, _ = _proposed(client)
    answer = as_customer(client, contract_id).post(f"/v1/assignments/{assignment}/accept")
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K4"


def test_the_operator_cannot_accept_for_the_customer(client: TestClient) -> None:
    # rule K4: the customer's own choice
    _, assignment, _ = _interviewed(client)
    assert client.post(f"/v1/assignments/{assignment}/accept").status_code == 403


def test_a_customer_of_another_contract_does_not_see_the_assignment(client: TestClient) -> None:
    # tenancy: the same 404 as an unknown id
    _, assignment, _ = _interviewed(client)
    stranger = sign_in(client, "customer", "cust-other", contracts=(UNKNOWN,))
    assert stranger.post(f"/v1/assignments/{assignment}/accept").status_code == 404
    assert stranger.get(f"/v1/assignments/{assignment}").status_code == 404


def test_the_customer_rejects_with_or_without_a_reason(client: TestClient) -> None:
    # rule K4
    contract_id, assignment, _ = _interviewed(client)
    answer = as_customer(client, contract_id).post(f"/v1/assignments/{assignment}/reject")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["candidate_concierge_id"]) == (
        "awaiting_proposal",
        None,
    )
    suzuki = register(as_operator(client), "Suzuki")["id"]
    assert propose(client, contract_id, "hq", suzuki).status_code == 201
    with_reason = as_customer(client, contract_id).post(
        f"/v1/assignments/{assignment}/reject", json={"reason": "prefers a Windows Server expert"}
    )
    assert with_reason.status_code == 200, with_reason.text


def test_after_a_rejection_nothing_but_a_new_proposal_is_accepted(client: TestClient) -> None:
    # rule K4
    contract_id, assignment, sato = _interviewed(client)
    customer = as_customer(client, contract_id)
    customer.post(f"/v1/assignments/{assignment}/reject")
    for answer in (
        customer.post(f"/v1/assignments/{assignment}/accept"),
        customer.post(
            f"/v1/assignments/{assignment}/interview", json={"interview_at": INTERVIEW_NOW}
        ),
        as_operator(client).post(
            "/v1/assignments",
            json={"contract_id": contract_id, "cluster": "hq", "concierge_id": sato},
        ),
    ):
        assert answer.status_code == 409
        assert answer.json()["rule"] == "K4"


def test_an_unknown_assignment_is_404(client: TestClient) -> None:
    assert client.get(f"/v1/assignments/{UNKNOWN}").status_code == 404
    assert (
        client.post(
            f"/v1/assignments/{UNKNOWN}/interview", json={"interview_at": INTERVIEW_NOW}
        ).status_code
        == 404
    )


def test_a_contracts_assignments_are_listed(client: TestClient) -> None:
    # rule K2: one per cluster that has one
    contract_id = apply_for_contract(client, hq="Tokyo", branch="Tokyo")
    staff(client, contract_id, "hq", register(client)["id"])
    answer = as_customer(client, contract_id).get(f"/v1/contracts/{contract_id}/assignments")
    assert answer.status_code == 200, answer.text
    assert [a["cluster"] for a in answer.json()["items"]] == ["hq"]


# ---- C6: contract start -------------------------------------------------------------


def test_a_contract_starts_only_when_every_cluster_has_an_accepted_concierge(
    client: TestClient,
) -> None:
    # rule C6
    contract_id = apply_for_contract(client, hq="Tokyo", kansai="Osaka")
    sato = register(client, "Sato", regions=["Tokyo"])["id"]
    kato = register(client, "Kato", regions=["Osaka"])["id"]
    start = f"/v1/contracts/{contract_id}/start"
    nobody = client.post(start)
    assert nobody.status_code == 409
    assert nobody.json()["rule"] == "C6"
    staff(client, contract_id, "hq", sato)
    assert propose(client, contract_id, "kansai", kato).status_code == 201  # proposed is not enough
    one = client.post(start)
    assert one.status_code == 409
    assert one.json()["rule"] == "C6"
    assert one.json()["clusters_without_concierge"] == ["kansai"]
    kansai = str(assignment_id(UUID(contract_id), "kansai"))
    client.post(f"/v1/assignments/{kansai}/interview", json={"interview_at": INTERVIEW_NOW})
    assert (
        as_customer(client, contract_id).post(f"/v1/assignments/{kansai}/accept").status_code == 200
    )
    both = as_operator(client).post(start)
    assert both.status_code == 200, both.text
    assert both.json()["status"] == "active"


def test_the_contract_scope_names_every_serving_concierge(
    client: TestClient, service: EConcierge
) -> None:
    # rules K2, K3, C6: what authorisation and ContractCommands.staffed_clusters ask
    contract_id = apply_for_contract(client, hq="Tokyo", kansai="Osaka")
    sato = register(client, "Sato")["id"]
    suzuki = register(client, "Suzuki")["id"]
    assignment = staff(client, contract_id, "hq", sato)["id"]
    client.post(
        f"/v1/assignments/{assignment}/team-members",
        json={"concierge_id": suzuki, "reason": "urgent_trouble"},
    )
    assert service.concierges_serving(UUID(contract_id), "hq") == {sato, suzuki}
    assert service.concierges_serving(UUID(contract_id), "kansai") == frozenset()
    scope = service.contract_scope(UUID(contract_id))
    assert (scope.contract_id, scope.concierge_ids) == (UUID(contract_id), {sato, suzuki})


def test_a_serving_concierge_reads_its_assignment_and_a_stranger_does_not(
    client: TestClient,
) -> None:
    # tenancy: a concierge acts only for the clusters it serves
    contract_id = apply_for_contract(client, hq="Tokyo")
    sato = register(client, "Sato")["id"]
    assignment = staff(client, contract_id, "hq", sato)["id"]
    assert (
        sign_in(client, "concierge", "sato", concierge=sato)
        .get(f"/v1/assignments/{assignment}")
        .status_code
        == 200
    )
    stranger = sign_in(client, "concierge", "kato", concierge=UNKNOWN)
    assert stranger.get(f"/v1/assignments/{assignment}").status_code == 404
