"""Export of one dispute's trail: JSON Lines that round-trip, and a document for people."""

from __future__ import annotations

from datetime import date

import msgspec
from litestar.testing import TestClient

from infra.bootstrap import EConcierge
from projections.audit_export import from_jsonl
from projections.audit_query import AuditEntry
from tests.projections.steps import apply_contract, ctx, note_on, project


def _dispute(service: EConcierge) -> tuple[str, str]:
    contract = apply_contract(service, "Sakura <Trading> & Co")  # escaped in HTML
    note = note_on(service, contract.id)
    service.request_cancellation(ctx(), contract.id, date(2027, 2, 28), None)
    apply_contract(service, "Someone Else")  # not part of this dispute
    project(service)
    return str(contract.id), str(note.id)


def test_the_jsonl_export_parses_back_into_the_listed_trail(
    client: TestClient, service: EConcierge
) -> None:
    contract_id, _ = _dispute(service)

    exported = client.get(
        "/v1/audit/export", params={"contract_id": contract_id, "format": "jsonl"}
    )
    listed = client.get("/v1/audit", params={"contract_id": contract_id})

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/x-ndjson")
    assert exported.headers["x-view-stale"] == "false"
    entries = from_jsonl(exported.content)
    assert len(entries) == 4 == len(exported.content.splitlines())
    assert entries == [msgspec.convert(item, AuditEntry) for item in listed.json()["items"]]


def test_a_ticket_export_holds_only_that_aggregate(client: TestClient, service: EConcierge) -> None:
    _, note_id = _dispute(service)

    exported = client.get("/v1/audit/export", params={"ticket_id": note_id})

    assert [(str(e.aggregate_id), e.version) for e in from_jsonl(exported.content)] == [
        (note_id, 1),
        (note_id, 2),
    ]


def test_the_html_export_is_a_readable_document_for_a_reviewer(
    client: TestClient, service: EConcierge
) -> None:
    contract_id, _ = _dispute(service)

    answer = client.get("/v1/audit/export", params={"contract_id": contract_id, "format": "html"})

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    html = answer.text
    assert f"Audit trail: contract {contract_id}" in html
    assert "Sakura &lt;Trading&gt; &amp; Co" in html and "<Trading>" not in html
    assert "2026-11-18 10:00:00 JST" in html
    assert "cc-suzuki" in html and "op-tanaka" in html  # the parties
    assert html.count("<tr id=") == 4
    assert "Cancellation requested, to end on 2027-02-28" in html
    assert "C3, C4" in html


def test_an_export_names_exactly_one_subject(client: TestClient, service: EConcierge) -> None:
    contract_id, note_id = _dispute(service)

    assert client.get("/v1/audit/export").status_code == 422
    both = {"contract_id": contract_id, "ticket_id": note_id}
    assert client.get("/v1/audit/export", params=both).status_code == 422
