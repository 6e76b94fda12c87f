"""A command's answer is the state the command left, at the version in its ETag.

Right after a command the aggregate cache holds that state, so the answer is rendered
from it (api/responses.py `state_after`) instead of re-reading the aggregate's history.
Whatever happens in between (another write, an idempotent replay, a cache that lets it
go), the answer still shows exactly the command's version.
"""

from __future__ import annotations

from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.responses import state_after
from domain.aggregates.ticket import Ticket
from infra.application import CommandResult
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.api.ticket_steps import Desk, contract_in_service, ok


@pytest.fixture
def desk(client: TestClient, clock: FixedClock) -> Desk:
    return contract_in_service(client, clock)


def test_the_answer_is_the_state_at_the_commands_version(desk: Desk, service: EConcierge) -> None:
    ticket_id = desk.instructed()
    desk.as_concierge()
    answer = desk.act(ticket_id, "risks", {"description": "Data may be lost", "level": "low"})
    body = ok(answer)
    assert answer.headers["etag"] == f'"{body["version"]}"'
    stored = service.state_at(Ticket, UUID(ticket_id), body["version"])
    assert [r["risk_id"] for r in body["risks"]] == [r.risk_id for r in stored.risks.values()]
    assert body["status"] == stored.status


def test_a_later_write_does_not_leak_into_an_earlier_commands_answer(
    desk: Desk, service: EConcierge
) -> None:
    ticket_id = desk.instructed()
    desk.as_concierge()
    first = ok(desk.act(ticket_id, "risks", {"description": "Data may be lost", "level": "low"}))
    ok(desk.act(ticket_id, "risks", {"description": "The disk may fail", "level": "high"}))
    # The cache now holds the newer version: the earlier result reads its own from the store.
    earlier = CommandResult(UUID(ticket_id), first["version"], None)
    ticket = state_after(service, Ticket, earlier)
    assert (ticket.version, len(ticket.risks)) == (first["version"], 1)
    latest = service.get_ticket(UUID(ticket_id))
    now = state_after(service, Ticket, CommandResult(latest.id, latest.version, None))
    assert (now.version, len(now.risks)) == (latest.version, 2)


def test_a_replayed_retry_answers_the_state_of_the_first_attempt(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_concierge()
    url = f"/v1/tickets/{ticket_id}/risks"
    body = {"description": "Data may be lost", "level": "low"}
    headers = {"Idempotency-Key": "risk-once"}
    first = desk.client.post(url, json=body, headers=headers)
    ok(desk.act(ticket_id, "risks", {"description": "The disk may fail", "level": "high"}))
    again = desk.client.post(url, json=body, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    assert again.json()["risks"] == first.json()["risks"]  # not the later second risk
