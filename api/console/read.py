"""What the console reads: the read side's views, and aggregates for one object's state.

The dispatch board is the dispatch view's. The read side has no contracts view yet, so
the contract list comes from the audit view's ownership table (every aggregate with its
kind and contract) and each row's state from its aggregate: a scan, fine for an
operator's screen of a few hundred contracts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import msgspec

from api.identity import Principal
from api.policy import DISPATCH_BOARD
from domain.aggregates.concierge_assignment import ConciergeAssignment
from domain.aggregates.contract import Contract
from domain.errors import NotFound
from infra.bootstrap import EConcierge
from projections import dispatch_query
from projections.audit import OWNERS, TRAIL
from projections.audit_query import AuditEntry, AuditFilter, whole_trail
from projections.catalog import views_of
from projections.dispatch_query import BoardTicket


def aggregate_ids(service: EConcierge, kind: str, contract_id: UUID | None = None) -> list[UUID]:
    """Ids of every aggregate of `kind` (of one contract), as the audit view knows them."""
    sql = f"SELECT aggregate_id FROM {OWNERS.table} WHERE kind = ?"
    params: list[object] = [kind]
    if contract_id is not None:
        sql += " AND contract_id = ?"
        params.append(str(contract_id))
    with views_of(service).read() as tx:
        rows = tx.fetchall(sql + " ORDER BY aggregate_id", params)
    return [UUID(row[0]) for row in rows]


def kind_of(service: EConcierge, aggregate_id: UUID) -> str | None:
    """`Contract`, `Ticket`, ... for an id the audit view has seen, else None."""
    with views_of(service).read() as tx:
        row = tx.fetchone(
            f"SELECT kind FROM {OWNERS.table} WHERE aggregate_id = ?", [str(aggregate_id)]
        )
    return str(row[0]) if row else None


class Match(msgspec.Struct, frozen=True):
    """A contract found by its customer's name."""

    contract_id: UUID
    customer_name: str


def contracts_named(service: EConcierge, text: str, limit: int = 50) -> list[Match]:
    """Contracts whose customer name contains `text` (case-insensitive), from the trail."""
    needle = text.casefold()
    with views_of(service).read() as tx:
        rows = tx.fetchall(
            f"SELECT aggregate_id, payload FROM {TRAIL} WHERE event_type = ? ORDER BY position",
            ["ContractApplied"],
        )
    found = []
    for aggregate_id, payload in rows:
        name = str(msgspec.json.decode(payload).get("customer_name", ""))
        if needle in name.casefold():
            found.append(Match(UUID(aggregate_id), name))
    return found[:limit]


def timeline(service: EConcierge, where: AuditFilter) -> list[AuditEntry]:
    """Every event of a dispute's subject, in the order recorded."""
    with views_of(service).read() as tx:
        return list(whole_trail(tx, where))


def ticket_timeline(service: EConcierge, ticket_id: UUID, contract_id: UUID) -> list[AuditEntry]:
    """A ticket's events and those of the liability claims filed on it, in order (L1–L7)."""
    entries = timeline(service, AuditFilter(contract_id=contract_id))
    claims = {
        e.aggregate_id
        for e in entries
        if e.event_type == "ClaimFiled" and e.payload.get("ticket_id") == str(ticket_id)
    }
    return [e for e in entries if e.aggregate_id == ticket_id or e.aggregate_id in claims]


def contracts(service: EConcierge) -> list[Contract]:
    """Every contract, by customer name."""
    found = [service.get_contract(i) for i in aggregate_ids(service, "Contract")]
    return sorted(found, key=lambda c: (c.customer_name, str(c.id)))


def assignments(service: EConcierge, contract_id: UUID) -> dict[str, ConciergeAssignment]:
    """Each site cluster's assignment (K2), by cluster."""
    return {a.cluster: a for a in service.assignments_of(contract_id)}


def concierge_names(service: EConcierge, ids: Iterable[object]) -> dict[str, str]:
    """Display names of concierges (an unknown id shows as itself)."""
    names: dict[str, str] = {}
    for concierge_id in ids:
        try:
            names[str(concierge_id)] = service.get_concierge(UUID(str(concierge_id))).name
        except (ValueError, NotFound):
            names[str(concierge_id)] = str(concierge_id)
    return names


def dispatch_board(service: EConcierge, principal: Principal, now: datetime) -> list[BoardTicket]:
    """Open tickets by urgency, then age (O3); a concierge's own board for a concierge."""
    whose = DISPATCH_BOARD.board(principal, None)  # the API's rule (api/policy.py)
    with views_of(service).read() as tx:
        return dispatch_query.open_tickets(tx, now, concierge_id=whose)


def open_tickets_of(service: EConcierge, contract_id: UUID, now: datetime) -> list[BoardTicket]:
    """One contract's open tickets, as the dispatch board orders them."""
    with views_of(service).read() as tx:
        return dispatch_query.open_tickets(tx, now, contract_id=contract_id)
