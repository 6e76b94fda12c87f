"""HTTP read of the dispatch board (O3): open tickets by urgency then age, flagged past
the 24-hour target as of the service clock's "now"."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import QueryParameter

from api.context import Caller, Service
from api.tenancy import canonical
from api.view_reads import MinPosition, caught_up
from domain.errors import NotFound
from domain.meta import Role
from projections.catalog import views_of
from projections.dispatch_query import BoardTicket, open_tickets

VIEW = "dispatch"


class DispatchBoard(msgspec.Struct, kw_only=True):
    now: datetime  # the service clock's reading the flags are computed at
    concierge_id: str | None  # whose board (None: every open ticket)
    tickets: list[BoardTicket]
    position: int  # the dispatch view's position when read
    stale: bool  # true when `min_position` was not reached within the wait


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
        concierge_id: Annotated[
            str | None, QueryParameter(max_length=200, description="One concierge's board.")
        ] = None,
        min_position: MinPosition = None,
    ) -> DispatchBoard:
        if principal.role is Role.CONCIERGE:
            # A concierge sees its own board only; another's is as unknown to it as a typo.
            mine = principal.concierge_id
            if concierge_id is not None and canonical(concierge_id) != canonical(mine):
                raise NotFound(f"no concierge with id {concierge_id}")
            concierge_id = mine
        elif concierge_id is not None:
            concierge_id = canonical(concierge_id)
        position, fresh = caught_up(service, VIEW, min_position)
        now = service.clock.now()
        with views_of(service).read() as tx:
            tickets = open_tickets(tx, now, concierge_id)
        return DispatchBoard(
            now=now, concierge_id=concierge_id, tickets=tickets, position=position, stale=not fresh
        )
