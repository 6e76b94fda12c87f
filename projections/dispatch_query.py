"""Reading the dispatch board: open tickets by urgency, then age, flagged past 24 hours (O3)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from domain.service_hours import is_past_response_target, response_deadline, to_japan_time
from domain.tickets_values import Urgency
from projections.dispatch import BOARD, CUSTOMERS, TICKETS
from projections.store import Tx


class BoardTicket(msgspec.Struct, frozen=True, kw_only=True):
    """One open ticket on a board, as of `now`."""

    ticket_id: UUID
    contract_id: UUID
    customer_name: str
    cluster: str
    urgency: Urgency
    summary: str
    opened_at: datetime
    age_hours: int  # whole hours since opening
    deadline: datetime  # O3: arrival targeted within 24 hours of opening
    first_arrival_at: datetime | None
    past_target: bool  # O3: arrived, or still awaited, after the target (never remote_only)
    remote_only: bool
    concierge_ids: tuple[str, ...]  # whose boards it is on


#: A ticket's place on the board: (-urgency rank, opened at in epoch µs, ticket id), so
#: ascending keys are the board's order: most urgent first, then oldest first, then by id.
BoardKey = tuple[int, int, str]


def open_tickets(
    tx: Tx,
    now: datetime,
    concierge_id: str | None = None,
    *,
    contract_id: UUID | None = None,
    after: BoardKey | None = None,
    limit: int | None = None,
) -> list[BoardTicket]:
    """Open tickets (of one concierge's board, of one contract), most urgent, then oldest first.

    `after` and `limit` read one page in the database (keyset paging on the board's
    index), so a page costs the same however many tickets are open.
    """
    join, where, params = "", "", []
    if concierge_id is not None:
        join = f" JOIN {BOARD} mine ON mine.ticket_id = t.ticket_id AND mine.concierge_id = ?"
        params.append(concierge_id)
    conditions = []
    if contract_id is not None:
        conditions.append("t.contract_id = ?")
        params.append(str(contract_id))
    if after is not None:
        rank, opened_us, ticket_id = after
        conditions.append(
            "(t.urgency_rank < ? OR (t.urgency_rank = ? AND (t.opened_us > ?"
            " OR (t.opened_us = ? AND t.ticket_id > ?))))"
        )
        params += [-rank, -rank, opened_us, opened_us, ticket_id]
    if conditions:
        where = " WHERE " + " AND ".join(conditions)
    bound = ""
    if limit is not None:
        bound = " LIMIT ?"
        params.append(limit)
    rows = tx.fetchall(
        "SELECT t.ticket_id, t.contract_id, c.customer_name, t.cluster, t.urgency, t.summary,"
        " t.opened_at, t.first_arrival_at, t.remote_only"
        f" FROM {TICKETS} t{join} LEFT JOIN {CUSTOMERS} c ON c.contract_id = t.contract_id"
        f"{where} ORDER BY t.urgency_rank DESC, t.opened_us, t.ticket_id{bound}",
        params,
    )
    holders: dict[str, list[str]] = {}
    if rows:
        marks = ", ".join("?" * len(rows))
        for concierge, ticket in tx.fetchall(
            f"SELECT concierge_id, ticket_id FROM {BOARD} WHERE ticket_id IN ({marks})"
            " ORDER BY concierge_id",
            [row[0] for row in rows],
        ):
            holders.setdefault(ticket, []).append(concierge)
    now = to_japan_time(now, rule="O3")
    answer = []
    for ticket_id, contract, name, cluster, urgency, summary, opened, arrived, remote in rows:
        opened_at = to_japan_time(datetime.fromisoformat(opened), rule="O3")
        first = datetime.fromisoformat(arrived) if arrived else None
        answer.append(
            BoardTicket(
                ticket_id=UUID(ticket_id), contract_id=UUID(contract),
                customer_name=name or "", cluster=cluster, urgency=Urgency(urgency),
                summary=summary, opened_at=opened_at,
                age_hours=max(0, int((now - opened_at).total_seconds() // 3600)),
                deadline=response_deadline(opened_at), first_arrival_at=first,
                # S3: the 24-hour target does not apply on the remote_only plan.
                past_target=not remote and is_past_response_target(opened_at, first, now),
                remote_only=bool(remote), concierge_ids=tuple(holders.get(ticket_id, ())),
            )
        )  # fmt: skip
    return answer
