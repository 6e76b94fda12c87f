"""HTTP reads of the audit trail (issue 6): the trail, a dispute's export, and past states.

Read-your-writes: a command's response carries the log `position` it wrote; pass it as
`min_position` and the query waits (up to `READ_YOUR_WRITES_TIMEOUT` seconds) until the
audit view has processed it. If the view is still behind then, the answer is given
anyway and says so: `stale: true` in JSON bodies, `X-View-Stale: true` on exports, with
the view's position (`position` / `X-View-Position`), so a client can retry or accept it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import ResponseHeader
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Operation
from litestar.params import FromPath, QueryParameter

from api.context import Service
from api.exports import dispute_export
from api.paging import Paging
from domain.errors import InvalidInput
from infra.bootstrap import EConcierge
from projections.as_of import AggregateState, parse_as_of, render_state, state_as_of
from projections.audit_query import AuditEntry, AuditFilter, parse_instant, read_trail, whole_trail
from projections.catalog import views_of
from projections.runner import head, wait_for_position

READ_YOUR_WRITES_TIMEOUT = 5.0  # seconds a query waits for `min_position`
VIEW = "audit"

MinPosition = Annotated[
    int | None,
    QueryParameter(ge=0, description="Wait (up to 5 s) until the view has this log position."),
]
Instant = Annotated[
    str | None,
    QueryParameter(description="A date (YYYY-MM-DD, Japan time) or an ISO datetime."),
]


class AuditPage(msgspec.Struct, kw_only=True):
    """One page of the trail, in log order."""

    items: list[AuditEntry]
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last one
    position: int  # the audit view's position when read
    stale: bool  # true when `min_position` was not reached within the wait


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    HTML = "html"


@dataclass
class _ExportOperation(Operation):
    """The export answers JSON Lines or HTML: document both media types."""

    def to_schema(self) -> dict[str, Any]:
        schema = super().to_schema()
        ok = schema.get("responses", {}).get("200", {})
        ok.setdefault("content", {})["text/html"] = {"schema": {"type": "string"}}
        return schema


def _caught_up(service: EConcierge, min_position: int | None) -> tuple[int, bool]:
    """Wait for the view to reach `min_position` (a position never written is a 422)."""
    if min_position is not None and min_position > head(service):
        raise InvalidInput(
            f"min_position {min_position} is beyond the last position written ({head(service)})",
            min_position=min_position,
        )
    return wait_for_position(views_of(service), VIEW, min_position, READ_YOUR_WRITES_TIMEOUT)


def _after(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit():
        raise InvalidInput("cursor must be the `next_cursor` of a previous page", cursor=cursor)
    return int(cursor)


class AuditController(Controller):
    path = "/audit"
    tags = ("audit",)

    @get("/", sync_to_thread=True, summary="The audit trail: every event, in order, filtered")
    def trail(
        self,
        service: Service,
        page: Paging,
        contract_id: Annotated[
            UUID | None, QueryParameter(description="A contract, its tickets and assignments.")
        ] = None,
        aggregate_id: Annotated[
            UUID | None, QueryParameter(description="One aggregate (e.g. a ticket).")
        ] = None,
        actor_id: Annotated[str | None, QueryParameter(max_length=200)] = None,
        from_: Annotated[
            str | None, QueryParameter(name="from", description="From (inclusive).")
        ] = None,
        to: Annotated[
            str | None, QueryParameter(description="Until (exclusive; a date: through that day).")
        ] = None,
        min_position: MinPosition = None,
    ) -> AuditPage:
        where = AuditFilter(
            contract_id=contract_id,
            aggregate_id=aggregate_id,
            actor_id=actor_id,
            start=parse_instant(from_, field="from") if from_ else None,
            end=parse_instant(to, field="to", end=True) if to else None,
        )
        position, caught_up = _caught_up(service, min_position)
        with views_of(service).read() as tx:
            items = read_trail(tx, where, after=_after(page.cursor), limit=page.limit + 1)
        more = len(items) > page.limit
        items = items[: page.limit]
        return AuditPage(
            items=items,
            next_cursor=str(items[-1].position) if more else None,
            position=position,
            stale=not caught_up,
        )

    @get(
        "/export",
        sync_to_thread=True,
        summary="One dispute's whole trail as JSON Lines or a readable HTML document",
        media_type="application/x-ndjson",
        operation_class=_ExportOperation,
        response_headers=[
            ResponseHeader(
                name="X-View-Position",
                description="The audit view's position",
                documentation_only=True,
            ),
            ResponseHeader(
                name="X-View-Stale",
                description="true if min_position was not reached",
                documentation_only=True,
            ),
        ],
        responses={
            200: ResponseSpec(
                data_container=str,
                description="The trail",
                media_type="application/x-ndjson",
                generate_examples=False,
            )
        },
    )
    def export(
        self,
        service: Service,
        contract_id: Annotated[
            UUID | None, QueryParameter(description="Export a contract's trail.")
        ] = None,
        ticket_id: Annotated[
            UUID | None, QueryParameter(description="Export one ticket's (any aggregate's) trail.")
        ] = None,
        format_: Annotated[
            ExportFormat, QueryParameter(name="format", description="jsonl or html")
        ] = ExportFormat.JSONL,
        min_position: MinPosition = None,
    ) -> Response[bytes]:
        if (contract_id is None) == (ticket_id is None):
            raise InvalidInput("give exactly one of contract_id and ticket_id")
        where = AuditFilter(contract_id=contract_id, aggregate_id=ticket_id)
        subject = f"contract {contract_id}" if contract_id else f"ticket {ticket_id}"
        position, caught_up = _caught_up(service, min_position)
        with views_of(service).read() as tx:
            entries = list(whole_trail(tx, where))
        headers = {"X-View-Position": str(position), "X-View-Stale": str(not caught_up).lower()}
        found = dispute_export(
            service, entries, subject=subject, html=format_ is ExportFormat.HTML, position=position
        )
        disposition = "inline" if found.html else "attachment"
        headers["Content-Disposition"] = f'{disposition}; filename="{found.filename}"'
        return Response(found.body, media_type=found.media_type, headers=headers)

    @get(
        "/state/{aggregate_id:uuid}",
        sync_to_thread=True,
        summary="An aggregate's state as of a past instant",
    )
    def state(
        self,
        aggregate_id: FromPath[UUID],
        service: Service,
        as_of: Annotated[
            str, QueryParameter(description="A date (end of that day, JST) or an ISO datetime.")
        ],
    ) -> AggregateState:
        instant = parse_as_of(as_of)
        aggregate = state_as_of(service, None, aggregate_id, instant)
        return render_state(aggregate, instant)
