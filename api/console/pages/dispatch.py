"""The dispatch board (operator, concierge): open tickets by urgency, then age; those past
the 24-hour arrival target marked (rule O3). A concierge sees only its own tickets."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from api.console import read
from api.console.rendering import page
from api.context import Caller, Service


@get("/dispatch", sync_to_thread=True)
def board(request: Request, service: Service, principal: Caller) -> Template:
    now = service.clock.now()
    return page(
        request, "dispatch.html", rows=read.dispatch_board(service, principal, now), now=now
    )


ROUTES = [board]
