"""Erasing a data subject leaves no readable trace of its personal data (issue 9, done 2)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import nats
import pytest
from litestar.testing import TestClient

from api.app import create_app
from api.console.csrf import CSRF_COOKIE, form_token
from api.privacy import rebuild_views
from domain.meta import EventMeta, Role
from domain.personal import ERASED
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from infra.privacy import erase_personal_data
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all
from tests.api.concierge_steps import register
from tests.api.ticket_steps import Desk, contract_in_service, ok
from tests.auth import sign_in
from tests.trail.steps import verified
from tests.trail.store_sql import StoredRows
from workers.relay import Relay
from workers.relay_runner import RelayHandle

SECRETS = ("Yamada Taro", "090-1234-5678", "taro.yamada@sakura.example.jp")
SUMMARY = f"PC will not boot; call {SECRETS[0]} on {SECRETS[1]} or {SECRETS[2]}"
REASON = "Request ER-2026-017 of 20 Nov 2026 under the APPI"


def _operator() -> CommandContext:
    return CommandContext(meta=EventMeta("op-tanaka", Role.OPERATOR, "corr-erase", "req-erase"))


def _ticket_with_personal_data(client: TestClient, clock: FixedClock) -> tuple[Desk, str]:
    desk = contract_in_service(client, clock)
    ticket_id = desk.open_ticket(summary=SUMMARY)["id"]
    desk.as_customer()
    ok(desk.act(ticket_id, "instruction", {"what": f"Please call {SECRETS[0]} first"}))
    desk.as_operator()
    return desk, ticket_id


@dataclass
class Dispute:
    """A contract whose ticket, billed extra work and liability claim name a person."""

    desk: Desk
    ticket_id: str
    claim_id: str


def _dispute_naming_a_person(client: TestClient, clock: FixedClock) -> Dispute:
    desk, ticket_id = _ticket_with_personal_data(client, clock)
    ok(desk.act(ticket_id, "classification", {"scope": "extra"}))
    ok(desk.act(ticket_id, "extra-work-quotes", {"description": f"New PC for {SECRETS[0]}", "amount": 60_000}))
    referral = {"to": "operator", "description": f"Set up {SECRETS[0]}'s PC ({SECRETS[2]})", "amount": 55_000}
    ok(desk.act(ticket_id, "second-jobs", referral))
    claim = {"ticket_id": ticket_id, "kind": "damage", "description": f"{SECRETS[0]} ({SECRETS[1]}) lost mail"}
    claim_id = ok(client.post("/v1/liability/claims", json=claim))["id"]
    finding = {"finding": "negligence_found", "value": True, "note": f"{SECRETS[0]} had no backup"}
    ok(client.post(f"/v1/liability/claims/{claim_id}/findings", json=finding))
    return Dispute(desk, ticket_id, claim_id)


def _erase(service: EConcierge, subject: str) -> None:
    erase_personal_data(service, _operator(), subject, REASON)
    rebuild_views(service)


def _views_dump(service: EConcierge) -> str:
    """Every row of every view table, as text."""
    with views_of(service).read() as tx:
        return repr([tx.fetchall(f"SELECT * FROM {t}") for view in VIEWS for t in view.tables])


def _readings(client: TestClient, desk: Desk, ticket_id: str) -> list[tuple[str, bytes]]:
    """What the API answers about the contract and its ticket, to staff."""
    reads = [
        f"/v1/tickets/{ticket_id}",
        f"/v1/contracts/{desk.contract_id}",
        f"/v1/audit?contract_id={desk.contract_id}&limit=200",
        f"/v1/audit/export?contract_id={desk.contract_id}",
        f"/v1/audit/export?contract_id={desk.contract_id}&format=html",
        f"/v1/audit/state/{ticket_id}?as_of=2027-01-01",
    ]
    answers = []
    for path in reads:
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text)
        answers.append((path, answer.content))
    return answers


def _every_reading(client: TestClient, service: EConcierge, dispute: Dispute) -> list[tuple[str, bytes]]:
    """Every API answer and console page about the dispute, each read as a role allowed to."""
    desk, ticket, contract = dispute.desk, dispute.ticket_id, dispute.desk.contract_id
    api = {
        Role.OPERATOR: [
            f"/v1/tickets/{ticket}",
            f"/v1/tickets/{ticket}?as_of=2026-12-02",
            f"/v1/contracts/{contract}",
            f"/v1/contracts/{contract}?as_of=2026-12-02",
            "/v1/audit?limit=200",
            f"/v1/audit?contract_id={contract}&limit=200",
            f"/v1/audit/export?contract_id={contract}",
            f"/v1/audit/export?contract_id={contract}&format=html",
            f"/v1/audit/export?ticket_id={ticket}",
            f"/v1/audit/export?ticket_id={ticket}&format=html",
            f"/v1/audit/state/{ticket}?as_of=2027-01-01",
            f"/v1/liability/claims/{dispute.claim_id}",
            "/v1/billing/statements",
            f"/v1/billing/statements?contract_id={contract}",
            "/v1/dispatch",
        ],
        Role.COMPLIANCE: [f"/v1/liability/claims/{dispute.claim_id}", f"/v1/audit?contract_id={contract}"],
        Role.BILLING: ["/v1/billing/statements?month=2026-12"],
    }
    answers = []
    for role, paths in api.items():
        sign_in(client, role, f"{role}-reader")
        for path in paths:
            answer = client.get(path)
            assert answer.status_code == 200, (role, path, answer.text)
            answers.append((f"{role} {path}", answer.content))
    desk.as_customer()
    answers.append(("customer ticket", ok_bytes(client.get(f"/v1/tickets/{ticket}"))))
    desk.as_operator()
    answers += _console_pages(service, dispute)
    return answers


def ok_bytes(answer: Any) -> bytes:
    assert answer.status_code == 200, answer.text
    return bytes(answer.content)


def _console_pages(service: EConcierge, dispute: Dispute) -> list[tuple[str, bytes]]:
    """The console's pages about the dispute, signed in with a session cookie as an operator."""
    contract, ticket = dispute.desk.contract_id, dispute.ticket_id
    pages = [
        "/console/contracts",
        f"/console/contracts/{contract}",
        "/console/disputes?q=Sakura",
        f"/console/disputes/contracts/{contract}",
        f"/console/disputes/contracts/{contract}?as_of=2026-12-02",
        f"/console/disputes/tickets/{ticket}",
        f"/console/disputes/tickets/{ticket}?as_of=2026-12-02",
        f"/console/disputes/contracts/{contract}/export?format=jsonl",
        f"/console/disputes/contracts/{contract}/export?format=html",
        f"/console/disputes/tickets/{ticket}/export?format=html",
        "/console/dispatch",
        "/console/billing?month=2026-12",
    ]
    answers = []
    with TestClient(create_app(service)) as web:
        web.get("/console/sign-in")  # the page sets the CSRF nonce cookie
        token = web.app.state.tokens.issue(sub="op-tanaka", role=Role.OPERATOR)
        signed_in = web.post(
            "/console/sign-in",
            data={"token": token, "csrf_token": form_token(web.cookies[CSRF_COOKIE], None)},
            follow_redirects=False,
        )
        assert signed_in.status_code == 303, signed_in.text
        for path in pages:
            answer = web.get(path)
            assert answer.status_code == 200, (path, answer.text[:500])
            answers.append((path, answer.content))
    return answers


def _contains_secret(data: bytes | str) -> list[str]:
    text = data if isinstance(data, str) else data.decode()
    return [secret for secret in SECRETS if secret in text]


def test_after_an_erasure_no_response_view_or_export_holds_it_and_the_trail_verifies(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    desk, ticket_id = _ticket_with_personal_data(client, clock)
    catch_up_all(service, views_of(service), VIEWS)
    assert _contains_secret(client.get(f"/v1/tickets/{ticket_id}").content)  # readable before
    before = [row[4] for row in StoredRows(service).rows()]

    _erase(service, f"contract:{desk.contract_id}")

    for path, body in _readings(client, desk, ticket_id):
        assert not _contains_secret(body), path
    assert not _contains_secret(_views_dump(service))
    assert client.get(f"/v1/tickets/{ticket_id}").json()["summary"] == ERASED
    assert not any(StoredRows(service).contains(s) for s in SECRETS)  # never stored in clear
    assert [row[4] for row in StoredRows(service).rows()][: len(before)] == before  # no byte changed
    verified(service)  # so the trail still verifies


def test_no_api_answer_console_page_export_or_view_holds_the_erased_values(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # Given a contract whose ticket, quote, billed extra work and liability claim name a
    # person, readable by staff in every reading
    dispute = _dispute_naming_a_person(client, clock)
    catch_up_all(service, views_of(service), VIEWS)
    readable = _every_reading(client, service, dispute)
    for must_name in ("/v1/liability/claims/", "/v1/billing/statements?contract_id", "/v1/dispatch",
                      "/console/disputes/tickets/", "/console/billing"):  # fmt: skip
        assert any(must_name in path and _contains_secret(body) for path, body in readable), must_name

    # When the company's personal data is erased
    _erase(service, f"contract:{dispute.desk.contract_id}")

    # Then no reading holds any erased value, in any byte
    after = _every_reading(client, service, dispute)
    assert [path for path, body in after if _contains_secret(body)] == []
    assert not _contains_secret(_views_dump(service))
    claim = client.get(f"/v1/liability/claims/{dispute.claim_id}").json()
    assert claim["description"] == ERASED and claim["findings"][0]["note"] == ERASED
    assert not any(StoredRows(service).contains(s) for s in SECRETS)
    # and the trail still verifies, and a full rebuild gives the same erased views and answers
    verified(service)
    views = _views_dump(service)
    rebuild_views(service)
    assert _views_dump(service) == views
    again = _every_reading(client, service, dispute)
    assert [path for path, body in again if _contains_secret(body)] == []
    assert [path for path, _ in again] == [path for path, _ in after]


def test_a_rebuild_after_an_erasure_gives_the_same_erased_views(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    desk, _ = _ticket_with_personal_data(client, clock)
    _erase(service, f"contract:{desk.contract_id}")
    erased = _views_dump(service)

    rebuild_views(service)

    assert _views_dump(service) == erased
    assert ERASED in erased


def test_erasing_a_concierge_erases_the_persons_name(client: TestClient, service: EConcierge) -> None:
    concierge_id = register(client, name="Takahashi Kenji")["id"]

    _erase(service, f"concierge:{concierge_id}")

    answer = client.get(f"/v1/concierges/{concierge_id}")
    assert answer.json()["name"] == ERASED
    assert b"Takahashi" not in answer.content


def test_the_erasure_is_itself_an_event_of_the_trail(client: TestClient, service: EConcierge, clock: FixedClock) -> None:
    desk, _ = _ticket_with_personal_data(client, clock)

    _erase(service, f"contract:{desk.contract_id}")

    entries = client.get("/v1/audit?limit=200").json()["items"]
    erasure = next(e for e in entries if e["event_type"] == "PersonalDataErased")
    assert erasure["actor_id"] == "op-tanaka"
    assert erasure["payload"]["reason"] == REASON
    assert erasure["payload"]["subject"] == f"contract:{desk.contract_id}"
    assert len(erasure["payload"]["key_ids"]) == 1


def test_personal_data_recorded_after_an_erasure_gets_a_new_key(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    desk, first = _ticket_with_personal_data(client, clock)
    _erase(service, f"contract:{desk.contract_id}")

    second = desk.open_ticket(summary="Router reboots at night")["id"]

    assert client.get(f"/v1/tickets/{second}").json()["summary"] == "Router reboots at night"
    assert client.get(f"/v1/tickets/{first}").json()["summary"] == ERASED


def test_an_erasure_needs_the_operator_and_a_reason(service: EConcierge) -> None:
    subject = f"contract:{UUID(int=1)}"
    customer = CommandContext(meta=EventMeta("cust-yamada", Role.CUSTOMER, "c", "r"))
    with pytest.raises(Exception, match="only the operator"):
        erase_personal_data(service, customer, subject, REASON)
    with pytest.raises(Exception, match="reason"):
        erase_personal_data(service, _operator(), subject, "because")
    with pytest.raises(Exception, match="no personal data"):
        erase_personal_data(service, _operator(), subject, REASON)


def test_the_erasure_endpoint_erases_for_the_operator_only(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    desk, ticket_id = _ticket_with_personal_data(client, clock)
    body: dict[str, Any] = {"subject": f"contract:{desk.contract_id}", "reason": REASON}

    refused = desk.as_customer().post("/v1/privacy/erasures", json=body)
    answer = desk.as_operator().post("/v1/privacy/erasures", json=body)

    assert refused.status_code == 403
    assert answer.status_code == 201, answer.text
    assert answer.json()["subject"] == body["subject"] and len(answer.json()["key_ids"]) == 1
    assert client.get(f"/v1/tickets/{ticket_id}").json()["summary"] == ERASED
    missing = client.post("/v1/privacy/erasures", json={"subject": body["subject"]})
    assert missing.status_code in (400, 422)


@pytest.mark.nats
def test_no_nats_payload_published_after_an_erasure_holds_the_personal_data(
    client: TestClient, service: EConcierge, clock: FixedClock, trail_nats: Settings
) -> None:
    # Given the dispute's events published on NATS while the data was readable
    dispute = _dispute_naming_a_person(client, clock)
    _relay_to_head(service, trail_nats)
    published_before = len(asyncio.run(_stream_payloads(trail_nats)))

    # When the company is erased, and work on its ticket goes on
    _erase(service, f"contract:{dispute.desk.contract_id}")
    dispute.desk.as_customer()
    ok(dispute.desk.act(dispute.ticket_id, "instruction", {"what": "Please also check the printer"}))
    dispute.desk.as_operator()
    _relay_to_head(service, trail_nats)

    # Then every payload published after the erasure was searched for every erased value
    after = asyncio.run(_stream_payloads(trail_nats))[published_before:]
    assert len(after) >= 3  # the erasure's events, and the ticket's new instruction
    assert [p for p in after if _contains_secret(p)] == []
    assert any(b"PersonalDataErased" in p for p in after)  # consumers hear of it, too
    concerning = [p for p in after if dispute.desk.contract_id.encode() in p or dispute.ticket_id.encode() in p]
    assert len(concerning) >= 2  # they concern the erased company
    assert any(b"WorkInstructed" in p for p in concerning)


def _relay_to_head(service: EConcierge, settings: Settings) -> None:
    """Run the relay until it has published the whole log."""
    handle = RelayHandle(Relay(service, settings)).start()
    try:
        head = service.recorder.max_notification_id()
        deadline = time.monotonic() + 20
        while handle.relay.position != head and time.monotonic() < deadline:
            time.sleep(0.05)
        assert handle.relay.position == head, "the relay did not reach the log's head"
    finally:
        handle.stop()


async def _stream_payloads(settings: Settings) -> list[bytes]:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        info = await js.stream_info(settings.nats_stream)
        return [(await js.get_msg(settings.nats_stream, seq=s)).data for s in range(1, info.state.last_seq + 1)]
    finally:
        await nc.close()
