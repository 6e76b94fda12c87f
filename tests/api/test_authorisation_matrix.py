"""The authorisation matrix: every /v1 endpoint x every role x own / other tenant.

MATRIX below is the specification (domain-rules.md, Actors), written independently of
api/policy.py: which roles may call each endpoint, and what a permitted caller gets on
its own tenant's objects (a 2xx, or a 4xx the business rules give for a valid reason).
The endpoints come from the app's route table, so a new endpoint without a policy rule,
or without a row here, fails. Every refusal is checked to write nothing and reveal nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from api.app import create_app
from api.policy import POLICY
from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all
from tests.api.authz_world import CLUSTER, Tenant, build_tenant
from tests.auth import sign_in
from tests.conftest import BACKENDS, DEFAULT_NOW

ROLES = (Role.CUSTOMER, Role.CONCIERGE, Role.OPERATOR, Role.BILLING, Role.COMPLIANCE)
SCOPED = (Role.CUSTOMER, Role.CONCIERGE)  # limited to their own contract(s)
NOW = "2026-11-18T10:00:00+09:00"  # the conftest clock
Body = Callable[[Tenant], Any]


@dataclass(frozen=True)
class Endpoint:
    """Who may call it, and what a permitted caller gets on its own tenant's objects."""

    may: str  # space-separated roles
    ok: int | dict[str, int]  # one status, or one per role
    body: Body | None = None
    query: Callable[[Tenant], dict[str, str]] | None = None
    path_values: dict[str, str] = field(default_factory=dict)  # e.g. {"risk_id": "risk-1"}

    def roles(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.may.split())

    def expected(self, role: Role) -> int:
        return self.ok if isinstance(self.ok, int) else self.ok[role.value]


def _site(t: Tenant) -> dict[str, Any]:
    return {"prefecture": "Tokyo", "city": "Minato", "cluster": CLUSTER, "clients": 8}


STAFF = "operator billing compliance"
EVERYONE = f"customer concierge {STAFF}"

MATRIX: dict[str, Endpoint] = {
    # ---- contracts and quotes -----------------------------------------------------------
    "POST /v1/quotes": Endpoint("operator", 200, body=lambda t: {"sites": [_site(t)]}),
    "POST /v1/contracts": Endpoint(
        "operator", 201, body=lambda t: {"customer_name": "New Co", "quote": {"sites": [_site(t)]}}
    ),
    "GET /v1/contracts/{contract_id}": Endpoint(EVERYONE, 200),
    "POST /v1/contracts/{contract_id}/start": Endpoint("operator", 409),  # already started
    "POST /v1/contracts/{contract_id}/client-count": Endpoint(
        "operator", 200, body=lambda t: {"cluster": CLUSTER, "clients": 12}
    ),
    "POST /v1/contracts/{contract_id}/fee": Endpoint(
        "operator", 200, body=lambda t: {"monthly_fee": 40_000, "reason": "more PCs"}
    ),
    "POST /v1/contracts/{contract_id}/nda": Endpoint(
        "operator", 200, body=lambda t: {"reference": "NDA-1"}
    ),
    "POST /v1/contracts/{contract_id}/cancellation": Endpoint(
        "customer operator", 200, body=lambda t: {"requested_end_date": "2027-02-28"}
    ),
    "DELETE /v1/contracts/{contract_id}/cancellation": Endpoint("customer operator", 409),  # none
    "POST /v1/contracts/{contract_id}/end": Endpoint("operator", 409),  # no cancellation
    # ---- concierges and assignments -----------------------------------------------------
    "POST /v1/concierges": Endpoint(
        "operator", 201, body=lambda t: {"name": "Kato", "kind": "small_company", "regions": ["Osaka"]}
    ),
    "GET /v1/concierges/{concierge_id}": Endpoint(EVERYONE, 200),
    "PATCH /v1/concierges/{concierge_id}": Endpoint(
        "operator", 200, body=lambda t: {"skills": ["networks"]}
    ),
    "POST /v1/assignments": Endpoint(  # the cluster is staffed: no new proposal (K4)
        "operator",
        409,
        body=lambda t: {"contract_id": t.contract_id, "cluster": CLUSTER, "concierge_id": t.concierge_id},
    ),
    "GET /v1/contracts/{contract_id}/assignments": Endpoint(EVERYONE, 200),
    "GET /v1/assignments/{assignment_id}": Endpoint(EVERYONE, 200),
    "POST /v1/assignments/{assignment_id}/interview": Endpoint(
        "customer operator", 409, body=lambda t: {"interview_at": NOW}
    ),
    "POST /v1/assignments/{assignment_id}/accept": Endpoint("customer", 409),  # accepted already
    "POST /v1/assignments/{assignment_id}/reject": Endpoint("customer", 409),
    "POST /v1/assignments/{assignment_id}/replacement-request": Endpoint(
        "customer", 200, body=lambda t: {"reason": "dissatisfaction"}
    ),
    "POST /v1/assignments/{assignment_id}/team-members": Endpoint(  # the serving one already is
        "operator", 409, body=lambda t: {"concierge_id": t.concierge_id, "reason": "urgent_trouble"}
    ),
    "DELETE /v1/assignments/{assignment_id}/team-members/{concierge_id}": Endpoint("operator", 409),
    "POST /v1/assignments/{assignment_id}/end": Endpoint(
        "operator", 200, body=lambda t: {"reason": "contract ended"}
    ),
    # ---- tickets ----------------------------------------------------------------------------
    "POST /v1/tickets": Endpoint(
        "customer concierge operator",
        201,
        body=lambda t: {
            "contract_id": t.contract_id, "cluster": CLUSTER, "kind": "setup", "summary": "new PC",
            "channel": "mail",
        },
    ),
    "GET /v1/tickets/{ticket_id}": Endpoint(EVERYONE, 200),
    "POST /v1/tickets/{ticket_id}/instruction": Endpoint(
        "customer", 200, body=lambda t: {"what": "replace the toner"}
    ),
    "POST /v1/tickets/{ticket_id}/classification": Endpoint(
        "concierge operator", 200, body=lambda t: {"scope": "daily"}
    ),
    "POST /v1/tickets/{ticket_id}/risks": Endpoint(
        "concierge", 200, body=lambda t: {"description": "may lose data", "level": "high"}
    ),
    "POST /v1/tickets/{ticket_id}/risks/{risk_id}/acknowledge": Endpoint(
        "customer", 200, path_values={"risk_id": "risk-1"}
    ),
    "POST /v1/tickets/{ticket_id}/risks/{risk_id}/decline": Endpoint(
        "customer", 200, body=lambda t: {"reason": "no"}, path_values={"risk_id": "risk-1"}
    ),
    "POST /v1/tickets/{ticket_id}/work-started": Endpoint(  # O5: no instruction yet
        "concierge", 409, body=lambda t: {"work": "replace toner"}
    ),
    "POST /v1/tickets/{ticket_id}/visits": Endpoint(
        "concierge operator",
        {"concierge": 200, "operator": 200},
        body=lambda t: {  # the ticket was opened at NOW: no earlier arrival (O3), no later end (O1)
            "arrival": NOW,
            "departure": NOW,
            "concierge_id": t.concierge_id,
        },
    ),
    "POST /v1/tickets/{ticket_id}/vendor-calls": Endpoint(
        "concierge", 200, body=lambda t: {"vendor": "Canon", "equipment": "MFP"}
    ),
    "POST /v1/tickets/{ticket_id}/backup-dispatch": Endpoint(  # already serving: not a backup
        "operator", 409, body=lambda t: {"concierge_id": t.concierge_id}
    ),
    "POST /v1/tickets/{ticket_id}/extra-work-quotes": Endpoint(  # X1: not classified extra
        "concierge operator", 409, body=lambda t: {"description": "server setup", "amount": 50_000}
    ),
    "POST /v1/tickets/{ticket_id}/second-jobs": Endpoint(  # X1: not classified extra
        "concierge operator", 409, body=lambda t: {"to": "operator", "description": "server setup"}
    ),
    "POST /v1/tickets/{ticket_id}/sales": Endpoint(
        "concierge operator", 200, body=lambda t: {"item": "toner", "amount": 8_800}
    ),
    "POST /v1/tickets/{ticket_id}/work-slips": Endpoint(  # O7: no job started yet
        "concierge", 409, body=lambda t: {"content": "toner replaced", "completion": "completed"}
    ),
    "POST /v1/tickets/{ticket_id}/resolution": Endpoint(  # L1: closed without a result
        "customer concierge operator",
        200,
        body=lambda t: {"outcome": "closed_unresolved", "note": "no longer needed"},
    ),
    # ---- billing, liability, dispatch (views and their few commands) ------------------------
    "GET /v1/billing/statements": Endpoint(
        "billing operator compliance customer", 200, query=lambda t: {"contract_id": t.contract_id}
    ),
    "POST /v1/billing/periods/{month}/close": Endpoint(
        "billing", 200, path_values={"month": "2026-10"}
    ),
    "POST /v1/liability/claims": Endpoint(
        "operator",
        201,
        body=lambda t: {"ticket_id": t.ticket_id, "kind": "damage", "description": "broken printer"},
    ),
    "POST /v1/liability/claims/{claim_id}/findings": Endpoint(
        "operator", 200, body=lambda t: {"finding": "negligence_found", "value": True}
    ),
    "GET /v1/liability/claims/{claim_id}": Endpoint("operator compliance", 200),
    "GET /v1/dispatch": Endpoint(  # a concierge's own board; another's is unknown to it
        "operator concierge", 200, query=lambda t: {"concierge_id": t.concierge_id}
    ),
    # ---- privacy ---------------------------------------------------------------------------
    "POST /v1/privacy/erasures": Endpoint(
        "operator", 201, body=lambda t: {"subject": f"contract:{t.contract_id}", "reason": "request R-1"}
    ),
    # ---- audit (read-only views) ----------------------------------------------------------
    "GET /v1/audit": Endpoint("operator compliance", 200),
    "GET /v1/audit/export": Endpoint(
        "operator compliance", 200, query=lambda t: {"contract_id": t.contract_id}
    ),
    "GET /v1/audit/state/{aggregate_id}": Endpoint(
        "operator compliance", 200, query=lambda t: {"as_of": "2026-11-18"}
    ),
}


def v1_endpoints(app: Litestar) -> list[str]:
    """Every "METHOD /v1/path" the app serves (litestar's own OPTIONS aside)."""
    return sorted(
        f"{method} {route.path_format}"
        for route in app.routes
        if isinstance(route, HTTPRoute) and route.path.startswith("/v1")
        for method in route.methods - {"OPTIONS", "HEAD"}
    )


@pytest.fixture(scope="module")
def route_table(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    service = build(Settings(data_dir=tmp_path_factory.mktemp("routes")))
    try:
        return v1_endpoints(create_app(service))
    finally:
        service.close()


def test_every_endpoint_has_a_policy_rule_and_a_row_in_the_matrix(route_table: list[str]) -> None:
    assert [e for e in route_table if e not in POLICY] == [], "no policy rule (they answer 403)"
    assert [e for e in route_table if e not in MATRIX] == [], "not covered by MATRIX"
    assert [e for e in POLICY if e not in route_table] == [], "a rule for no endpoint (stale?)"
    assert [e for e in MATRIX if e not in route_table] == [], "a row for no endpoint (stale?)"


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_the_policy_grants_exactly_the_roles_of_the_matrix(endpoint: str) -> None:
    assert POLICY[endpoint].roles == MATRIX[endpoint].roles()


def test_billing_and_compliance_never_send_operational_commands() -> None:
    for endpoint, rule in POLICY.items():
        if rule.reads:
            continue
        assert Role.COMPLIANCE not in rule.roles, endpoint  # read-only, always
        assert Role.BILLING not in rule.roles or rule.roles == {Role.BILLING}, endpoint  # month close


@pytest.mark.parametrize("endpoint", sorted(POLICY))
def test_a_rule_finds_its_tenant_in_a_parameter_its_path_has(endpoint: str) -> None:
    tenant = POLICY[endpoint].tenant
    param, source = getattr(tenant, "param", None), getattr(tenant, "source", "path")
    if param is not None and source == "path":
        assert f"{{{param}}}" in endpoint, f"{endpoint}: no path parameter {param}"


def test_reads_are_gets_or_computations() -> None:
    for endpoint, rule in POLICY.items():
        if endpoint.startswith("GET "):
            assert rule.reads, f"{endpoint} is a view: declare it with read()"


# ---- the matrix, over HTTP ------------------------------------------------------------


class World:
    """Tenants built on demand: A (the caller's), B (another company's), fresh ones."""

    def __init__(self, service: EConcierge) -> None:
        self.service = service
        self.a = build_tenant(service, "alpha")
        self.b = build_tenant(service, "beta")
        self._count = 0
        # The read side's views (audit, billing, liability, dispatch) include both tenants.
        catch_up_all(service, views_of(service), VIEWS)

    def fresh(self) -> Tenant:
        self._count += 1
        return build_tenant(self.service, f"fresh{self._count}")

    def position(self) -> int:
        return self.service.recorder.max_notification_id() or 0


def as_role(client: TestClient, role: Role, tenant: Tenant) -> TestClient:
    """Sign in as `role`; a customer or concierge belongs to `tenant`."""
    if role is Role.CUSTOMER:
        return sign_in(client, role, tenant.customer, contracts=(tenant.contract_id,))
    if role is Role.CONCIERGE:
        return sign_in(client, role, tenant.concierge_id, concierge=tenant.concierge_id)
    return sign_in(client, role, f"{role.value}-staff")


def call(client: TestClient, endpoint: str, spec: Endpoint, target: Tenant) -> Any:
    """Send `endpoint` against `target`'s objects."""
    method, template = endpoint.split(" ", 1)
    values = {**target.path_values(), **spec.path_values}
    path = re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], template)
    body = spec.body(target) if spec.body else None
    params = spec.query(target) if spec.query else None
    return client.request(method, path, json=body, params=params)


@pytest.fixture(scope="module", params=[b for b in ("sqlite", "postgres") if b in BACKENDS])
def shared_service(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EConcierge]:
    """One store per backend for the whole matrix: refusals write nothing (each test checks
    it), and permitted commands act on fresh tenants, so the tests cannot disturb each other."""
    data_dir = tmp_path_factory.mktemp("matrix")
    settings = Settings(data_dir=data_dir)
    if request.param == "postgres":
        url = request.getfixturevalue("pg_database")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        settings = Settings(data_dir=data_dir, database_url=url, db_schema=schema, db_pool_size=4)
    service = build(settings, FixedClock(DEFAULT_NOW))
    yield service
    service.close()


@pytest.fixture(scope="module")
def world(shared_service: EConcierge) -> World:
    return World(shared_service)


@pytest.fixture(scope="module")
def http(shared_service: EConcierge) -> Iterator[TestClient]:
    with TestClient(create_app(shared_service)) as client:
        yield client


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_the_matrix(endpoint: str, world: World, http: TestClient) -> None:
    spec = MATRIX[endpoint]
    allowed = spec.roles()
    before = world.position()
    cells: list[tuple[str, int, int, str]] = []  # (who, expected, actual, answer)

    http.headers.pop("Authorization", None)
    answer = call(http, endpoint, spec, world.a)
    cells.append(("anonymous", 401, answer.status_code, answer.text))
    for role in ROLES:
        if role not in allowed:
            for target in (world.a, world.b):
                answer = call(as_role(http, role, world.a), endpoint, spec, target)
                cells.append((f"{role} on {target.name}", 403, answer.status_code, answer.text))
        elif role in SCOPED:
            answer = call(as_role(http, role, world.a), endpoint, spec, world.b)
            cells.append((f"{role} of alpha on beta", 404, answer.status_code, answer.text))
            assert "Beta" not in answer.text  # nothing of the other company leaks
    assert world.position() == before, "a refused request wrote events"

    for role in sorted(allowed):
        own = world.a if endpoint.startswith("GET ") else world.fresh()  # commands: fresh state
        answer = call(as_role(http, role, own), endpoint, spec, own)
        cells.append((f"{role} on its own", spec.expected(role), answer.status_code, answer.text))

    wrong = [(who, want, got, text[:200]) for who, want, got, text in cells if want != got]
    assert wrong == [], f"{endpoint}: (who, expected, got, answer) {wrong}"


# ---- a tenant named twice ----------------------------------------------------------------
# litestar hands a handler the LAST value of a repeated query parameter (and msgspec the last
# of a repeated JSON key); a check that read another one would let a caller name its own
# tenant for the check and another company's for the handler. A tenant named twice is
# therefore refused (422) before anything is read, for every role, in either order.


def _source(endpoint: str) -> tuple[str | None, str]:
    tenant = POLICY[endpoint].tenant
    return getattr(tenant, "param", None), getattr(tenant, "source", "path")


QUERY_SCOPED = sorted(e for e in POLICY if _source(e)[1] == "query")
BODY_SCOPED = sorted(e for e in POLICY if _source(e)[1] == "body")


def test_the_endpoints_scoped_by_a_query_or_a_body_are_the_known_ones() -> None:
    # the two tests below are generated from these lists: an empty list would test nothing
    assert QUERY_SCOPED == ["GET /v1/billing/statements", "GET /v1/dispatch"]
    assert BODY_SCOPED == ["POST /v1/assignments", "POST /v1/tickets"]


def _twice(spec: Endpoint, param: str, first: Tenant, second: Tenant) -> list[tuple[str, str]]:
    """The endpoint's query, its tenant parameter given once for each tenant."""
    assert spec.query is not None
    pairs = [(k, v) for k, v in spec.query(first).items() if k != param]
    return [*pairs, (param, spec.query(first)[param]), (param, spec.query(second)[param])]


@pytest.mark.parametrize("endpoint", QUERY_SCOPED)
def test_a_tenant_query_parameter_given_twice_is_refused(
    endpoint: str, world: World, http: TestClient
) -> None:
    spec, (param, _) = MATRIX[endpoint], _source(endpoint)
    assert param is not None
    method, path = endpoint.split(" ", 1)
    before = world.position()
    wrong = []
    for role in sorted(spec.roles()):
        for first, second in ((world.a, world.b), (world.b, world.a)):
            client = as_role(http, role, world.a)
            answer = client.request(method, path, params=_twice(spec, param, first, second))
            if answer.status_code != 422 or param not in answer.text or "Beta" in answer.text:
                wrong.append((str(role), first.name, answer.status_code, answer.text[:200]))
    assert wrong == [], f"{endpoint}: (role, first, got, answer) {wrong}"
    assert world.position() == before


@pytest.mark.parametrize("endpoint", BODY_SCOPED)
def test_a_tenant_body_field_given_twice_is_refused(
    endpoint: str, world: World, http: TestClient
) -> None:
    spec, (param, _) = MATRIX[endpoint], _source(endpoint)
    assert param is not None and spec.body is not None
    method, path = endpoint.split(" ", 1)
    before = world.position()
    wrong = []
    for role in sorted(spec.roles()):
        for first, second in ((world.a, world.b), (world.b, world.a)):
            own = json.dumps(spec.body(first))
            raw = f'{own[:-1]}, "{param}": "{getattr(second, param)}"}}'  # the key again
            client = as_role(http, role, world.a)
            headers = {"content-type": "application/json"}
            answer = client.request(method, path, content=raw.encode(), headers=headers)
            if answer.status_code != 422 or param not in answer.text:
                wrong.append((str(role), first.name, answer.status_code, answer.text[:200]))
    assert wrong == [], f"{endpoint}: (role, first, got, answer) {wrong}"
    assert world.position() == before


def test_every_tenant_id_a_scoped_role_may_pass_in_the_query_is_checked(http: TestClient) -> None:
    # a new endpoint taking a tenant's id in its query, open to customers or concierges,
    # must have its rule read that parameter (else the handler filters by an unchecked id)
    paths = http.get("/docs/openapi.json").json()["paths"]
    tenant_ids = {"contract_id", "concierge_id", "ticket_id", "assignment_id", "claim_id"}
    unchecked = []
    for path, operations in paths.items():
        for method, operation in operations.items():
            rule = POLICY.get(f"{method.upper()} {path}")
            if rule is None or not set(SCOPED) & rule.roles:
                continue
            named = {
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "query" and p["name"] in tenant_ids
            }
            param, source = _source(f"{method.upper()} {path}")
            if named - ({param} if source == "query" else set()):
                unchecked.append((method.upper(), path, sorted(named)))
    assert unchecked == []
