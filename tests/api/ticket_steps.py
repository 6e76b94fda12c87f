"""HTTP steps shared by the ticket API and end-to-end tests: a contract in service with an
accepted concierge, and the three actors of a ticket's life."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from httpx import Response
from litestar.testing import TestClient

from infra.clock import JST, FixedClock
from tests.api.concierge_steps import apply_for_contract, as_operator, register, staff
from tests.auth import sign_in

#: Wednesday 2 December 2026, 10:00 Tokyo: the contracts below are in service (from 1 Dec).
IN_SERVICE = datetime(2026, 12, 2, 10, 0, tzinfo=JST)
CUSTOMER = "cust-yamada"


@dataclass
class Desk:
    """One contract in service for cluster "hq" (Tokyo) and the concierge who serves it."""

    client: TestClient
    contract_id: str
    concierge_id: str

    def as_customer(self) -> TestClient:
        return sign_in(self.client, "customer", CUSTOMER, contracts=(self.contract_id,))

    def as_concierge(self, concierge_id: str | None = None) -> TestClient:
        who = concierge_id or self.concierge_id
        return sign_in(self.client, "concierge", who, concierge=who)

    def as_operator(self) -> TestClient:
        return as_operator(self.client)

    def open_ticket(self, **fields: Any) -> dict[str, Any]:
        """The customer opens a trouble ticket on "hq" (called on the business mobile, O2)."""
        body = {"contract_id": self.contract_id, "cluster": "hq", "kind": "trouble",
                "summary": "The office printer does not print", "channel": "business_mobile",
                **fields}  # fmt: skip
        answer = self.as_customer().post("/v1/tickets", json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()

    def act(self, ticket_id: str, action: str, body: dict[str, Any] | None = None) -> Response:
        """POST one action on a ticket as whoever the client is signed in as."""
        return self.client.post(f"/v1/tickets/{ticket_id}/{action}", json=body)

    def instructed(self, **fields: Any) -> str:
        ticket_id = self.open_ticket(**fields)["id"]
        ok(self.act(ticket_id, "instruction", {"what": "Please fix the printer"}))
        return ticket_id

    def working(self) -> str:
        ticket_id = self.instructed()
        self.as_concierge()
        ok(self.act(ticket_id, "work-started", {"work": "Replace the toner unit"}))
        return ticket_id


def contract_in_service(client: TestClient, clock: FixedClock) -> Desk:
    """Apply (18 Nov), staff and start a contract, then move the clock into service."""
    as_operator(client)
    concierge_id = register(client)["id"]
    contract_id = apply_for_contract(client, hq="Tokyo")
    staff(client, contract_id, "hq", concierge_id)
    ok(client.post(f"/v1/contracts/{contract_id}/start"))
    clock.set(IN_SERVICE)
    return Desk(client, contract_id, concierge_id)


def ok(answer: Response) -> dict[str, Any]:
    """Assert a 2xx and return the body."""
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def refused(answer: Response, status: int, rule: str | None = None) -> dict[str, Any]:
    """Assert a problem-details refusal with that status (and rule)."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    if rule is not None:
        assert body.get("rule") == rule, body
    return body
