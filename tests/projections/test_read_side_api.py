"""HTTP: liability claims (file, find, decide) and the dispatch board, with their roles."""

from __future__ import annotations

from uuid import UUID

import pytest
from litestar.testing import TestClient

from domain.meta import Role
from domain.tickets_values import Urgency
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.auth import sign_in
from tests.projections.billing_world import World


@pytest.fixture
def world(service: EConcierge, clock: FixedClock) -> World:
    return World(service, clock)


def _worked_ticket(world: World) -> tuple[UUID, UUID]:
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.risky_work(ticket, concierge, acknowledge=True)
    return ticket, concierge


def test_the_operator_files_a_claim_records_a_finding_and_reads_the_decision(
    client: TestClient, world: World
) -> None:
    ticket, _ = _worked_ticket(world)
    sign_in(client, Role.OPERATOR, "op-tanaka")

    filed = client.post(
        "/v1/liability/claims",
        json={"ticket_id": str(ticket), "kind": "damage", "description": "Data lost"},
    )
    claim_id = filed.json()["id"]
    world.project()
    before = client.get(f"/v1/liability/claims/{claim_id}").json()
    found = client.post(
        f"/v1/liability/claims/{claim_id}/findings",
        json={"finding": "negligence_found", "value": True, "note": "no backup taken"},
    )
    world.project()
    sign_in(client, Role.COMPLIANCE, "aud-kato")
    after = client.get(
        f"/v1/liability/claims/{claim_id}", params={"min_position": found.json()["position"]}
    ).json()

    assert filed.status_code == 201 and filed.headers["location"].endswith(claim_id)
    assert (before["decision"], before["rule"]) == ("customer", "L2")
    assert found.status_code == 200 and found.json()["findings"] == {"negligence_found": True}
    assert (after["decision"], after["rule"], after["outweighed"]) == (
        "operator_and_concierge", "L3", ["L2"],
    )  # fmt: skip
    assert after["evidence"][-1] == f"{claim_id}:2" and not after["stale"]


def test_an_unknown_claim_is_404(client: TestClient, world: World) -> None:
    answer = client.get("/v1/liability/claims/00000000-0000-0000-0000-000000000000")

    assert answer.status_code == 404


def test_a_concierge_reads_its_own_board_only(client: TestClient, world: World) -> None:
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.ticket(contract_id, urgency=Urgency.HIGH)
    world.at("2026-12-03 10:00")
    world.project()
    me = str(concierge)
    sign_in(client, Role.CONCIERGE, me, concierge=me)

    mine = client.get("/v1/dispatch")
    other = client.get("/v1/dispatch", params={"concierge_id": "someone-else"})

    assert mine.status_code == 200
    (item,) = mine.json()["tickets"]
    assert (item["ticket_id"], item["past_target"], item["age_hours"]) == (str(ticket), True, 25)
    assert mine.json()["now"] == "2026-12-03T10:00:00+09:00"
    assert other.status_code == 404


def test_the_operator_reads_every_open_ticket(client: TestClient, world: World) -> None:
    first, _ = world.in_service()
    second, concierge = world.in_service("Kaede Design")
    world.at("2026-12-02 09:00")
    world.ticket(first)
    world.ticket(second, urgency=Urgency.EMERGENCY)
    world.project()

    everyone = client.get("/v1/dispatch").json()["tickets"]
    one = client.get("/v1/dispatch", params={"concierge_id": str(concierge)}).json()["tickets"]

    assert [t["customer_name"] for t in everyone] == ["Kaede Design", "Sakura Trading"]
    assert [t["customer_name"] for t in one] == ["Kaede Design"]


def test_billing_and_customers_do_not_read_the_board(client: TestClient, world: World) -> None:
    sign_in(client, Role.BILLING, "bill-suzuki")
    assert client.get("/v1/dispatch").status_code == 403
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=("x",))
    assert client.post("/v1/liability/claims", json={}).status_code == 403
