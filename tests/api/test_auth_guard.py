"""The /v1 guard enforces the policy table: 403 for a role, 404 outside the tenant, deny
when an endpoint has no rule; a body-scoped command is checked on the body's contract."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar, Router, get, post
from litestar.params import FromQuery, JSONBody
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.testing import TestClient

from api.contracts import Body
from api.guards import authorise, run_tenant_checks_in_handler_threads
from api.policy import CONTRACT_IN_BODY, CONTRACT_IN_QUERY, POLICY, command, read
from api.problems import problem_details_config
from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.tokens import TokenService
from tests.api.authz_world import build_tenant
from tests.api.contract_requests import create, is_problem
from tests.auth import sign_in

UNKNOWN = "0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e"


class ProbeBody(Body):
    contract_id: UUID
    note: str = ""


@post("/probe", status_code=200, sync_to_thread=False)
def probe(data: JSONBody[ProbeBody]) -> dict[str, Any]:
    """Echo what the handler decoded (after the guard has read the same body)."""
    return {"contract_id": str(data.contract_id), "note": data.note}


@get("/listing", sync_to_thread=False)
def listing(contract_id: FromQuery[UUID]) -> dict[str, str]:
    return {"contract_id": str(contract_id)}


#: What the threaded probe's body saw (it runs only after the tenant check passed).
reached: list[str] = []


@post("/threaded-probe", status_code=200, sync_to_thread=True)
def threaded_probe(data: JSONBody[ProbeBody]) -> dict[str, Any]:
    """A handler litestar runs on a worker thread, as every command handler."""
    reached.append(str(data.contract_id))
    return {"contract_id": str(data.contract_id)}


@get("/cached-probe", sync_to_thread=True, cache=60)
def cached_probe(contract_id: FromQuery[UUID]) -> dict[str, str]:
    """A response-cached threaded handler: a cache hit answers without running it."""
    return {"contract_id": str(contract_id)}


@post("/unruled", status_code=200, sync_to_thread=False)
def unruled() -> dict[str, str]:
    return {"reached": "yes"}


def _probe_app(service: EConcierge, *, checks_in_threads: bool) -> Litestar:
    handlers = [probe, threaded_probe, cached_probe, listing, unruled]
    app = Litestar(
        route_handlers=[Router("/v1", route_handlers=handlers, guards=[authorise])],
        plugins=[ProblemDetailsPlugin(problem_details_config())],
    )
    if checks_in_threads:
        run_tenant_checks_in_handler_threads(app)  # as api/app.py does
    app.state.service = service
    app.state.tokens = TokenService(service.settings)
    return app


@pytest.fixture
def probe_app(service: EConcierge) -> Iterator[TestClient]:
    """A tiny app with the real guard, service and tokens, and a few extra routes."""
    with TestClient(_probe_app(service, checks_in_threads=False)) as client:
        yield client


@pytest.mark.parametrize("role", [r.value for r in Role if r is not Role.SYSTEM])
def test_an_endpoint_without_a_rule_is_refused_to_every_role(probe_app: TestClient, role: str) -> None:
    sign_in(probe_app, role, contracts=(UNKNOWN,), concierge=UNKNOWN)
    problem = is_problem(probe_app.post("/v1/unruled"), 403)
    assert "no authorisation rule" in problem["detail"]


def test_a_role_the_rule_does_not_name_is_403_even_on_its_own_contract(client: TestClient) -> None:
    contract = create(client)
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(contract["id"],))
    is_problem(client.post(f"/v1/contracts/{contract['id']}/start"), 403)


def test_billing_and_compliance_send_no_commands(client: TestClient) -> None:
    contract = create(client)
    for role in (Role.BILLING, Role.COMPLIANCE):
        sign_in(client, role)
        assert client.get(f"/v1/contracts/{contract['id']}").status_code == 200
        body = {"monthly_fee": 100_000, "reason": "more PCs"}
        is_problem(client.post(f"/v1/contracts/{contract['id']}/fee", json=body), 403)


def test_another_companys_contract_looks_exactly_like_an_unknown_one(client: TestClient) -> None:
    mine, theirs = create(client), create(client, customer_name="Momiji Foods")
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(mine["id"],))
    assert client.get(f"/v1/contracts/{mine['id']}").status_code == 200
    hidden = is_problem(client.get(f"/v1/contracts/{theirs['id']}"), 404)
    unknown = is_problem(client.get(f"/v1/contracts/{UNKNOWN}"), 404)
    assert re.sub(theirs["id"], "ID", str(hidden)) == re.sub(UNKNOWN, "ID", str(unknown))
    assert "Momiji" not in str(hidden)


def test_contract_claims_match_whatever_the_uuid_spelling(client: TestClient) -> None:
    contract = create(client)
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(contract["id"].upper(),))
    assert client.get(f"/v1/contracts/{contract['id']}").status_code == 200


def test_a_concierge_sees_no_contract_it_does_not_serve(client: TestClient) -> None:
    contract = create(client)
    sign_in(client, Role.CONCIERGE, "sato", concierge=UNKNOWN)
    is_problem(client.get(f"/v1/contracts/{contract['id']}"), 404)


@pytest.fixture
def body_scoped(
    probe_app: TestClient, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """POST /v1/probe names its contract in the body; the probe's caller is a customer
    contact of the first contract (`mine`), not of the second (`theirs`)."""
    monkeypatch.setitem(POLICY, "POST /v1/probe", command(Role.CUSTOMER, tenant=CONTRACT_IN_BODY))
    mine, theirs = create(client)["id"], create(client)["id"]
    sign_in(probe_app, Role.CUSTOMER, "cust-yamada", contracts=(mine,))
    return mine, theirs


def test_a_body_scoped_command_is_checked_on_the_bodys_contract(
    probe_app: TestClient, body_scoped: tuple[str, str]
) -> None:
    mine, theirs = body_scoped
    is_problem(probe_app.post("/v1/probe", json={"contract_id": theirs}), 404)
    is_problem(probe_app.post("/v1/probe", json={"contract_id": UNKNOWN}), 404)
    # The handler still decodes the body the guard has already read.
    answer = probe_app.post("/v1/probe", json={"contract_id": mine, "note": "hello"})
    assert answer.json() == {"contract_id": mine, "note": "hello"}


def test_a_body_without_a_readable_tenant_is_refused_before_the_handler(
    probe_app: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "POST /v1/probe", command(Role.CUSTOMER, tenant=CONTRACT_IN_BODY))
    sign_in(probe_app, Role.CUSTOMER, "cust-yamada", contracts=(UNKNOWN,))
    headers = {"content-type": "application/json"}
    is_problem(probe_app.post("/v1/probe", content=b"{not json", headers=headers), 400)
    is_problem(probe_app.post("/v1/probe", json={"note": "no contract"}), 422)
    is_problem(probe_app.post("/v1/probe", json={"contract_id": "not-a-uuid"}), 422)


def test_options_answers_the_allowed_methods_to_a_signed_in_caller(client: TestClient) -> None:
    answer = client.options("/v1/contracts")
    assert answer.status_code == 204
    assert "POST" in answer.headers["allow"]


def test_a_backup_concierge_reaches_the_ticket_it_was_dispatched_to_and_nothing_else(
    client: TestClient, service: EConcierge
) -> None:
    # rule O4: the operator dispatches another concierge to one ticket
    tenant = build_tenant(service, "sakura")
    backup = client.post(
        "/v1/concierges", json={"name": "Kato", "kind": "sole_proprietor", "regions": ["Tokyo"]}
    ).json()["id"]
    sign_in(client, Role.CONCIERGE, backup)
    is_problem(client.get(f"/v1/tickets/{tenant.ticket_id}"), 404)
    sign_in(client, Role.OPERATOR, "op-tanaka")
    dispatched = client.post(f"/v1/tickets/{tenant.ticket_id}/backup-dispatch", json={"concierge_id": backup})
    assert dispatched.status_code == 200, dispatched.text
    sign_in(client, Role.CONCIERGE, backup)
    assert client.get(f"/v1/tickets/{tenant.ticket_id}").status_code == 200
    is_problem(client.get(f"/v1/contracts/{tenant.contract_id}"), 404)


def test_a_list_scoped_by_a_query_parameter_is_checked_on_that_contract(
    probe_app: TestClient, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(POLICY, "GET /v1/listing", read(Role.CUSTOMER, tenant=CONTRACT_IN_QUERY))
    mine, theirs = create(client)["id"], create(client)["id"]
    sign_in(probe_app, Role.CUSTOMER, "cust-yamada", contracts=(mine,))
    assert probe_app.get("/v1/listing", params={"contract_id": mine}).status_code == 200
    is_problem(probe_app.get("/v1/listing", params={"contract_id": theirs}), 404)
    is_problem(probe_app.get("/v1/listing"), 422)


@pytest.mark.parametrize("checks_in_threads", [True, False], ids=["on-the-handler-thread", "in-the-guard"])
def test_a_threaded_handler_runs_only_for_a_caller_inside_the_tenant(
    service: EConcierge, client: TestClient, monkeypatch: pytest.MonkeyPatch, checks_in_threads: bool
) -> None:
    # The guard leaves the (store-reading) tenant check to the handler's worker thread
    # only when that handler was wrapped to run it first; otherwise it checks it itself.
    rule = command(Role.CUSTOMER, Role.OPERATOR, tenant=CONTRACT_IN_BODY)
    monkeypatch.setitem(POLICY, "POST /v1/threaded-probe", rule)
    mine, theirs = create(client)["id"], create(client)["id"]
    reached.clear()
    with TestClient(_probe_app(service, checks_in_threads=checks_in_threads)) as app:
        sign_in(app, Role.CUSTOMER, "cust-yamada", contracts=(mine,))
        is_problem(app.post("/v1/threaded-probe", json={"contract_id": theirs}), 404)
        is_problem(app.post("/v1/threaded-probe", json={"contract_id": UNKNOWN}), 404)
        assert reached == []  # the handler never ran for them
        assert app.post("/v1/threaded-probe", json={"contract_id": mine}).json() == {"contract_id": mine}
        assert reached == [mine]
        sign_in(app, Role.OPERATOR, "op-tanaka")  # staff: not limited to a tenant
        assert app.post("/v1/threaded-probe", json={"contract_id": theirs}).status_code == 200
        assert reached == [mine, theirs]


def test_a_response_cached_handler_is_checked_by_the_guard_on_every_request(
    service: EConcierge, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cache hit skips the handler, so its tenant check can never be left to the handler.
    monkeypatch.setitem(POLICY, "GET /v1/cached-probe", read(Role.CUSTOMER, tenant=CONTRACT_IN_QUERY))
    mine, theirs = create(client)["id"], create(client)["id"]
    with TestClient(_probe_app(service, checks_in_threads=True)) as app:
        sign_in(app, Role.CUSTOMER, "cust-yamada", contracts=(mine, theirs))
        assert app.get("/v1/cached-probe", params={"contract_id": theirs}).status_code == 200
        sign_in(app, Role.CUSTOMER, "cust-other", contracts=(mine,))  # same URL, now cached
        is_problem(app.get("/v1/cached-probe", params={"contract_id": theirs}), 404)


def test_a_contract_named_twice_in_a_body_is_refused_even_spelt_with_escapes(
    probe_app: TestClient, body_scoped: tuple[str, str]
) -> None:
    # msgspec keeps the last of a repeated key: the guard must not check another value than
    # the handler gets, so a body naming its contract twice is refused before either reads it
    mine, theirs = body_scoped
    headers = {"content-type": "application/json"}
    for raw in (
        f'{{"contract_id": "{mine}", "contract_id": "{theirs}"}}',
        f'{{"contract_id": "{mine}", "contract\\u005fid": "{theirs}"}}',
        f'{{"contract\\u005fid": "{mine}", "contract_id": "{theirs}"}}',
    ):
        answer = probe_app.post("/v1/probe", content=raw.encode(), headers=headers)
        problem = is_problem(answer, 422)
        assert "contract_id" in problem["detail"]
    # a value that merely mentions the field is no repetition
    body = {"contract_id": mine, "note": 'the "contract_id" field'}
    assert probe_app.post("/v1/probe", json=body).json()["contract_id"] == mine
