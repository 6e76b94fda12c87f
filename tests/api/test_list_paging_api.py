"""Every list endpoint is paged (`?limit=&cursor=`, at most ECONCIERGE_MAX_PAGE_SIZE): the
dispatch board (O3) and a contract's assignments (K2), through the real endpoints; and the
dispatch board's scope is the policy's (a concierge reads its own board only)."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from domain.meta import EventMeta, Role
from domain.tickets_values import Urgency, WorkKind
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.services.tickets import TicketRequest
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all
from tests.api.authz_world import CLUSTER, Tenant, build_tenant
from tests.api.contract_requests import is_problem, site
from tests.auth import sign_in

MAX = 3  # the page size cap of these tests


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, max_page_size=MAX)


def _customer(tenant: Tenant) -> CommandContext:
    correlation = str(uuid.uuid4())
    return CommandContext(meta=EventMeta(tenant.customer, Role.CUSTOMER, correlation, correlation))


def _open_tickets(service: EConcierge, tenant: Tenant, count: int) -> None:
    """`count` more open tickets on the tenant's cluster, of mixed urgency."""
    urgencies = list(Urgency)
    for n in range(count):
        request = TicketRequest(
            contract_id=uuid.UUID(tenant.contract_id), cluster=CLUSTER, kind=WorkKind.TROUBLE,
            summary=f"issue {n}", urgency=urgencies[n % len(urgencies)],
        )  # fmt: skip
        service.open_ticket(_customer(tenant), request)


def _walk(client: TestClient, url: str, items: str, limit: int, **params: str) -> list[list[Any]]:
    """Every page of a list, following `next_cursor` until the last one."""
    pages: list[list[Any]] = []
    cursor = None
    while True:
        query = {**params, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        answer = client.get(url, params=query)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json()[items])
        cursor = answer.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 20, "paging does not end"


# ---- GET /v1/dispatch ------------------------------------------------------------------


@pytest.fixture
def boards(service: EConcierge) -> tuple[Tenant, Tenant]:
    """Two companies; alpha's cluster has 5 open tickets, beta's 1 (each tenant opens one)."""
    alpha, beta = build_tenant(service, "alpha"), build_tenant(service, "beta")
    _open_tickets(service, alpha, 4)
    catch_up_all(service, views_of(service), VIEWS)
    return alpha, beta


def test_a_dispatch_page_above_the_maximum_is_a_422(
    client: TestClient, boards: tuple[Tenant, Tenant]
) -> None:
    problem = is_problem(client.get("/v1/dispatch", params={"limit": str(MAX + 1)}), 422)
    assert f"at most {MAX}" in problem["detail"]
    assert len(client.get("/v1/dispatch").json()["tickets"]) == MAX  # the default, capped


def test_paging_the_dispatch_board_walks_every_open_ticket_once_in_board_order(
    client: TestClient, service: EConcierge, boards: tuple[Tenant, Tenant]
) -> None:
    # rule O3: most urgent first, then oldest first
    pages = _walk(client, "/v1/dispatch", "tickets", limit=2)
    assert [len(p) for p in pages] == [2, 2, 2]
    walked = [t for page in pages for t in page]
    assert len({t["ticket_id"] for t in walked}) == len(walked) == 6
    ranks = [list(Urgency).index(Urgency(t["urgency"])) for t in walked]
    assert ranks == sorted(ranks, reverse=True)


def test_a_concierge_pages_through_its_own_board_only(
    client: TestClient, boards: tuple[Tenant, Tenant]
) -> None:
    alpha, beta = boards
    sign_in(client, Role.CONCIERGE, alpha.concierge_id, concierge=alpha.concierge_id)
    walked = [t for page in _walk(client, "/v1/dispatch", "tickets", limit=MAX) for t in page]
    assert len(walked) == 5
    assert {t["contract_id"] for t in walked} == {alpha.contract_id}
    assert client.get("/v1/dispatch").json()["concierge_id"] == alpha.concierge_id
    # another concierge's board is unknown to it (404, as any object outside its scope)
    other = client.get("/v1/dispatch", params={"concierge_id": beta.concierge_id})
    assert "Beta" not in is_problem(other, 404)["detail"]


def test_a_dispatch_cursor_no_page_gave_is_a_422(
    client: TestClient, boards: tuple[Tenant, Tenant]
) -> None:
    for cursor in ("nonsense", "1|2", "x|y|z", "1|2|"):
        is_problem(client.get("/v1/dispatch", params={"cursor": cursor}), 422)


# ---- GET /v1/contracts/{id}/assignments ------------------------------------------------


@pytest.fixture
def staffed(client: TestClient) -> str:
    """A contract with four site clusters, a concierge proposed for each (K2)."""
    sites = [site(cluster=f"c{n}", clients=5) for n in range(4)]
    answer = client.post(
        "/v1/contracts", json={"customer_name": "Sakura Trading", "quote": {"sites": sites}}
    )
    assert answer.status_code == 201, answer.text
    contract_id = answer.json()["id"]
    for n in range(4):
        concierge = client.post(
            "/v1/concierges",
            json={"name": f"K{n}", "kind": "sole_proprietor", "regions": ["Tokyo"]},
        ).json()["id"]
        proposal = {"contract_id": contract_id, "cluster": f"c{n}", "concierge_id": concierge}
        assert client.post("/v1/assignments", json=proposal).status_code == 201
    return contract_id


def test_an_assignments_page_above_the_maximum_is_a_422(client: TestClient, staffed: str) -> None:
    url = f"/v1/contracts/{staffed}/assignments"
    problem = is_problem(client.get(url, params={"limit": str(MAX + 1)}), 422)
    assert f"at most {MAX}" in problem["detail"]
    assert len(client.get(url).json()["items"]) == MAX  # the default, capped


def test_paging_a_contracts_assignments_walks_every_cluster_once_in_order(
    client: TestClient, staffed: str
) -> None:
    # rule K2: one assignment per site cluster, in the contract's cluster order
    pages = _walk(client, f"/v1/contracts/{staffed}/assignments", "items", limit=3)
    assert [[a["cluster"] for a in page] for page in pages] == [["c0", "c1", "c2"], ["c3"]]
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(staffed,))
    pages = _walk(client, f"/v1/contracts/{staffed}/assignments", "items", limit=1)
    assert [a["cluster"] for page in pages for a in page] == ["c0", "c1", "c2", "c3"]


def test_an_assignments_cursor_no_page_gave_is_a_422(client: TestClient, staffed: str) -> None:
    url = f"/v1/contracts/{staffed}/assignments"
    is_problem(client.get(url, params={"cursor": "no-such-cluster"}), 422)
