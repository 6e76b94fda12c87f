"""Limits: a body over the size cap is a 413, oversize fields a 422, pages are capped."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get
from litestar.datastructures import State
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.testing import TestClient

from api.app import create_app
from api.paging import DEFAULT_LIMIT, Paging, page_dependency
from api.problems import problem_details_config
from domain.meta import Role
from domain.pricing import MAX_SITES, QuoteInputs
from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.settings import Settings
from tests.api.contract_requests import application, is_problem, site
from tests.auth import sign_in
from tests.conftest import DEFAULT_NOW


def test_a_body_over_the_size_cap_is_a_413_problem(client: TestClient, service: EConcierge) -> None:
    cap = service.settings.max_body_bytes
    body = application(fee_reason="x" * cap)
    problem = is_problem(client.post("/v1/contracts", json=body), 413)
    assert problem["status"] == 413


def test_a_body_just_under_the_cap_is_read(client: TestClient) -> None:
    assert client.post("/v1/contracts", json=application()).status_code == 201


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("customer_name", application(customer_name="株" * 201)),
        ("fee_reason", application(agreed_fee=100_000, fee_reason="x" * 4001)),
        ("city", application(site(city="x" * 201))),
        ("cluster", application(site(cluster="x" * 201))),
        ("clients", application(site(clients=100_001))),
        ("agreed_fee", application(agreed_fee=10**12, fee_reason="typo")),
    ],
)
def test_an_oversize_field_is_a_422_naming_it(client: TestClient, field: str, body: dict[str, Any]) -> None:
    problem = is_problem(client.post("/v1/contracts", json=body), 422)
    assert field in str(problem)


def test_more_sites_than_a_quote_takes_are_a_422_not_a_crash(tmp_path: Path) -> None:
    service = build(Settings(data_dir=tmp_path, max_body_bytes=1_000_000), FixedClock(DEFAULT_NOW))
    with TestClient(create_app(service)) as roomy:
        sign_in(roomy, Role.OPERATOR, "op-tanaka")
        sites = [site(cluster=f"c{i}", clients=1) for i in range(MAX_SITES + 1)]
        for path, body in (("/v1/quotes", {"sites": sites}), ("/v1/contracts", application(*sites))):
            problem = is_problem(roomy.post(path, json=body), 422)
            assert "sites" in str(problem)
    service.close()


def test_the_domain_refuses_the_same_limits_while_decoding() -> None:
    sites = [{"prefecture": "Tokyo", "city": "Minato", "cluster": "c", "clients": 1}] * (MAX_SITES + 1)
    with pytest.raises(msgspec.ValidationError, match="length <= 1000"):
        msgspec.convert({"sites": sites}, QuoteInputs)


def test_the_openapi_document_publishes_the_limits(client: TestClient) -> None:
    schemas = client.get("/docs/openapi.json").json()["components"]["schemas"]
    site_body = next(v for k, v in schemas.items() if k.endswith("SiteBody"))
    assert site_body["properties"]["city"]["maxLength"] == 200
    body = next(v for k, v in schemas.items() if k.endswith("ContractApplicationBody"))
    assert "maxLength" in str(body["properties"]["customer_name"])


# ---- paging -----------------------------------------------------------------------------


@get("/items", sync_to_thread=False)
def items(page: Paging) -> dict[str, Any]:
    return {"limit": page.limit, "cursor": page.cursor}


class _Service:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings


@pytest.fixture
def paged(tmp_path: Path) -> Iterator[TestClient]:
    """A list endpoint using the shared `page` dependency, with max_page_size 20."""
    app = Litestar(
        route_handlers=[items],
        dependencies={"page": page_dependency},
        plugins=[ProblemDetailsPlugin(problem_details_config())],
        state=State({"service": _Service(Settings(data_dir=tmp_path, max_page_size=20))}),
    )
    with TestClient(app) as client:
        yield client


def test_a_page_has_a_default_limit_capped_by_the_maximum(paged: TestClient) -> None:
    assert paged.get("/items").json() == {"limit": min(DEFAULT_LIMIT, 20), "cursor": None}
    assert paged.get("/items?limit=20&cursor=abc").json() == {"limit": 20, "cursor": "abc"}


def test_a_limit_above_the_maximum_is_a_422(paged: TestClient) -> None:
    problem = is_problem(paged.get("/items?limit=21"), 422)
    assert "at most 20" in problem["detail"]


@pytest.mark.parametrize("limit", ["0", "-1", "many"])
def test_a_limit_that_is_not_a_positive_number_is_refused(paged: TestClient, limit: str) -> None:
    assert paged.get(f"/items?limit={limit}").status_code in (400, 422)


def test_an_oversize_cursor_is_refused(paged: TestClient) -> None:
    assert paged.get("/items", params={"cursor": "c" * 501}).status_code in (400, 422)


@pytest.mark.parametrize(
    "body",
    [
        application(requested_start="9999-12-31"),
        application(received_on="0001-01-01"),
        application(requested_start="9999-12-01", term="annual"),
    ],
)
def test_a_date_far_outside_the_business_range_is_a_422_not_an_overflow(
    client: TestClient, body: dict[str, Any]
) -> None:
    problem = is_problem(client.post("/v1/contracts", json=body), 422)
    assert "between 2000-01-01 and 2199-12-31" in str(problem)
