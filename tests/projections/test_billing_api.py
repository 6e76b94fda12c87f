"""HTTP: statements as qualified invoices (P14), searched by date, amount and counterparty
(P15), and the month close (billing only)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections.supervisor import start_projections_in_background
from tests.auth import sign_in
from tests.projections.billing_world import World


@pytest.fixture
def world(service: EConcierge, clock: FixedClock) -> World:
    """Two customers in service from 1 December; December closed on 2 January."""
    world = World(service, clock)
    world.in_service("Sakura Trading", monthly_report=True)
    world.in_service("Kaede Design", sites=(("Tokyo", "hq", 30, 0),))
    world.close_months("2026-12")
    world.project()
    return world


def _search(client: TestClient, **params: Any) -> list[tuple[str, str, int]]:
    answer = client.get("/v1/billing/statements", params=params)
    assert answer.status_code == 200, answer.text
    return [(s["recipient"], s["month"], s["total"]) for s in answer.json()["items"]]


def test_a_statement_is_a_qualified_invoice(client: TestClient, world: World) -> None:
    sign_in(client, Role.BILLING, "bill-suzuki")

    (statement,) = client.get(
        "/v1/billing/statements", params={"month": "2026-12", "counterparty": "sakura"}
    ).json()["items"]

    assert statement["status"] == "closed"
    assert statement["issuer"]["registration_number"] == "T0000000000000"
    assert statement["recipient"] == "Sakura Trading"
    assert statement["transaction_dates"] == ["2026-12-01", "2026-12-31"]
    assert statement["taxes"] == [
        {"total": 36_300, "tax_exclusive": 33_000, "tax": 3_300, "rate_pct": 10}
    ]
    assert statement["seal_matches"] is True
    assert all(line["evidence"] for line in statement["lines"])


def test_statements_are_searched_by_date_amount_and_counterparty(
    client: TestClient, world: World
) -> None:
    sign_in(client, Role.BILLING, "bill-suzuki")

    assert _search(client, counterparty="KAEDE") == [
        ("Kaede Design", "2026-12", 92_400), ("Kaede Design", "2027-01", 92_400),
    ]  # fmt: skip
    assert _search(client, min_total=50_000, to="2026-12-31") == [
        ("Kaede Design", "2026-12", 92_400)
    ]
    assert _search(client, **{"from": "2027-01-01", "max_total": 40_000}) == [
        ("Sakura Trading", "2027-01", 36_300)
    ]


def test_pages_of_statements_follow_month_then_id(client: TestClient, world: World) -> None:
    sign_in(client, Role.OPERATOR, "op-tanaka")
    seen, cursor = [], None
    while True:
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/billing/statements", params=params).json()
        seen += [item["statement_id"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break

    assert len(seen) == len(set(seen)) == 4


def test_a_customer_reads_only_its_own_contract_s_statements(
    client: TestClient, world: World
) -> None:
    mine, theirs = (s.contract_id for s in world.statements(month=None)[:2])
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(mine,))

    own = client.get("/v1/billing/statements", params={"contract_id": mine})
    other = client.get("/v1/billing/statements", params={"contract_id": theirs})

    assert own.status_code == 200 and len(own.json()["items"]) == 2
    assert other.status_code == 404


@pytest.fixture
def running(service: EConcierge) -> Iterator[None]:
    projections = start_projections_in_background(service)
    yield
    projections.stop()


def test_billing_closes_a_month_and_reads_its_own_write(
    client: TestClient, world: World, running: None
) -> None:
    world.at("2027-02-02 10:00")
    sign_in(client, Role.BILLING, "bill-suzuki")

    closed = client.post("/v1/billing/periods/2027-01/close")
    body = closed.json()
    january = client.get(
        "/v1/billing/statements", params={"month": "2027-01", "min_position": body["position"]}
    ).json()

    assert closed.status_code == 200 and closed.headers["etag"] == '"3"'
    assert (body["statements"], body["total"]) == (2, 36_300 + 92_400)
    assert not january["stale"] and {s["status"] for s in january["items"]} == {"closed"}


def test_only_billing_closes_a_month_over_http(client: TestClient, world: World) -> None:
    world.at("2027-02-02 10:00")
    sign_in(client, Role.OPERATOR, "op-tanaka")

    assert client.post("/v1/billing/periods/2027-01/close").status_code == 403


def test_a_month_close_names_a_month(client: TestClient, world: World) -> None:
    sign_in(client, Role.BILLING, "bill-suzuki")

    answer = client.post("/v1/billing/periods/2027-1/close")

    assert answer.status_code == 422
