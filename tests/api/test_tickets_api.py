"""The ticket API: each endpoint's success and its refusals (S1–S6, X1–X3, O1–O8, L1)."""

from __future__ import annotations

from datetime import datetime

import pytest
from litestar.testing import TestClient

from infra.clock import JST, FixedClock
from tests.api.concierge_steps import register
from tests.api.ticket_steps import Desk, contract_in_service, ok, refused
from tests.auth import sign_in

UNKNOWN = "0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e"


@pytest.fixture
def desk(client: TestClient, clock: FixedClock) -> Desk:
    return contract_in_service(client, clock)


# --- opening and reading ---


def test_the_customer_opens_a_ticket(desk: Desk) -> None:
    answer = desk.as_customer().post(
        "/v1/tickets",
        json={"contract_id": desk.contract_id, "cluster": "hq", "kind": "setup",
              "summary": "Set up the new PC", "urgency": "high", "channel": "voicemail"},
    )  # fmt: skip
    body = ok(answer)
    assert answer.status_code == 201
    assert answer.headers["location"] == f"/v1/tickets/{body['id']}"
    assert answer.headers["etag"] == '"1"'
    assert (body["kind"], body["channel"], body["status"]) == ("setup", "voicemail", "open")
    assert body["response_deadline"] == "2026-12-03T10:00:00+09:00"  # O3


@pytest.mark.parametrize("channel", [None, "fax"])
def test_a_ticket_must_say_how_the_customer_called(desk: Desk, channel: str | None) -> None:
    # rule O2: the ticket records the real channel, so a missing or unknown one is a 422
    body = {"contract_id": desk.contract_id, "cluster": "hq", "kind": "trouble", "summary": "x"}
    if channel is not None:
        body["channel"] = channel
    problem = refused(desk.as_customer().post("/v1/tickets", json=body), 422)
    [error] = problem["errors"]
    assert "channel" in f"{error['key']} {error['message']}", problem


def test_a_ticket_on_a_contract_not_in_service_is_refused(desk: Desk) -> None:
    # rule C1
    desk.as_operator()
    other = desk.client.post(
        "/v1/contracts",
        json={"customer_name": "Ume Co", "quote": {"sites": [
            {"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 3}]}},
    ).json()["id"]  # fmt: skip
    answer = desk.client.post(
        "/v1/tickets",
        json={
            "contract_id": other,
            "cluster": "hq",
            "kind": "trouble",
            "summary": "x",
            "channel": "mail",
        },
    )
    refused(answer, 409, "C1")


def test_a_ticket_for_an_unknown_cluster_is_invalid(desk: Desk) -> None:
    answer = desk.as_customer().post(
        "/v1/tickets",
        json={
            "contract_id": desk.contract_id,
            "cluster": "osaka",
            "kind": "trouble",
            "summary": "x",
            "channel": "mail",
        },
    )
    refused(answer, 422, "P9")


def test_a_ticket_of_an_unknown_kind_is_invalid(desk: Desk) -> None:
    # rule S1
    answer = desk.as_customer().post(
        "/v1/tickets",
        json={
            "contract_id": desk.contract_id,
            "cluster": "hq",
            "kind": "training",
            "summary": "x",
            "channel": "mail",
        },
    )
    refused(answer, 422)


def test_a_ticket_is_read_back(desk: Desk) -> None:
    ticket = desk.open_ticket()
    answer = desk.as_concierge().get(f"/v1/tickets/{ticket['id']}")
    assert ok(answer)["summary"] == "The office printer does not print"
    assert answer.headers["etag"] == '"1"'


def test_an_unknown_ticket_is_not_found(desk: Desk) -> None:
    refused(desk.as_operator().get(f"/v1/tickets/{UNKNOWN}"), 404)


# --- instruction (O5) ---


def test_the_customer_instructs_the_work(desk: Desk) -> None:
    ticket = desk.open_ticket()
    body = ok(desk.act(ticket["id"], "instruction", {"what": "Fix the printer on floor 3"}))
    [instruction] = body["instructions"]
    assert (instruction["by"], instruction["what"]) == ("cust-yamada", "Fix the printer on floor 3")


def test_the_concierge_cannot_instruct_itself(desk: Desk) -> None:
    # rule O5: the policy refuses the role before the aggregate would
    ticket = desk.open_ticket()
    refused(
        desk.as_concierge().post(f"/v1/tickets/{ticket['id']}/instruction", json={"what": "x"}), 403
    )


def test_work_started_without_instruction_is_refused_citing_o5(desk: Desk) -> None:
    ticket = desk.open_ticket()
    desk.as_concierge()
    refused(desk.act(ticket["id"], "work-started", {"work": "Replace the toner"}), 409, "O5")


# --- classification (S6) ---


def test_the_operator_classifies_a_ticket(desk: Desk) -> None:
    ticket = desk.open_ticket()
    desk.as_operator()
    body = ok(desk.act(ticket["id"], "classification", {"scope": "daily"}))
    assert body["classification"]["scope"] == "daily"


def test_out_of_scope_without_a_reason_code_is_invalid(desk: Desk) -> None:
    ticket = desk.open_ticket()
    desk.as_operator()
    refused(desk.act(ticket["id"], "classification", {"scope": "out_of_scope"}), 422, "S6")


def test_an_out_of_scope_ticket_refuses_work(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    ok(
        desk.act(
            ticket_id, "classification", {"scope": "out_of_scope", "reason_code": "non_windows"}
        )
    )
    desk.as_concierge()
    body = refused(desk.act(ticket_id, "work-started", {"work": "Fix the Mac"}), 409, "S6")
    assert body["reason_code"] == "non_windows"


def test_only_the_operator_reclassifies(desk: Desk) -> None:
    ticket = desk.open_ticket()
    desk.as_operator()
    ok(desk.act(ticket["id"], "classification", {"scope": "daily"}))
    desk.as_concierge()
    refused(
        desk.act(ticket["id"], "classification", {"scope": "extra", "reason": "big"}), 409, "S6"
    )


# --- risks (O6) ---


def disclosed(desk: Desk, level: str = "high") -> tuple[str, str]:
    ticket_id = desk.instructed()
    desk.as_concierge()
    body = ok(
        desk.act(ticket_id, "risks", {"description": "Firmware update may fail", "level": level})
    )
    return ticket_id, body["risks"][-1]["risk_id"]


def test_the_concierge_discloses_a_risk(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    body = ok(desk.client.get(f"/v1/tickets/{ticket_id}"))
    assert body["risks"] == [
        {"risk_id": risk_id, "description": "Firmware update may fail", "level": "high",
         "status": "pending", "disclosed_by": desk.concierge_id, "answered_by": None},
    ]  # fmt: skip


def test_a_risk_without_a_level_is_invalid(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_concierge()
    refused(desk.act(ticket_id, "risks", {"description": "Firmware"}), 422)


def test_work_on_an_unacknowledged_high_risk_is_refused_citing_o6(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    body = refused(desk.act(ticket_id, "work-started", {"work": "Update firmware"}), 409, "O6")
    assert body["risk_ids"] == [risk_id]


def test_work_starts_after_the_customer_acknowledges_the_risk(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    desk.as_customer()
    assert (
        ok(desk.act(ticket_id, f"risks/{risk_id}/acknowledge"))["risks"][0]["status"]
        == "acknowledged"
    )
    desk.as_concierge()
    body = ok(desk.act(ticket_id, "work-started", {"work": "Update firmware"}))
    assert (body["status"], body["jobs"][-1]["risk_ids"]) == ("in_progress", [risk_id])


def test_a_risk_is_acknowledged_once(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    desk.as_customer()
    ok(desk.act(ticket_id, f"risks/{risk_id}/acknowledge"))
    refused(desk.act(ticket_id, f"risks/{risk_id}/acknowledge"), 409, "O6")


def test_an_unknown_risk_is_not_found(desk: Desk) -> None:
    ticket_id = desk.instructed()
    refused(desk.act(ticket_id, "risks/risk-7/acknowledge"), 404)


def test_a_declined_risk_stops_its_work(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    desk.as_customer()
    body = ok(desk.act(ticket_id, f"risks/{risk_id}/decline", {"reason": "Too risky"}))
    assert body["risks"][0]["status"] == "declined"
    desk.as_concierge()
    refused(desk.act(ticket_id, "work-started", {"work": "Update firmware"}), 409, "O6")


def test_the_concierge_cannot_decline_for_the_customer(desk: Desk) -> None:
    ticket_id, risk_id = disclosed(desk)
    refused(desk.act(ticket_id, f"risks/{risk_id}/decline"), 403)


# --- work, visits, vendor calls, backups (O5, O1, K2, S4, O4) ---


def test_the_concierge_starts_instructed_work(desk: Desk) -> None:
    ticket_id = desk.working()
    assert (
        ok(desk.client.get(f"/v1/tickets/{ticket_id}"))["jobs"][0]["work"]
        == "Replace the toner unit"
    )


def test_a_visit_in_base_hours_is_logged(desk: Desk, clock: FixedClock) -> None:
    ticket_id = desk.working()
    clock.advance(hours=4)
    visit = {"arrival": "2026-12-02T10:30:00+09:00", "departure": "2026-12-02T12:00:00+09:00"}
    body = ok(desk.act(ticket_id, "visits", visit))
    assert body["visits"] == [
        {"concierge_id": desk.concierge_id, "arrival": "2026-12-02T10:30:00+09:00",
         "departure": "2026-12-02T12:00:00+09:00", "off_hours": False, "note": None},
    ]  # fmt: skip


def test_a_visit_until_half_past_six_is_off_hours(desk: Desk, clock: FixedClock) -> None:
    # rule O1
    ticket_id = desk.working()
    clock.advance(hours=10)
    visit = {"arrival": "2026-12-02T17:00:00+09:00", "departure": "2026-12-02T18:30:00+09:00"}
    assert ok(desk.act(ticket_id, "visits", visit))["visits"][0]["off_hours"] is True


def test_a_visit_that_departs_before_it_arrives_is_invalid(desk: Desk, clock: FixedClock) -> None:
    ticket_id = desk.working()
    clock.advance(hours=4)
    visit = {"arrival": "2026-12-02T12:00:00+09:00", "departure": "2026-12-02T11:00:00+09:00"}
    refused(desk.act(ticket_id, "visits", visit), 422, "O1")


def test_the_operator_cannot_log_a_visit_of_an_unassigned_concierge(
    desk: Desk, clock: FixedClock
) -> None:
    # rule K2
    ticket_id = desk.working()
    clock.advance(hours=4)
    desk.as_operator()
    visit = {"arrival": "2026-12-02T10:30:00+09:00", "departure": "2026-12-02T11:00:00+09:00",
             "concierge_id": UNKNOWN}  # fmt: skip
    refused(desk.act(ticket_id, "visits", visit), 409, "K2")


def test_the_concierge_places_a_vendor_call(desk: Desk) -> None:
    # rule S4
    ticket_id = desk.working()
    body = ok(desk.act(ticket_id, "vendor-calls", {"vendor": "Canon", "equipment": "imageRUNNER"}))
    assert body["vendor_calls"][0]["vendor"] == "Canon"


def test_a_vendor_call_before_instruction_is_refused(desk: Desk) -> None:
    ticket = desk.open_ticket()
    desk.as_concierge()
    refused(
        desk.act(ticket["id"], "vendor-calls", {"vendor": "Canon", "equipment": "x"}), 409, "O5"
    )


def test_a_dispatched_backup_acts_on_the_ticket(desk: Desk, clock: FixedClock) -> None:
    # rule O4
    ticket_id = desk.instructed()
    desk.as_operator()
    backup = register(desk.client, "Ito")["id"]
    body = ok(desk.act(ticket_id, "backup-dispatch", {"concierge_id": backup, "reason": "Overlap"}))
    assert body["backup_concierge_ids"] == [backup]
    desk.as_concierge(backup)
    ok(desk.act(ticket_id, "work-started", {"work": "Restart the router"}))


def test_a_concierge_neither_assigned_nor_dispatched_does_not_see_the_ticket(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    stranger = register(desk.client, "Kato")["id"]
    desk.as_concierge(stranger)
    refused(desk.act(ticket_id, "work-started", {"work": "x"}), 404)


def test_the_assigned_concierge_is_not_dispatched_as_a_backup(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    refused(desk.act(ticket_id, "backup-dispatch", {"concierge_id": desk.concierge_id}), 409, "O4")


def test_an_unregistered_backup_is_not_found(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    refused(desk.act(ticket_id, "backup-dispatch", {"concierge_id": UNKNOWN}), 404)


# --- extra work, Second jobs, sales (X1, X2, O8) ---


def extra(desk: Desk) -> str:
    ticket_id = desk.instructed()
    desk.as_operator()
    ok(desk.act(ticket_id, "classification", {"scope": "extra"}))
    return ticket_id


def test_extra_work_is_quoted(desk: Desk) -> None:
    ticket_id = extra(desk)
    body = ok(desk.act(ticket_id, "extra-work-quotes", {"description": "VPN", "amount": 220_000}))
    assert body["quotes"] == [
        {"quote_id": "quote-1", "description": "VPN", "amount": 220_000, "quoted_by": "op-tanaka"}
    ]


def test_daily_work_is_not_quoted(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    ok(desk.act(ticket_id, "classification", {"scope": "daily"}))
    refused(
        desk.act(ticket_id, "extra-work-quotes", {"description": "PC", "amount": 1_000}), 409, "X1"
    )


def test_a_second_job_is_recorded_with_no_operator_charge(desk: Desk) -> None:
    # rule X2
    ticket_id = extra(desk)
    desk.as_concierge()
    job = {"to": "concierge_direct", "description": "Group training", "amount": 50_000}
    body = ok(desk.act(ticket_id, "second-jobs", job))
    [referral] = body["referrals"]
    assert (referral["to"], referral["concierge_id"], referral["operator_bills"]) == (
        "concierge_direct",
        desk.concierge_id,
        False,
    )


def test_a_referral_to_another_vendor_needs_its_name(desk: Desk) -> None:
    ticket_id = extra(desk)
    refused(
        desk.act(ticket_id, "second-jobs", {"to": "another_vendor", "description": "Web"}),
        422,
        "X1",
    )


def test_a_sale_by_the_concierge_is_not_billed_by_the_operator(desk: Desk) -> None:
    # rule O8
    ticket_id = desk.instructed()
    desk.as_concierge()
    body = ok(desk.act(ticket_id, "sales", {"item": "Toner", "amount": 8_800, "quantity": 2}))
    assert (body["sales"][0]["sold_by"], body["sales"][0]["operator_bills"]) == ("concierge", False)


def test_a_sale_of_zero_yen_is_invalid(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_operator()
    refused(desk.act(ticket_id, "sales", {"item": "Toner", "amount": 0}), 422, "O8")


# --- work slips and resolution (O7, L1) ---


def test_the_concierge_issues_a_work_slip(desk: Desk) -> None:
    ticket_id = desk.working()
    body = ok(
        desk.act(ticket_id, "work-slips", {"content": "Toner replaced", "completion": "completed"})
    )
    assert body["work_slips"][0]["completion"] == "completed"


def test_a_work_slip_without_a_job_is_refused(desk: Desk) -> None:
    ticket_id = desk.instructed()
    desk.as_concierge()
    refused(
        desk.act(ticket_id, "work-slips", {"content": "x", "completion": "completed"}), 409, "O7"
    )


def test_a_work_slip_states_its_completion(desk: Desk) -> None:
    ticket_id = desk.working()
    refused(desk.act(ticket_id, "work-slips", {"content": "Toner replaced"}), 422, "O7")


def test_a_minor_job_is_resolved_with_a_waiver(desk: Desk) -> None:
    ticket_id = desk.working()
    ok(desk.act(ticket_id, "work-slips", {"waived": True, "reason": "Password reset"}))
    body = ok(desk.act(ticket_id, "resolution", {"outcome": "resolved"}))
    assert body["status"] == "resolved" and body["work_slips"][0]["waived"] is True


def test_a_ticket_is_not_resolved_without_its_work_slip(desk: Desk) -> None:
    ticket_id = desk.working()
    refused(desk.act(ticket_id, "resolution", {"outcome": "resolved"}), 409, "O7")


def test_the_customer_closes_a_ticket_unresolved_and_nothing_follows(desk: Desk) -> None:
    # rule L1
    ticket = desk.open_ticket()
    desk.as_customer()
    body = ok(
        desk.act(ticket["id"], "resolution", {"outcome": "closed_unresolved", "note": "Solved it"})
    )
    assert (body["status"], body["closure_note"]) == ("closed_unresolved", "Solved it")
    refused(desk.act(ticket["id"], "instruction", {"what": "x"}), 409, "L1")


def test_closing_unresolved_needs_a_reason(desk: Desk) -> None:
    ticket_id = desk.working()
    refused(desk.act(ticket_id, "resolution", {"outcome": "closed_unresolved"}), 422, "L1")


def test_a_stale_if_match_is_a_conflict(desk: Desk) -> None:
    ticket = desk.open_ticket()
    answer = desk.client.post(
        f"/v1/tickets/{ticket['id']}/instruction", json={"what": "x"}, headers={"If-Match": '"7"'}
    )
    refused(answer, 409)


def test_a_retried_opening_with_the_same_idempotency_key_opens_one_ticket(desk: Desk) -> None:
    body = {"contract_id": desk.contract_id, "cluster": "hq", "kind": "trouble", "summary": "x",
            "channel": "voicemail"}  # fmt: skip
    headers = {"Idempotency-Key": "call-2026-12-02-001"}
    first = desk.as_customer().post("/v1/tickets", json=body, headers=headers)
    again = desk.client.post("/v1/tickets", json=body, headers=headers)
    assert ok(first)["id"] == ok(again)["id"]
    assert again.headers["idempotent-replayed"] == "true"


def test_a_customer_of_another_contract_does_not_see_the_ticket(desk: Desk) -> None:
    ticket = desk.open_ticket()
    sign_in(desk.client, "customer", "cust-other", contracts=(UNKNOWN,))
    refused(desk.client.get(f"/v1/tickets/{ticket['id']}"), 404)


def test_no_new_work_is_instructed_after_the_contract_ends(desk: Desk, clock: FixedClock) -> None:
    # rule C4: the cancellation's end date is the last day of service
    ticket = desk.open_ticket()
    desk.as_operator()
    cancel = {"requested_end_date": "2027-02-28"}
    ok(desk.client.post(f"/v1/contracts/{desk.contract_id}/cancellation", json=cancel))
    clock.set(datetime(2027, 3, 1, 10, 0, tzinfo=JST))
    desk.as_customer()
    refused(desk.act(ticket["id"], "instruction", {"what": "x"}), 409, "C4")


def test_a_ticket_reads_as_it_was_at_a_past_instant(desk: Desk, clock: FixedClock) -> None:
    # issue 6: the state of a ticket as of a past instant, for "what did we know when"
    ticket_id = desk.open_ticket()["id"]
    opened_at = clock.now().isoformat()
    clock.advance(minutes=5)
    ok(desk.act(ticket_id, "instruction", {"what": "Please fix the printer"}))
    now = desk.as_operator().get(f"/v1/tickets/{ticket_id}").json()
    then = desk.client.get(f"/v1/tickets/{ticket_id}", params={"as_of": opened_at})
    assert then.status_code == 200, then.text
    assert then.json()["version"] == 1
    assert now["version"] == 2
    assert desk.client.get(f"/v1/tickets/{ticket_id}", params={"as_of": "not a time"}).status_code == 422
