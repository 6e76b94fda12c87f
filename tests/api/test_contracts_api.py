"""The contract endpoints through real HTTP: each command's success and refusals (C1-C6, P3-P8)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from litestar.testing import TestClient

from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.api.contract_requests import application, create, is_problem, log_size, site

# The clock reads Wednesday 18 November 2026 (tests/conftest.py): an application made today
# starts on 1 December (C1), so the earliest end is 28 February 2027 (C3).


def test_an_application_answers_201_with_the_new_contract(client: TestClient) -> None:
    # rules C1, P2
    answer = client.post("/v1/contracts", json=application())
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["version"] == 1 and body["status"] == "applied"
    assert body["service_start_date"] == "2026-12-01"
    assert (body["monthly_fee"], body["standard_monthly_fee"]) == (92_400, 92_400)
    assert answer.headers["etag"] == '"1"'
    assert isinstance(body["position"], int)
    assert client.get(f"/v1/contracts/{body['id']}").json()["id"] == body["id"]


def test_an_insisted_mid_month_start_is_flagged(client: TestClient) -> None:
    # rule C1: billed in full from today
    body = create(client, insists_mid_month=True)
    assert (body["service_start_date"], body["mid_month_start"]) == ("2026-11-18", True)


def test_an_application_received_in_the_future_is_422(client: TestClient) -> None:
    # rule C1
    answer = client.post("/v1/contracts", json=application(received_on="2026-11-19"))
    assert is_problem(answer, 422)["rule"] == "C1"


def test_annual_payment_on_a_monthly_term_is_422(client: TestClient) -> None:
    # rule C2
    answer = client.post("/v1/contracts", json=application(payment="annual", term="monthly"))
    assert is_problem(answer, 422)["rule"] == "C2"


def test_100_clients_without_an_agreed_fee_is_409_with_the_suggested_range(
    client: TestClient,
) -> None:
    # rule P4
    answer = client.post("/v1/contracts", json=application(site(clients=100)))
    body = is_problem(answer, 409)
    assert (body["rule"], body["suggested_range"]) == ("P4", [92_400, 123_200])


def test_100_clients_with_an_agreed_fee_are_contracted(client: TestClient) -> None:
    # rule P4
    body = create(client, quote={"sites": [site(clients=100)]}, agreed_fee=100_000)
    assert (body["monthly_fee"], body["standard_monthly_fee"]) == (100_000, None)


def test_an_agreed_fee_off_the_quote_without_a_reason_is_422(client: TestClient) -> None:
    # rule P3
    answer = client.post("/v1/contracts", json=application(agreed_fee=80_000))
    assert is_problem(answer, 422)["rule"] == "P3"


def test_reading_a_contract_gives_its_earliest_end_date(client: TestClient) -> None:
    # rule C3
    contract = create(client)
    answer = client.get(f"/v1/contracts/{contract['id']}")
    assert answer.status_code == 200
    assert answer.json()["earliest_end_date"] == "2027-02-28"
    assert answer.headers["etag"] == '"1"'


def test_an_unknown_contract_is_404(client: TestClient) -> None:
    is_problem(client.get(f"/v1/contracts/{uuid4()}"), 404)
    is_problem(client.post(f"/v1/contracts/{uuid4()}/nda", json={"reference": "N"}), 404)


@pytest.mark.parametrize(
    ("method", "action", "body"),
    [
        ("POST", "client-count", {"cluster": "hq", "clients": 40}),
        ("POST", "fee", {"monthly_fee": 61_600, "reason": "fewer PCs"}),
        ("POST", "start", None),
        ("POST", "cancellation", {"requested_end_date": "2027-02-28"}),
        ("DELETE", "cancellation", None),
    ],
)
def test_a_command_on_an_unknown_contract_is_404_and_records_nothing(
    client: TestClient, service: EConcierge, method: str, action: str, body: dict[str, Any] | None
) -> None:
    # given no contract with that id, when a valid command names it, then 404, nothing written
    unknown = uuid4()
    before = log_size(service)
    answer = client.request(method, f"/v1/contracts/{unknown}/{action}", json=body)
    assert str(unknown) in is_problem(answer, 404)["detail"]
    assert log_size(service) == before


def test_a_client_count_change_is_recorded_and_the_fee_kept(client: TestClient) -> None:
    # rule P8
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/client-count", json={"cluster": "hq", "clients": 45}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["volumes"] == [{"cluster": "hq", "clients": 45, "servers": 0}]
    assert (body["monthly_fee"], body["version"]) == (92_400, 2)
    assert answer.headers["etag"] == '"2"'


def test_a_client_count_for_an_unknown_cluster_is_422(client: TestClient) -> None:
    # rule P9
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/client-count", json={"cluster": "x", "clients": 4}
    )
    assert is_problem(answer, 422)["rule"] == "P9"


def test_a_fee_is_renegotiated_with_a_reason_from_next_month(client: TestClient) -> None:
    # rules P3, P8
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/fee", json={"monthly_fee": 123_200, "reason": "grew"}
    )
    assert answer.status_code == 200, answer.text
    assert (answer.json()["monthly_fee"], answer.json()["fee_reason"]) == (123_200, "grew")


def test_a_fee_below_one_unit_is_409(client: TestClient) -> None:
    # rule P5
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/fee", json={"monthly_fee": 10_000, "reason": "x"}
    )
    assert is_problem(answer, 409)["rule"] == "P5"


def test_a_fee_without_a_reason_is_422(client: TestClient) -> None:
    # rule P3
    contract = create(client)
    is_problem(
        client.post(f"/v1/contracts/{contract['id']}/fee", json={"monthly_fee": 61_600}), 422
    )


def test_an_nda_is_recorded_once(client: TestClient) -> None:
    # rule C5
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}/nda"
    answer = client.post(url, json={"reference": "NDA-7", "signed_on": "2026-11-17"})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["nda_signed_on"], answer.json()["nda_reference"]) == (
        "2026-11-17",
        "NDA-7",
    )
    assert is_problem(client.post(url, json={"reference": "NDA-8"}), 409)["rule"] == "C5"


def test_a_cancellation_at_the_earliest_end_date_is_accepted(client: TestClient) -> None:
    # rules C3, C4
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}/cancellation"
    answer = client.post(url, json={"requested_end_date": "2027-02-28"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["cancellation_requested_end_date"] == "2027-02-28"


def test_a_cancellation_within_the_minimum_term_is_409_naming_the_earliest_end(
    client: TestClient,
) -> None:
    # rule C3
    contract = create(client)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/cancellation", json={"requested_end_date": "2026-12-31"}
    )
    body = is_problem(answer, 409)
    assert (body["rule"], body["earliest_end_date"]) == ("C3", "2027-02-28")
    assert "2027-02-28" in body["detail"]


def test_a_cancellation_with_less_than_a_months_notice_is_409_naming_the_earliest_end(
    client: TestClient,
) -> None:
    # rule C4: in service since April, so only the notice matters; 30 November needed 31 October
    contract = create(client, received_on="2026-04-01")
    answer = client.post(
        f"/v1/contracts/{contract['id']}/cancellation", json={"requested_end_date": "2026-11-30"}
    )
    body = is_problem(answer, 409)
    assert (body["rule"], body["earliest_end_date"]) == ("C4", "2026-12-31")


def test_a_cancellation_received_in_the_future_is_422_citing_c4(
    client: TestClient, service: EConcierge
) -> None:
    # rule C4 reads the day the request arrived; tomorrow (19 November) has not come yet
    contract = create(client, received_on="2026-04-01")
    before = log_size(service)
    answer = client.post(
        f"/v1/contracts/{contract['id']}/cancellation",
        json={"requested_end_date": "2027-01-31", "received_on": "2026-11-19"},
    )
    body = is_problem(answer, 422)
    assert body["rule"] == "C4"
    assert "2026-11-19" in body["detail"]
    assert log_size(service) == before
    assert client.get(f"/v1/contracts/{contract['id']}").json()["version"] == 1


def test_a_pending_cancellation_is_withdrawn_with_delete(client: TestClient) -> None:
    # rule C4
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}/cancellation"
    assert client.post(url, json={"requested_end_date": "2027-02-28"}).status_code == 200
    answer = client.delete(url)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["cancellation_requested_end_date"], answer.json()["version"]) == (None, 3)
    assert is_problem(client.delete(url), 409)["rule"] == "C4"


def test_a_contract_ends_only_after_its_end_date(client: TestClient, clock: FixedClock) -> None:
    # rule C4
    contract = create(client, received_on="2026-04-01")
    url = f"/v1/contracts/{contract['id']}"
    assert (
        client.post(f"{url}/cancellation", json={"requested_end_date": "2026-12-31"}).status_code
        == 200
    )
    assert is_problem(client.post(f"{url}/end"), 409)["rule"] == "C4"
    clock.advance(days=44)  # 1 January 2027
    answer = client.post(f"{url}/end")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status"], answer.json()["ended_on"]) == ("ended", "2026-12-31")


def test_start_is_409_citing_c6_while_no_concierge_is_accepted(client: TestClient) -> None:
    # rule C6
    contract = create(client)
    body = is_problem(client.post(f"/v1/contracts/{contract['id']}/start"), 409)
    assert (body["rule"], body["clusters_without_concierge"]) == ("C6", ["hq"])
    assert client.get(f"/v1/contracts/{contract['id']}").json()["status"] == "applied"


def test_a_contract_reads_as_it_was_at_a_past_instant(client: TestClient, clock: FixedClock) -> None:
    # issue 6: "what did we know when" — the state as of an instant, rebuilt from events
    contract_id = create(client)["id"]
    before_fee_change = clock.now().isoformat()
    clock.advance(hours=1)
    changed = client.post(
        f"/v1/contracts/{contract_id}/fee",
        json={"monthly_fee": 40_000, "reason": "second office", "effective_from": "2027-01-01"},
    )
    assert changed.status_code == 200, changed.text
    assert client.get(f"/v1/contracts/{contract_id}").json()["monthly_fee"] == 40_000
    earlier = client.get(f"/v1/contracts/{contract_id}", params={"as_of": before_fee_change})
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["monthly_fee"] != 40_000
    assert earlier.json()["version"] == 1
    too_early = client.get(f"/v1/contracts/{contract_id}", params={"as_of": "2020-01-01"})
    assert too_early.status_code == 404
