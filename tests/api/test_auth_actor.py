"""The actor recorded on every event comes from the verified token, never from the body."""

from __future__ import annotations

from uuid import UUID

from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge
from tests.api.authz_world import build_tenant
from tests.api.contract_requests import application, create, is_problem
from tests.auth import sign_in


def _events(service: EConcierge, aggregate_id: str) -> list:
    return list(service.repository.event_store.get(UUID(aggregate_id)))


def test_the_event_actor_is_the_token_subject_and_role(client: TestClient, service: EConcierge) -> None:
    sign_in(client, Role.OPERATOR, "op-suzuki")
    contract = create(client)
    (applied,) = _events(service, contract["id"])
    assert (applied.meta.actor_id, applied.meta.actor_role) == ("op-suzuki", Role.OPERATOR)


def test_a_body_naming_an_actor_is_refused_as_an_unknown_field(
    client: TestClient, service: EConcierge
) -> None:
    before = service.recorder.max_notification_id()
    answer = client.post("/v1/contracts", json=application(actor_id="op-someone-else"))
    problem = is_problem(answer, 422)
    assert "actor_id" in str(problem)
    assert service.recorder.max_notification_id() == before  # nothing recorded


def test_a_customer_command_records_the_customer_as_the_actor(
    client: TestClient, service: EConcierge
) -> None:
    contract = create(client)
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(contract["id"],))
    answer = client.post(
        f"/v1/contracts/{contract['id']}/cancellation", json={"requested_end_date": "2027-02-28"}
    )
    assert answer.status_code == 200, answer.text  # starts 1 Dec; C3 allows an end on 28 Feb
    last = _events(service, contract["id"])[-1]
    assert (last.meta.actor_id, last.meta.actor_role) == ("cust-yamada", Role.CUSTOMER)


def test_correlation_ids_come_from_headers_but_never_the_actor(
    client: TestClient, service: EConcierge
) -> None:
    sign_in(client, Role.OPERATOR, "op-suzuki")
    answer = client.post(
        "/v1/contracts",
        json=application(),
        headers={"X-Correlation-Id": "call-42", "X-Actor-Id": "op-someone-else"},
    )
    (applied,) = _events(service, answer.json()["id"])
    assert applied.meta.correlation_id == "call-42"
    assert applied.meta.actor_id == "op-suzuki"


def test_a_concierge_acts_as_its_concierge_id(client: TestClient, service: EConcierge) -> None:
    tenant = build_tenant(service, "sakura")
    sign_in(client, Role.CONCIERGE, "sato-san", concierge=tenant.concierge_id)
    answer = client.post(
        f"/v1/tickets/{tenant.ticket_id}/vendor-calls", json={"vendor": "Canon", "equipment": "MFP"}
    )
    assert answer.status_code == 200, answer.text
    last = _events(service, tenant.ticket_id)[-1]
    assert (last.meta.actor_id, last.meta.actor_role) == (tenant.concierge_id, Role.CONCIERGE)


def test_a_concierge_token_without_a_concierge_claim_uses_its_subject(
    client: TestClient, service: EConcierge
) -> None:
    tenant = build_tenant(service, "sakura")
    sign_in(client, Role.CONCIERGE, tenant.concierge_id)
    assert client.get(f"/v1/tickets/{tenant.ticket_id}").status_code == 200
