"""The concierge profile resource (rule K1) over HTTP, on both stores."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.api.concierge_steps import register
from tests.auth import sign_in


def test_an_operator_registers_a_concierge_and_reads_it_back(client: TestClient) -> None:
    # rule K1
    body = {
        "name": "Sato IT Services",
        "kind": "small_company",
        "skills": ["windows", "network"],
        "regions": ["東京都", "osaka-fu"],
        "languages": ["ja", "en"],
    }
    created = client.post("/v1/concierges", json=body)
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    view = created.json()
    assert view["position"] is not None
    read = client.get(f"/v1/concierges/{view['id']}")
    assert read.status_code == 200
    assert read.json() | {"position": None} == view | {"position": None}
    assert view["regions"] == ["Tokyo", "Osaka"]
    assert view["english_service_regions"] == ["Tokyo", "Osaka"]


def test_languages_default_to_japanese(client: TestClient) -> None:
    # rule K1
    assert register(client)["languages"] == ["ja"]


def test_english_outside_tokyo_and_osaka_is_recorded_but_not_offered(client: TestClient) -> None:
    # rule K1 decision
    view = register(client, regions=["Fukuoka"], languages=["ja", "en"])
    assert view["languages"] == ["ja", "en"]
    assert view["english_service_regions"] == []


def test_an_unknown_prefecture_is_a_422_citing_k1(client: TestClient) -> None:
    # rule K1
    answer = client.post(
        "/v1/concierges", json={"name": "Sato", "kind": "sole_proprietor", "regions": ["Atlantis"]}
    )
    assert answer.status_code == 422
    assert answer.json()["rule"] == "K1"


def test_an_unknown_kind_or_field_is_refused(client: TestClient) -> None:
    # rule K1; inbound bodies forbid unknown fields
    base = {"name": "Sato", "kind": "sole_proprietor", "regions": ["Tokyo"]}
    assert client.post("/v1/concierges", json=base | {"kind": "corporation"}).status_code in (
        400,
        422,
    )
    assert client.post("/v1/concierges", json=base | {"rank": "gold"}).status_code in (400, 422)


def test_a_customer_cannot_register_a_concierge(client: TestClient) -> None:
    # rule K1: the operator keeps concierge profiles (the domain refuses it too)
    sign_in(client, "customer", "cust-yamada")
    answer = client.post(
        "/v1/concierges", json={"name": "Sato", "kind": "sole_proprietor", "regions": ["Tokyo"]}
    )
    assert answer.status_code == 403


def test_an_unknown_concierge_is_404(client: TestClient) -> None:
    assert client.get("/v1/concierges/0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e").status_code == 404


def test_the_operator_updates_a_profile(client: TestClient) -> None:
    # rule K1
    sato = register(client)
    answer = client.patch(
        f"/v1/concierges/{sato['id']}", json={"regions": ["Tokyo", "Osaka"], "languages": ["en"]}
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"2"'
    assert answer.json()["english_service_regions"] == ["Tokyo", "Osaka"]
    assert answer.json()["name"] == "Sato"


def test_an_update_with_a_stale_version_is_a_conflict(client: TestClient) -> None:
    sato = register(client)
    answer = client.patch(
        f"/v1/concierges/{sato['id']}", json={"skills": ["linux"]}, headers={"If-Match": '"7"'}
    )
    assert answer.status_code == 409


def test_an_update_that_changes_nothing_is_refused(client: TestClient) -> None:
    # rule K1
    sato = register(client)
    answer = client.patch(f"/v1/concierges/{sato['id']}", json={"regions": ["Tokyo"]})
    assert answer.status_code == 409
    assert answer.json()["rule"] == "K1"
