"""HTTP: liability claims (file, find, decide) and the dispatch board, with their roles;
read-your-writes (`min_position`) on the billing, liability and dispatch reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api import view_reads
from domain.meta import Role
from domain.tickets_values import Urgency, WorkKind
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from infra.services.tickets import TicketRequest
from projections.catalog import views_of
from projections.positions import read
from projections.supervisor import Projections, start_projections_in_background
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


def _request(contract_id: UUID) -> TicketRequest:
    return TicketRequest(
        contract_id=contract_id, cluster="hq", kind=WorkKind.TROUBLE,
        summary="The printer does not print", urgency=Urgency.NORMAL,
    )  # fmt: skip


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
    # the negligence finding, then (L7) the acknowledged risk it outweighed
    assert f"{claim_id}:2" in after["evidence"] and not after["stale"]


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


# ---- read-your-writes: a query passing `min_position` waits for a view behind ----------


@contextmanager
def runner_started_after(service: EConcierge, delay: float) -> Iterator[None]:
    """The projections start `delay` seconds from now (a view behind until then)."""
    started: list[Projections] = []
    timer = threading.Timer(delay, lambda: started.append(start_projections_in_background(service)))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()
        for projections in started:
            projections.stop()


def _behind(service: EConcierge, view: str, position: int) -> bool:
    with views_of(service).read() as tx:
        return read(tx, view) < position


def _timed(client: TestClient, path: str, **params: Any) -> tuple[Any, float]:
    began = time.monotonic()
    answer = client.get(path, params=params)
    return answer, time.monotonic() - began


DELAY = 0.5  # seconds before the projections start


def test_a_statement_read_waits_until_the_billing_view_has_the_close(
    client: TestClient, world: World
) -> None:
    # given a month closed while no projection has run yet
    world.in_service()
    world.at("2027-01-02 10:00")
    sign_in(client, Role.BILLING, "bill-suzuki")
    closed = client.post("/v1/billing/periods/2026-12/close").json()["position"]
    assert _behind(world.service, "billing", closed)

    # when billing reads December with the close's position, and the runner starts later
    with runner_started_after(world.service, DELAY):
        answer, took = _timed(client, "/v1/billing/statements", month="2026-12",
                              min_position=closed)  # fmt: skip

    # then the read waited for the view, and shows the closed statement
    body = answer.json()
    assert answer.status_code == 200 and took >= DELAY
    assert (body["stale"], body["position"] >= closed) == (False, True)
    assert [(s["status"], s["seal_matches"]) for s in body["items"]] == [("closed", True)]


def test_a_decision_read_waits_until_the_liability_view_has_the_finding(
    client: TestClient, world: World
) -> None:
    ticket, _ = _worked_ticket(world)
    filed = client.post(
        "/v1/liability/claims",
        json={"ticket_id": str(ticket), "kind": "damage", "description": "Data lost"},
    ).json()
    found = client.post(
        f"/v1/liability/claims/{filed['id']}/findings",
        json={"finding": "negligence_found", "value": True},
    ).json()["position"]
    assert _behind(world.service, "liability", found)

    with runner_started_after(world.service, DELAY):
        answer, took = _timed(client, f"/v1/liability/claims/{filed['id']}", min_position=found)

    body = answer.json()
    assert answer.status_code == 200 and took >= DELAY
    assert (body["stale"], body["decision"], body["rule"]) == (
        False, "operator_and_concierge", "L3",
    )  # fmt: skip


def test_a_board_read_waits_until_the_dispatch_view_has_the_new_ticket(
    client: TestClient, world: World
) -> None:
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    opened = world.service.open_ticket(world.customer(), _request(contract_id))
    assert opened.position is not None and _behind(world.service, "dispatch", opened.position)
    me = str(concierge)
    sign_in(client, Role.CONCIERGE, me, concierge=me)

    with runner_started_after(world.service, DELAY):
        answer, took = _timed(client, "/v1/dispatch", min_position=opened.position)

    body = answer.json()
    assert answer.status_code == 200 and took >= DELAY and body["stale"] is False
    assert [t["ticket_id"] for t in body["tickets"]] == [str(opened.id)]


def test_a_view_still_behind_after_the_wait_answers_what_it_has_and_says_stale(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Documented (README, Read-your-writes): after the bounded wait the answer is given
    anyway, with `"stale": true` and the view's position; a claim the view has not seen
    yet is a 404 whose problem details carry `view_position`."""
    monkeypatch.setattr(view_reads, "READ_YOUR_WRITES_TIMEOUT", 0.3)
    ticket, concierge = _worked_ticket(world)  # no projection runs in this test
    world.at("2027-01-02 10:00")
    filed = client.post(
        "/v1/liability/claims",
        json={"ticket_id": str(ticket), "kind": "damage", "description": "Data lost"},
    ).json()
    last = filed["position"]
    me = str(concierge)

    sign_in(client, Role.BILLING, "bill-suzuki")
    statements, took = _timed(client, "/v1/billing/statements", min_position=last)
    sign_in(client, Role.COMPLIANCE, "aud-kato")
    decision = client.get(f"/v1/liability/claims/{filed['id']}", params={"min_position": last})
    sign_in(client, Role.CONCIERGE, me, concierge=me)
    board = client.get("/v1/dispatch", params={"min_position": last})

    page = statements.json()
    assert statements.status_code == 200 and 0.3 <= took < 5
    assert (page["stale"], page["position"], page["items"]) == (True, 0, [])
    assert decision.status_code == 404 and decision.json()["view_position"] == 0
    assert board.status_code == 200
    assert (board.json()["stale"], board.json()["position"], board.json()["tickets"]) == (
        True, 0, [],
    )  # fmt: skip
