"""HTTP resources of tickets: thin handlers that translate requests into commands."""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody

from api.context import Context, Service, provide_command_context
from api.responses import command_response, state_after
from api.ticket_views import (
    BackupBody,
    ClassificationBody,
    DeclineBody,
    InstructionBody,
    OpenTicketBody,
    QuoteBody,
    ResolutionBody,
    RiskBody,
    SaleBody,
    SecondJobBody,
    TicketView,
    VendorCallBody,
    VisitBody,
    WorkSlipBody,
    WorkStartedBody,
    ticket_view,
)
from domain.aggregates.ticket import Ticket
from infra.application import CommandResult
from infra.bootstrap import EConcierge
from infra.services.tickets import TicketRequest
from projections.as_of import parse_as_of, state_as_of

TicketId = FromPath[UUID]


def _answer(service: EConcierge, result: CommandResult, status: int = 200) -> Response[TicketView]:
    ticket = state_after(service, Ticket, result)
    return command_response(ticket_view(ticket, result.position), result, status, f"/v1/tickets/{result.id}")


def _action(path: str, summary: str):  # type: ignore[no-untyped-def]
    """A POST on one ticket that answers 200 with the ticket's new state."""
    return post(
        f"/{{ticket_id:uuid}}/{path}", sync_to_thread=True, status_code=200, summary=summary
    )


class TicketController(Controller):
    path = "/tickets"
    tags = ("tickets",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - litestar reads it per class

    @post(
        "/", sync_to_thread=True, summary="Open a ticket (S1, O2; the contract must be in service)"
    )
    def open(
        self, data: JSONBody[OpenTicketBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        request = msgspec.convert(msgspec.to_builtins(data), TicketRequest)
        return _answer(service, service.open_ticket(ctx, request), status=201)

    @get(
        "/{ticket_id:uuid}",
        sync_to_thread=True,
        summary="A ticket's current state, or its state as of a past instant (?as_of=)",
    )
    def read(
        self, ticket_id: TicketId, service: Service, as_of: FromQuery[str | None] = None
    ) -> Response[TicketView]:
        if as_of is None:
            ticket = service.get_ticket(ticket_id)
        else:
            ticket = state_as_of(service, Ticket, ticket_id, parse_as_of(as_of))
        return Response(ticket_view(ticket), headers={"ETag": f'"{ticket.version}"'})

    @_action("instruction", "The customer instructs the work (O5)")
    def instruct(
        self, ticket_id: TicketId, data: JSONBody[InstructionBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(service, service.instruct_work(ctx, ticket_id, data.what))

    @_action("classification", "Classify as daily, extra or out of scope (S6)")
    def classify(
        self,
        ticket_id: TicketId,
        data: JSONBody[ClassificationBody],
        service: Service,
        ctx: Context,
    ) -> Response[TicketView]:
        result = service.classify_ticket(ctx, ticket_id, data.scope, data.reason_code, data.reason)
        return _answer(service, result)

    @_action("risks", "The concierge discloses a risk (O6)")
    def disclose_risk(
        self, ticket_id: TicketId, data: JSONBody[RiskBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(service, service.disclose_risk(ctx, ticket_id, data.description, data.level))

    @_action("risks/{risk_id:str}/acknowledge", "The customer gives the GO (O6)")
    def acknowledge_risk(
        self, ticket_id: TicketId, risk_id: FromPath[str], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(service, service.acknowledge_risk(ctx, ticket_id, risk_id))

    @_action("risks/{risk_id:str}/decline", "The customer declines; that work stops (O6)")
    def decline_risk(
        self,
        ticket_id: TicketId,
        risk_id: FromPath[str],
        service: Service,
        ctx: Context,
        data: JSONBody[DeclineBody | None] = None,
    ) -> Response[TicketView]:
        reason = data.reason if data else None
        return _answer(service, service.decline_risk(ctx, ticket_id, risk_id, reason))

    @_action("work-started", "Start work: instructed (O5), in scope (S6), risks answered (O6)")
    def start_work(
        self, ticket_id: TicketId, data: JSONBody[WorkStartedBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        risk_ids = None if data.risk_ids is None else tuple(data.risk_ids)
        return _answer(service, service.start_work(ctx, ticket_id, data.work, risk_ids))

    @_action("visits", "Log a visit; off-hours per O1 (K2, O4)")
    def log_visit(
        self, ticket_id: TicketId, data: JSONBody[VisitBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        result = service.log_visit(
            ctx, ticket_id, data.arrival, data.departure, data.concierge_id, data.note
        )
        return _answer(service, result)

    @_action("vendor-calls", "Call the equipment's vendor for the customer (S4)")
    def vendor_call(
        self, ticket_id: TicketId, data: JSONBody[VendorCallBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        result = service.place_vendor_call(
            ctx, ticket_id, data.vendor, data.equipment, data.reference
        )
        return _answer(service, result)

    @_action("backup-dispatch", "The operator dispatches a backup concierge (O4)")
    def dispatch_backup(
        self, ticket_id: TicketId, data: JSONBody[BackupBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(
            service, service.dispatch_backup(ctx, ticket_id, data.concierge_id, data.reason)
        )

    @_action("extra-work-quotes", "Quote extra-charge work (X1)")
    def quote_extra_work(
        self, ticket_id: TicketId, data: JSONBody[QuoteBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(
            service, service.quote_extra_work(ctx, ticket_id, data.description, data.amount)
        )

    @_action("second-jobs", "Refer extra work: operator, another vendor, or a Second job (X1, X2)")
    def refer_extra_work(
        self, ticket_id: TicketId, data: JSONBody[SecondJobBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        result = service.refer_extra_work(
            ctx,
            ticket_id,
            data.to,
            data.description,
            vendor_name=data.vendor_name,
            concierge_id=str(data.concierge_id) if data.concierge_id else None,
            amount=data.amount,
        )
        return _answer(service, result)

    @_action("sales", "Record a product sale (O8)")
    def record_sale(
        self, ticket_id: TicketId, data: JSONBody[SaleBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        result = service.record_sale(
            ctx, ticket_id, data.item, data.amount, data.quantity, data.sold_by
        )
        return _answer(service, result)

    @_action("work-slips", "Issue the work slip, or waive it for a minor job (O7)")
    def work_slip(
        self, ticket_id: TicketId, data: JSONBody[WorkSlipBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        result = service.record_work_slip(
            ctx,
            ticket_id,
            waived=data.waived,
            content=data.content,
            completion=data.completion,
            reason=data.reason,
        )
        return _answer(service, result)

    @_action("resolution", "Resolve (O7) or close unresolved (L1)")
    def resolution(
        self, ticket_id: TicketId, data: JSONBody[ResolutionBody], service: Service, ctx: Context
    ) -> Response[TicketView]:
        return _answer(service, service.record_outcome(ctx, ticket_id, data.outcome, data.note))


ROUTES: list[object] = [TicketController]
