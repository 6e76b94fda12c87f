"""One ticket's whole life over HTTP, read back event by event from the event store.

Runs on every configured backend, PostgreSQL included (tests/conftest.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from tests.api.concierge_steps import apply_for_contract, register, staff
from tests.api.ticket_steps import CUSTOMER, Desk, ok
from tests.auth import sign_in

OPERATOR = "op-tanaka"
OPENED = datetime(2026, 12, 2, 9, 0, tzinfo=JST)  # a Wednesday, in service from 1 Dec


def test_a_ticket_from_opening_to_resolution(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # Before service: the operator applies, registers and proposes; the customer accepts.
    sign_in(client, Role.OPERATOR, OPERATOR)
    concierge_id = register(client, "Sato")["id"]
    contract_id = apply_for_contract(client, hq="Tokyo")
    staff(client, contract_id, "hq", concierge_id)  # proposed, interviewed, accepted (K4)
    ok(client.post(f"/v1/contracts/{contract_id}/start"))  # C6: hq has its concierge
    desk = Desk(client, contract_id, concierge_id)

    steps: list[tuple[str, str, datetime]] = []  # event, actor, time: what we expect to read

    def at(minutes: int, event: str, actor: str) -> None:
        clock.set(OPENED + timedelta(minutes=minutes))
        steps.append((event, actor, clock.now()))

    at(0, "TicketOpened", CUSTOMER)
    ticket_id = desk.open_ticket(urgency="high", channel="business_mobile")["id"]
    at(5, "WorkInstructed", CUSTOMER)
    ok(desk.act(ticket_id, "instruction", {"what": "The printer on floor 3 jams; please fix it"}))
    at(20, "ScopeClassified", OPERATOR)
    desk.as_operator()
    ok(desk.act(ticket_id, "classification", {"scope": "daily"}))
    at(95, "RiskDisclosed", concierge_id)
    desk.as_concierge()
    risk = ok(
        desk.act(ticket_id, "risks", {"description": "Firmware update may fail", "level": "high"})
    )
    risk_id = risk["risks"][0]["risk_id"]
    at(100, "RiskAcknowledged", CUSTOMER)
    desk.as_customer()
    ok(desk.act(ticket_id, f"risks/{risk_id}/acknowledge"))
    at(105, "WorkStarted", concierge_id)
    desk.as_concierge()
    ok(desk.act(ticket_id, "work-started", {"work": "Update the firmware, replace the roller"}))
    at(190, "VisitLogged", concierge_id)
    visit = {"arrival": "2026-12-02T10:30:00+09:00", "departure": "2026-12-02T12:00:00+09:00"}
    ok(desk.act(ticket_id, "visits", visit))
    at(195, "WorkSlipIssued", concierge_id)
    ok(
        desk.act(
            ticket_id,
            "work-slips",
            {"content": "Firmware 2.1, new roller", "completion": "completed"},
        )
    )
    at(200, "TicketResolved", concierge_id)
    final = ok(desk.act(ticket_id, "resolution", {"outcome": "resolved", "note": "Prints again"}))

    assert final["status"] == "resolved" and final["visits"][0]["off_hours"] is False
    events = list(service.repository.event_store.get(UUID(ticket_id)))
    assert [(type(e).__name__, e.meta.actor_id, e.timestamp) for e in events] == steps
    assert [e.originator_version for e in events] == list(range(1, len(steps) + 1))
    roles = [e.meta.actor_role for e in events]
    assert roles[:3] == [Role.CUSTOMER, Role.CUSTOMER, Role.OPERATOR]
    assert all(e.meta.correlation_id and e.meta.causation_id for e in events)

    # The notification log (the outbox) holds the same events in the same order.
    logged = [
        n for n in service.recorder.select_notifications(start=None, limit=10_000)
        if n.originator_id == UUID(ticket_id)
    ]  # fmt: skip
    assert [n.originator_version for n in logged] == list(range(1, len(steps) + 1))
    assert [n.id for n in logged] == sorted(n.id for n in logged)
    assert [n.topic.rsplit(".", 1)[-1] for n in logged] == [s[0] for s in steps]
