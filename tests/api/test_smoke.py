"""The service answers on both stores: health, readiness and one contract application."""

from __future__ import annotations

from litestar.testing import TestClient


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_an_application_is_stored_and_read_back(client: TestClient) -> None:
    body = {
        "customer_name": "Sakura Trading",
        "quote": {"sites": [{"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 30}]},
    }
    created = client.post("/v1/contracts", json=body)
    assert created.status_code == 201, created.text
    contract = client.get(f"/v1/contracts/{created.json()['id']}").json()
    assert contract["monthly_fee"] == 92_400  # rule P2: 30 clients = 3 units
    assert contract["service_start_date"] == "2026-12-01"  # rule C1: applied 18 Nov


def test_v1_needs_a_bearer_token(anonymous: TestClient) -> None:
    answer = anonymous.get("/v1/contracts/0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
