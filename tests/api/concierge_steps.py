"""HTTP steps shared by the concierge and assignment API tests (K1–K5, C6)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.auth import sign_in

OPERATOR = "op-tanaka"  # the conftest client's operator
INTERVIEW_NOW = "2026-11-18T10:00:00+09:00"  # the conftest clock's reading


def as_operator(client: TestClient) -> TestClient:
    return sign_in(client, "operator", OPERATOR)


def as_customer(client: TestClient, contract_id: str) -> TestClient:
    return sign_in(client, "customer", "cust-yamada", contracts=(contract_id,))


def register(client: TestClient, name: str = "Sato", **fields: Any) -> dict[str, Any]:
    body = {"name": name, "kind": "sole_proprietor", "regions": ["Tokyo"], **fields}
    answer = client.post("/v1/concierges", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def apply_for_contract(client: TestClient, **clusters: str) -> str:
    """A contract with one 5-client site per cluster (cluster=prefecture); returns its id."""
    sites = [
        {"prefecture": p, "city": "Somewhere", "cluster": c, "clients": 5}
        for c, p in clusters.items()
    ]
    answer = client.post(
        "/v1/contracts", json={"customer_name": "Sakura Trading", "quote": {"sites": sites}}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def propose(client: TestClient, contract_id: str, cluster: str, concierge_id: str) -> Any:
    body = {"contract_id": contract_id, "cluster": cluster, "concierge_id": concierge_id}
    return client.post("/v1/assignments", json=body)


def staff(client: TestClient, contract_id: str, cluster: str, concierge_id: str) -> dict[str, Any]:
    """Operator proposes, interview now, customer accepts; the client ends as the operator."""
    proposed = propose(client, contract_id, cluster, concierge_id)
    assert proposed.status_code == 201, proposed.text
    assignment = proposed.json()["id"]
    interview = client.post(
        f"/v1/assignments/{assignment}/interview", json={"interview_at": INTERVIEW_NOW}
    )
    assert interview.status_code == 200, interview.text
    accepted = as_customer(client, contract_id).post(f"/v1/assignments/{assignment}/accept")
    as_operator(client)
    assert accepted.status_code == 200, accepted.text
    return accepted.json()
