"""The dispute view (compliance, operator): find a contract or ticket, read its timeline,
its liability decisions and its state "as of" any instant, and export its trail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.console import liability, read
from api.console.exports import export
from api.console.rendering import page
from api.console.sentences import CONCIERGE_FIELDS
from api.console.states import as_of
from api.context import Service
from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket
from infra.bootstrap import EConcierge
from projections.as_of import parse_as_of
from projections.audit_query import AuditEntry, AuditFilter

Query = Annotated[str | None, QueryParameter(max_length=200)]
AsOfParam = Annotated[str | None, QueryParameter(name="as_of", max_length=40)]
Format = Annotated[str, QueryParameter(name="format", pattern="^(jsonl|html)$")]


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text.strip())
    except ValueError:
        return None


@get("/disputes", sync_to_thread=True)
def find(request: Request, service: Service, q: Query = None) -> Response:
    """Find by id (a contract or a ticket) or by the customer's name."""
    text = (q or "").strip()
    subject = _uuid(text) if text else None
    kind = read.kind_of(service, subject) if subject else None
    if subject and kind in ("Contract", "Ticket"):
        return Redirect(f"/console/disputes/{kind.lower()}s/{subject}", status_code=303)
    matches = read.contracts_named(service, text) if text and not subject else []
    return page(request, "disputes.html", q=text, matches=matches, searched=bool(text))


def _actors(service: EConcierge, entries: list[AuditEntry]) -> dict[str, str]:
    """Concierges act, and events name them, by their id: show their names instead."""
    ids = {e.actor_id for e in entries if e.actor_role == "concierge"}
    ids |= {
        str(value)
        for e in entries
        for name, value in e.payload.items()
        if name in CONCIERGE_FIELDS and value
    }
    return read.concierge_names(service, ids)


def _instant(service: EConcierge, text: str | None) -> datetime:
    return parse_as_of(text) if text else service.clock.now()


@get("/disputes/contracts/{contract_id:uuid}", sync_to_thread=True)
def contract_dispute(
    request: Request, service: Service, contract_id: FromPath[UUID], as_of_: AsOfParam = None
) -> Template:
    contract = service.get_contract(contract_id)  # unknown id: 404 page
    entries = read.timeline(service, AuditFilter(contract_id=contract_id))
    instant = _instant(service, as_of_)
    return page(
        request,
        "dispute.html",
        kind="contract",
        subject=contract_id,
        title=contract.customer_name,
        contract_id=contract_id,
        entries=entries,
        actors=_actors(service, entries),
        state=as_of(service, Contract, contract_id, instant, entries),
        claims=liability.claims(service, entries, contract_id=contract_id),
    )


@get("/disputes/tickets/{ticket_id:uuid}", sync_to_thread=True)
def ticket_dispute(
    request: Request, service: Service, ticket_id: FromPath[UUID], as_of_: AsOfParam = None
) -> Template:
    ticket = service.get_ticket(ticket_id)
    entries = read.ticket_timeline(service, ticket_id, ticket.contract_id)
    instant = _instant(service, as_of_)
    return page(
        request,
        "dispute.html",
        kind="ticket",
        subject=ticket_id,
        title=ticket.summary,
        contract_id=ticket.contract_id,
        entries=entries,
        actors=_actors(service, entries),
        state=as_of(service, Ticket, ticket_id, instant, entries),
        claims=liability.claims(service, entries, ticket_id=ticket_id),
    )


@get("/disputes/contracts/{contract_id:uuid}/export", sync_to_thread=True)
def export_contract(service: Service, contract_id: FromPath[UUID], fmt: Format) -> Response:
    service.get_contract(contract_id)
    entries = read.timeline(service, AuditFilter(contract_id=contract_id))
    return export(service, entries, subject=f"contract {contract_id}", fmt=fmt)


@get("/disputes/tickets/{ticket_id:uuid}/export", sync_to_thread=True)
def export_ticket(service: Service, ticket_id: FromPath[UUID], fmt: Format) -> Response:
    ticket = service.get_ticket(ticket_id)
    entries = read.ticket_timeline(service, ticket_id, ticket.contract_id)
    return export(service, entries, subject=f"ticket {ticket_id}", fmt=fmt)


ROUTES = [find, contract_dispute, ticket_dispute, export_contract, export_ticket]
