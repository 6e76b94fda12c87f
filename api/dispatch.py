"""HTTP read of the dispatch board (O3): open tickets by urgency then age, flagged past
the 24-hour target as of the service clock's "now".

Whose board a caller reads is the policy's decision (api/policy.py, DISPATCH_BOARD): a
concierge its own, staff any one or every open ticket. The board is paged like every list
(`?limit=&cursor=`); the cursor is the last ticket's place in the board's order, so a
ticket resolved between two pages moves no other ticket to another page.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from api.context import Caller, Service
from api.paging import Paging, bad_cursor
from api.policy import DISPATCH_BOARD
from api.view_reads import MinPosition, caught_up
from projections.catalog import views_of
from projections.dispatch_query import BoardKey, BoardTicket, open_tickets

VIEW = "dispatch"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

class DispatchBoard(msgspec.Struct, kw_only=True):
    now: datetime  # the service clock's reading the flags are computed at
    concierge_id: str | None  # whose board (None: every open ticket)
    tickets: list[BoardTicket]  # one page of the board, in its order
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last one
    position: int  # the dispatch view's position when read
    stale: bool  # true when `min_position` was not reached within the wait


def board_key(ticket: BoardTicket) -> BoardKey:
    opened_us = (ticket.opened_at - _EPOCH) // timedelta(microseconds=1)
    return (-ticket.urgency.rank, opened_us, str(ticket.ticket_id))


def _encode(key: BoardKey) -> str:
    return "|".join(str(part) for part in key)


def _decode(cursor: str) -> BoardKey:
    parts = cursor.split("|")
    try:
        if len(parts) != 3 or not parts[2]:
            raise ValueError(cursor)
        return (int(parts[0]), int(parts[1]), parts[2])
    except ValueError:
        raise bad_cursor(cursor) from None


class DispatchController(Controller):
    path = "/dispatch"
    tags = ("dispatch",)

    @get(
        "/",
        sync_to_thread=True,
        summary="Open tickets by urgency, then age; past 24 h flagged (O3)",
    )
    def board(
        self,
        service: Service,
        principal: Caller,
        page: Paging,
        concierge_id: Annotated[
            str | None, QueryParameter(max_length=200, description="One concierge's board.")
        ] = None,
        min_position: MinPosition = None,
    ) -> DispatchBoard:
        whose = DISPATCH_BOARD.board(principal, concierge_id)
        after = _decode(page.cursor) if page.cursor is not None else None
        position, fresh = caught_up(service, VIEW, min_position)
        now = service.clock.now()
        with views_of(service).read() as tx:  # one more than a page: is there a next one?
            found = open_tickets(tx, now, whose, after=after, limit=page.limit + 1)
        tickets, more = found[: page.limit], len(found) > page.limit
        return DispatchBoard(
            now=now,
            concierge_id=whose,
            tickets=tickets,
            next_cursor=_encode(board_key(tickets[-1])) if more else None,
            position=position,
            stale=not fresh,
        )
