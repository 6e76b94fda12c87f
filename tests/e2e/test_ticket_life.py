"""One ticket's whole life over HTTP, read back event by event from the audit trail over HTTP.

Every step is a request signed by the token of the actor who takes it; the ticket's trail
(`GET /v1/audit?aggregate_id=`, as a compliance reviewer reads it) must then list exactly
those events, in order, each naming that actor and role and recorded at the step's time.
Runs on every configured backend, PostgreSQL included (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from projections.supervisor import Projections, start_projections_in_background
from tests.api.concierge_steps import apply_for_contract, register, staff
from tests.api.ticket_steps import CUSTOMER, ok, refused
from tests.auth import sign_in

OPERATOR = "op-tanaka"
AUDITOR = "auditor-ito"
OPENED = datetime(2026, 12, 2, 9, 0, tzinfo=JST)  # a Wednesday, in service from 1 December


@pytest.fixture
def projections(service: EConcierge) -> Iterator[Projections]:
    """The read side running beside the API, as `econcierge serve` runs it."""
    running = start_projections_in_background(service)
    yield running
    running.stop()


@dataclass
class Life:
    """Takes each step as its actor, at its minute after the opening, and notes what the
    trail must then say: the event, who (id and role, from the token) and when."""

    client: TestClient
    clock: FixedClock
    contract_id: str
    expected: list[tuple[str, str, Role, datetime]] = field(default_factory=list)
    position: int = 0  # the log position of the last step (read-your-writes)

    def sign_in(self, role: Role, who: str) -> None:
        contracts = (self.contract_id,) if role is Role.CUSTOMER else ()
        concierge = who if role is Role.CONCIERGE else None
        sign_in(self.client, role, who, contracts=contracts, concierge=concierge)

    def step(
        self, minute: int, event: str, role: Role, who: str, path: str, body: Any = None
    ) -> dict[str, Any]:
        self.clock.set(OPENED + timedelta(minutes=minute))
        self.sign_in(role, who)
        answer = ok(self.client.post(path, json=body))
        self.expected.append((event, who, role, self.clock.now()))
        self.position = answer["position"]
        return answer


def test_a_ticket_lives_its_whole_life_and_its_trail_names_every_step(
    client: TestClient, clock: FixedClock, projections: Projections
) -> None:
    # Given a contract in service whose cluster "hq" is served by Sato (K4, C6), and Ito,
    # another concierge the operator can send as a backup (O4)
    sato = register(client, "Sato Kenji")["id"]
    ito = register(client, "Ito Mai")["id"]
    contract_id = apply_for_contract(client, hq="Tokyo")
    staff(client, contract_id, "hq", sato)
    ok(client.post(f"/v1/contracts/{contract_id}/start"))
    life = Life(client, clock, contract_id)
    c, k, o = Role.CUSTOMER, Role.CONCIERGE, Role.OPERATOR  # who signs each step

    # When the customer calls Sato's voicemail and opens the ticket (S1, O2)
    opened = life.step(0, "TicketOpened", c, CUSTOMER, "/v1/tickets", {
        "contract_id": contract_id, "cluster": "hq", "kind": "trouble", "urgency": "high",
        "channel": "voicemail", "summary": "The printers of floor 3 jam and the PCs are slow",
    })  # fmt: skip
    t = f"/v1/tickets/{opened['id']}"
    # ... instructs the work (O5); Sato classifies it daily work (S6)
    life.step(5, "WorkInstructed", c, CUSTOMER, f"{t}/instruction", {"what": "Fix the printers"})
    life.step(20, "ScopeClassified", k, sato, f"{t}/classification", {"scope": "daily"})
    # ... Sato discloses a high risk, the customer gives the GO, Sato starts (O6)
    life.step(30, "RiskDisclosed", k, sato, f"{t}/risks", {
        "description": "The firmware update may fail", "level": "high"})  # fmt: skip
    life.step(35, "RiskAcknowledged", c, CUSTOMER, f"{t}/risks/risk-1/acknowledge")
    life.step(40, "WorkStarted", k, sato, f"{t}/work-started", {"work": "Update the firmware"})
    # ... calls the printer's vendor for the customer (S4)
    life.step(60, "VendorCallPlaced", k, sato, f"{t}/vendor-calls", {
        "vendor": "Canon", "equipment": "imageRUNNER on floor 3", "reference": "case 4711"})  # fmt: skip
    # ... the operator sends Ito as a backup while Sato is at another emergency (O4)
    life.step(70, "BackupDispatched", o, OPERATOR, f"{t}/backup-dispatch", {
        "concierge_id": ito, "reason": "Sato is at another customer's emergency"})  # fmt: skip
    # ... a visit said to start before the ticket was opened is refused (O3) ...
    early = {"arrival": "2026-12-02T08:30:00+09:00", "departure": "2026-12-02T10:00:00+09:00"}
    life.sign_in(k, ito)
    refused(client.post(f"{t}/visits", json=early), 422, "O3")
    # ... Ito and then Sato log their visits once they have ended (O1, K2, O4)
    ito_visit = {"arrival": "2026-12-02T10:00:00+09:00", "departure": "2026-12-02T11:00:00+09:00"}
    life.step(125, "VisitLogged", k, ito, f"{t}/visits", ito_visit)
    sato_visit = {"arrival": "2026-12-02T17:00:00+09:00", "departure": "2026-12-02T18:30:00+09:00"}
    life.step(575, "VisitLogged", k, sato, f"{t}/visits", sato_visit)
    # ... the PCs need replacing: the operator reclassifies it extra work, with a reason (S6)
    life.step(600, "ScopeClassified", o, OPERATOR, f"{t}/classification", {
        "scope": "extra", "reason": "Replacing every PC of the floor is not daily work"})  # fmt: skip
    # ... Sato quotes it (X1), and the customer orders it from him directly: a Second job (X2)
    life.step(610, "ExtraWorkQuoted", k, sato, f"{t}/extra-work-quotes", {
        "description": "Replace the 8 PCs of floor 3", "amount": 440_000})  # fmt: skip
    life.step(620, "SecondJobReferred", k, sato, f"{t}/second-jobs", {
        "to": "concierge_direct", "description": "Replace the 8 PCs of floor 3",
        "amount": 440_000})  # fmt: skip
    # ... and buys toner through him (O8)
    life.step(630, "ProductSold", k, sato, f"{t}/sales", {
        "item": "Toner cartridge", "amount": 8_800, "quantity": 2})  # fmt: skip
    # ... Sato issues the work slip and resolves the ticket (O7)
    life.step(640, "WorkSlipIssued", k, sato, f"{t}/work-slips", {
        "content": "Firmware 2.1 installed, feed rollers replaced", "completion": "completed"})  # fmt: skip
    final = life.step(645, "TicketResolved", k, sato, f"{t}/resolution", {
        "outcome": "resolved", "note": "Prints again"})  # fmt: skip

    # Then the ticket says so
    assert (final["status"], final["channel"], final["version"]) == ("resolved", "voicemail", 16)
    assert [v["off_hours"] for v in final["visits"]] == [False, True]  # O1: until 18:30
    assert [r["operator_bills"] for r in final["referrals"]] == [False]  # X2
    # And the trail, read over HTTP by a compliance reviewer, holds every step, in order
    life.sign_in(Role.COMPLIANCE, AUDITOR)
    page = ok(client.get("/v1/audit", params={
        "aggregate_id": opened["id"], "min_position": life.position, "limit": 200}))  # fmt: skip
    assert page["stale"] is False and page["next_cursor"] is None
    trail = page["items"]
    read = [
        (e["event_type"], e["actor_id"], Role(e["actor_role"]), datetime.fromisoformat(e["at"]))
        for e in trail
    ]
    assert read == life.expected  # event type, actor id and role, recorded time
    assert [e["version"] for e in trail] == list(range(1, 17))
    assert [e["position"] for e in trail] == sorted(e["position"] for e in trail)
    assert {(e["contract_id"], e["aggregate_kind"]) for e in trail} == {(contract_id, "Ticket")}
    assert all(e["correlation_id"] and e["causation_id"] for e in trail)
    # And the times each event reports of its own: when the visits took place (O1, O3)
    visits = [e["payload"] for e in trail if e["event_type"] == "VisitLogged"]
    assert [
        (datetime.fromisoformat(v["arrival"]), datetime.fromisoformat(v["departure"]))
        for v in visits
    ] == [
        (datetime.fromisoformat(v["arrival"]), datetime.fromisoformat(v["departure"]))
        for v in (ito_visit, sato_visit)
    ]
    assert [v["concierge_id"] for v in visits] == [ito, sato]
    assert datetime.fromisoformat(visits[0]["arrival"]) >= OPENED  # O3: first arrival
