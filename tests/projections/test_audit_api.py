"""GET /v1/audit: filters, pages in log order, and read-your-writes with `min_position`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

import api.audit
from domain.meta import Role
from infra.bootstrap import EConcierge
from projections.supervisor import Projections, start_projections_in_background
from tests.auth import sign_in
from tests.projections.steps import apply_contract, ctx, project


@pytest.fixture
def running(service: EConcierge) -> Iterator[Projections]:
    """The projections running in the background, as `econcierge serve` runs them."""
    projections = start_projections_in_background(service)
    yield projections
    projections.stop()


def test_pages_follow_the_log_order_without_gaps_or_repeats(
    client: TestClient, service: EConcierge
) -> None:
    for n in range(5):
        apply_contract(service, f"Customer {n}")
    project(service)

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/audit", params=params).json()
        seen += [item["position"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5


def test_filters_combine(client: TestClient, service: EConcierge) -> None:
    contract = apply_contract(service)
    service.record_client_count(ctx("op-sato"), contract.id, "hq", 31, 1)
    apply_contract(service, "Kaede Foods")
    project(service)

    params = {
        "contract_id": str(contract.id),
        "actor_id": "op-sato",
        "from": "2026-11-18",
        "to": "2026-11-18",
    }
    items = client.get("/v1/audit", params=params).json()["items"]

    assert [item["event_type"] for item in items] == ["ClientCountChanged"]


def test_compliance_reads_the_trail(client: TestClient, service: EConcierge) -> None:
    apply_contract(service)
    project(service)

    sign_in(client, Role.COMPLIANCE, "auditor-ito")

    assert len(client.get("/v1/audit").json()["items"]) == 1


def test_a_query_with_min_position_sees_the_command_it_follows(
    client: TestClient, service: EConcierge, running: Projections
) -> None:
    created = client.post(
        "/v1/contracts",
        json={
            "customer_name": "Sakura Trading",
            "quote": {
                "sites": [{"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 30}]
            },
        },
    ).json()

    page = client.get("/v1/audit", params={"min_position": created["position"]}).json()

    assert page["stale"] is False and page["position"] >= created["position"]
    assert [item["aggregate_id"] for item in page["items"]] == [created["id"]]


def test_a_view_still_behind_after_the_wait_answers_stale(
    client: TestClient, service: EConcierge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api.audit, "READ_YOUR_WRITES_TIMEOUT", 0.1)
    written = apply_contract(service)  # and no projection runs

    page = client.get("/v1/audit", params={"min_position": written.position}).json()

    assert page["stale"] is True and page["position"] == 0 and page["items"] == []


def test_a_position_never_written_is_refused(client: TestClient, service: EConcierge) -> None:
    apply_contract(service)

    answer = client.get("/v1/audit", params={"min_position": 1_000})

    assert answer.status_code == 422
    assert "beyond the last position written" in answer.json()["detail"]


def test_unreadable_filters_are_refused(client: TestClient) -> None:
    assert client.get("/v1/audit", params={"from": "yesterday"}).status_code == 422
    assert client.get("/v1/audit", params={"cursor": "abc"}).status_code == 422
    assert client.get("/v1/audit", params={"limit": 10_000}).status_code == 422
