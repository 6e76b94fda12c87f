"""HTTP mechanics of the contract API: malformed input, If-Match, Idempotency-Key."""

from __future__ import annotations

from litestar.testing import TestClient

from infra.bootstrap import EConcierge
from tests.api.contract_requests import application, create, is_problem, log_size, site


def test_malformed_json_is_400(client: TestClient) -> None:
    answer = client.post(
        "/v1/contracts", content=b'{"customer_name": ', headers={"content-type": "application/json"}
    )
    is_problem(answer, 400)


def test_a_wrongly_typed_field_is_422_naming_it(client: TestClient) -> None:
    body = is_problem(client.post("/v1/contracts", json=application(agreed_fee="lots")), 422)
    assert "agreed_fee" in str(body["errors"])


def test_an_unknown_field_is_422(client: TestClient) -> None:
    body = is_problem(client.post("/v1/contracts", json=application(discount=10)), 422)
    assert "discount" in str(body["errors"])


def test_an_unknown_field_inside_a_site_is_422(client: TestClient) -> None:
    # a typo must not silently price the wrong volume
    is_problem(client.post("/v1/contracts", json=application(site(server=2))), 422)


def test_a_missing_field_is_422(client: TestClient) -> None:
    contract = create(client)
    is_problem(client.post(f"/v1/contracts/{contract['id']}/cancellation", json={}), 422)


def test_a_wrongly_typed_date_is_422(client: TestClient) -> None:
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}/cancellation"
    is_problem(client.post(url, json={"requested_end_date": "end of February"}), 422)


def test_if_match_with_the_current_version_is_accepted(client: TestClient) -> None:
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/nda", json={"reference": "N"}, headers={"If-Match": '"1"'}
    )
    assert answer.status_code == 200, answer.text


def test_if_match_with_a_stale_version_is_409_and_records_nothing(
    client: TestClient, service: EConcierge
) -> None:
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}"
    assert (
        client.post(f"{url}/client-count", json={"cluster": "hq", "clients": 35}).status_code == 200
    )
    before = log_size(service)
    answer = client.post(f"{url}/nda", json={"reference": "N"}, headers={"If-Match": '"1"'})
    body = is_problem(answer, 409)
    assert body["current_version"] == 2
    assert log_size(service) == before
    assert client.get(url).json()["nda_reference"] is None


def test_a_malformed_if_match_is_refused(client: TestClient) -> None:
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/nda",
        json={"reference": "N"},
        headers={"If-Match": "latest"},
    )
    assert answer.status_code in (400, 422)


def test_a_retried_application_returns_the_first_result_and_records_nothing(
    client: TestClient, service: EConcierge
) -> None:
    headers = {"Idempotency-Key": "apply-sakura-1"}
    first = client.post("/v1/contracts", json=application(), headers=headers)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    before = log_size(service)
    retry = client.post("/v1/contracts", json=application(), headers=headers)
    assert retry.status_code == 201, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert (retry.json()["id"], retry.json()["version"]) == (first.json()["id"], 1)
    assert log_size(service) == before


def test_a_retried_command_returns_the_first_result_and_records_nothing(
    client: TestClient, service: EConcierge
) -> None:
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}/client-count"
    headers = {"Idempotency-Key": "count-1", "If-Match": '"1"'}
    first = client.post(url, json={"cluster": "hq", "clients": 41}, headers=headers)
    assert first.status_code == 200, first.text
    before = log_size(service)
    retry = client.post(url, json={"cluster": "hq", "clients": 41}, headers=headers)
    assert retry.status_code == 200, retry.text
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json()["version"] == first.json()["version"] == 2
    assert log_size(service) == before
    assert client.get(f"/v1/contracts/{contract['id']}").json()["version"] == 2


def test_the_same_idempotency_key_with_another_body_is_422(
    client: TestClient, service: EConcierge
) -> None:
    headers = {"Idempotency-Key": "apply-sakura-2"}
    assert client.post("/v1/contracts", json=application(), headers=headers).status_code == 201
    before = log_size(service)
    other = client.post(
        "/v1/contracts", json=application(customer_name="Ume Holdings"), headers=headers
    )
    is_problem(other, 422)
    assert log_size(service) == before


def test_a_refused_command_does_not_use_up_its_idempotency_key(client: TestClient) -> None:
    # a refusal records nothing, so the corrected request may reuse the key
    headers = {"Idempotency-Key": "nda-1"}
    url = f"/v1/contracts/{create(client)['id']}/nda"
    future = client.post(url, json={"reference": "N", "signed_on": "2026-12-01"}, headers=headers)
    is_problem(future, 422)
    fixed = client.post(url, json={"reference": "N", "signed_on": "2026-11-18"}, headers=headers)
    assert fixed.status_code == 200, fixed.text
    assert "idempotent-replayed" not in fixed.headers
