"""POST /v1/quotes: the FAQ's price examples through HTTP (rules P1-P10)."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tests.api.contract_requests import is_problem, site


def _quote(client: TestClient, *sites: dict[str, Any], **options: Any) -> dict[str, Any]:
    answer = client.post("/v1/quotes", json={"sites": list(sites), **options})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_30_clients_cost_92400(client: TestClient) -> None:
    # rule P2
    quote = _quote(client, site(clients=30))
    assert (quote["monthly_fee"], quote["units"]) == (92_400, 3)
    assert quote["tax"] == {"total": 92_400, "tax_exclusive": 84_000, "tax": 8_400, "rate_pct": 10}


def test_2_clients_cost_one_unit(client: TestClient) -> None:
    # rule P5
    assert _quote(client, site(clients=2))["monthly_fee"] == 30_800


def test_100_clients_need_a_negotiated_fee_in_the_suggested_range(client: TestClient) -> None:
    # rule P4
    quote = _quote(client, site(clients=100))
    assert quote["monthly_fee"] is None
    assert quote["negotiation_required"] is True
    assert quote["linear_fee"] == 308_000
    assert quote["suggested_range"] == [92_400, 123_200]


def test_10_clustered_shops_with_one_pc_each_are_one_site(client: TestClient) -> None:
    # rule P9
    shops = [site("sendai", clients=1, city=f"shop {n}") for n in range(10)]
    quote = _quote(client, *shops)
    assert quote["monthly_fee"] == 30_800
    assert len(quote["clusters"]) == 1


def test_two_distant_sites_of_5_clients_are_two_units(client: TestClient) -> None:
    # rule P9
    quote = _quote(client, site("tokyo", clients=5), site("fukuoka", clients=5))
    assert quote["monthly_fee"] == 61_600


def test_100_dispersed_sites_on_two_tier_pay_a_base_fee_and_a_spot_fee_per_visit(
    client: TestClient,
) -> None:
    # rule P10
    sites = [site(f"site-{n}", clients=1) for n in range(100)]
    quote = _quote(client, *sites, plan="two_tier")
    assert (quote["monthly_fee"], quote["spot_fee"]) == (30_800, 13_200)
    assert quote["negotiation_required"] is False


def test_a_quote_changes_nothing(client: TestClient) -> None:
    # a quote is a query: asking twice gives the same answer and records nothing
    first = _quote(client, site(clients=23, servers=1))
    assert first == _quote(client, site(clients=23, servers=1))
    assert first["monthly_fee"] == 92_400


def test_a_quote_without_sites_is_refused(client: TestClient) -> None:
    # rule P9
    body = is_problem(client.post("/v1/quotes", json={"sites": []}), 422)
    assert body["rule"] == "P9"


def test_a_misspelt_site_field_is_refused_not_ignored(client: TestClient) -> None:
    # `server` for `servers` would otherwise price 3 servers as none
    body = is_problem(client.post("/v1/quotes", json={"sites": [site(server=3)]}), 422)
    assert "server" in str(body["errors"])


def test_a_wrongly_typed_count_is_refused(client: TestClient) -> None:
    is_problem(client.post("/v1/quotes", json={"sites": [site(clients="thirty")]}), 422)


def test_an_unknown_plan_is_refused(client: TestClient) -> None:
    is_problem(client.post("/v1/quotes", json={"sites": [site()], "plan": "gold"}), 422)


def test_malformed_json_is_a_400_problem(client: TestClient) -> None:
    # given a body cut off mid-object, when quoting, then 400 (not 422: it is not JSON at all)
    answer = client.post(
        "/v1/quotes", content=b'{"sites": [{"prefecture": ', headers={"content-type": "application/json"}
    )
    body = is_problem(answer, 400)
    assert "truncated" in body["detail"]
    assert body["title"] in ("Bad Request", "Malformed JSON")  # a fixed title; the parser's words in detail
    garbage = client.post("/v1/quotes", content=b"{not json", headers={"content-type": "application/json"})
    assert "malformed" in is_problem(garbage, 400)["detail"]
