"""HTTP resources of contracts: thin handlers that translate requests into commands."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, FromQuery, JSONBody

from api.context import Context, Service, provide_command_context
from api.limits import Count, Name, Ref, Text, Yen, check_dates
from api.responses import command_response, state_after
from domain.aggregates.contract import Contract, ContractStatus, Payment
from domain.pricing import MAX_SITES, Plan, Quote, QuoteInputs, Site
from domain.terms import Term
from infra.application import CommandResult
from infra.bootstrap import EConcierge
from infra.clock import JST
from infra.services.contracts import ContractApplication
from projections.as_of import parse_as_of, state_as_of


class Body(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Inbound bodies refuse unknown fields (a typo must not pass silently)."""

    def __post_init__(self) -> None:
        check_dates(self)  # api/limits.py: dates far outside the business range are a 422


class SiteBody(Body):
    prefecture: Ref
    city: Ref
    cluster: Ref
    clients: Count
    servers: Count = 0


class QuoteBody(Body):
    """Quote inputs over HTTP: a misspelt site field (e.g. `server`) is refused, not ignored."""

    sites: Annotated[tuple[SiteBody, ...], msgspec.Meta(max_length=MAX_SITES)]
    plan: Plan = Plan.standard
    extended_hours: bool = False
    team_response: bool = False
    monthly_report: bool = False

    def inputs(self) -> QuoteInputs:
        return msgspec.convert(msgspec.to_builtins(self), QuoteInputs)


class ContractApplicationBody(Body):
    customer_name: Name = msgspec.field()
    quote: QuoteBody
    term: Term = Term.MONTHLY
    payment: Payment = Payment.MONTHLY
    agreed_fee: Yen | None = None
    fee_reason: Text | None = None
    received_on: date | None = None
    requested_start: date | None = None
    insists_mid_month: bool = False


class ClientCountBody(Body):
    cluster: Ref
    clients: Count
    servers: Count = 0


class FeeBody(Body):
    monthly_fee: Yen
    reason: Text
    effective_from: date | None = None


class NdaBody(Body):
    reference: Ref
    signed_on: date | None = None


class CancellationBody(Body):
    requested_end_date: date
    received_on: date | None = None


class ClusterVolumeView(msgspec.Struct):
    cluster: str
    clients: int
    servers: int


class ContractView(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    status: ContractStatus
    customer_name: str
    plan: Plan
    term: Term
    payment: Payment
    sites: tuple[Site, ...]
    units: float
    standard_monthly_fee: int | None
    monthly_fee: int
    fee_reason: str | None
    spot_fee: int | None
    received_on: date
    service_start_date: date
    mid_month_start: bool
    started_on: date | None
    volumes: list[ClusterVolumeView]
    nda_signed_on: date | None
    nda_reference: str | None
    cancellation_requested_end_date: date | None
    earliest_end_date: date | None
    ended_on: date | None
    position: int | None = None  # the log position this command wrote (read-your-writes)


def contract_view(contract: Contract, today: date, position: int | None = None) -> ContractView:
    return ContractView(
        id=contract.id,
        version=contract.version,
        status=contract.status,
        customer_name=contract.customer_name,
        plan=contract.plan,
        term=contract.term,
        payment=contract.payment,
        sites=contract.sites,
        units=contract.units,
        standard_monthly_fee=contract.standard_monthly_fee,
        monthly_fee=contract.monthly_fee,
        fee_reason=contract.fee_reason,
        spot_fee=contract.tariff.spot_fee if contract.plan is Plan.two_tier else None,
        received_on=contract.received_on,
        service_start_date=contract.service_start_date,
        mid_month_start=contract.mid_month_start,
        started_on=contract.started_on,
        volumes=[ClusterVolumeView(k, v.clients, v.servers) for k, v in contract.volumes.items()],
        nda_signed_on=contract.nda.signed_on if contract.nda else None,
        nda_reference=contract.nda.reference if contract.nda else None,
        cancellation_requested_end_date=(
            contract.cancellation.requested_end_date if contract.cancellation else None
        ),
        earliest_end_date=contract.earliest_end_date(today),
        ended_on=contract.ended_on,
        position=position,
    )


def _answer(service: EConcierge, result: CommandResult, status: int = 200) -> Response[ContractView]:
    contract = state_after(service, Contract, result)
    view = contract_view(contract, service.clock.today(), result.position)
    return command_response(view, result, status, f"/v1/contracts/{result.id}")


class QuoteController(Controller):
    path = "/quotes"
    tags = ("contracts",)

    @post("/", status_code=200, summary="Standard quote for the inputs (no state change)")
    async def quote(self, data: JSONBody[QuoteBody], service: Service) -> Quote:
        return service.quote(data.inputs())


class ContractController(Controller):
    path = "/contracts"
    tags = ("contracts",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - litestar reads it per class

    @post("/", sync_to_thread=True, summary="Apply for a contract (C1, P3–P6)")
    def apply(
        self, data: JSONBody[ContractApplicationBody], service: Service, ctx: Context
    ) -> Response[ContractView]:
        application = msgspec.convert(msgspec.to_builtins(data), ContractApplication)
        return _answer(service, service.apply_for_contract(ctx, application), status=201)

    @get(
        "/{contract_id:uuid}",
        sync_to_thread=True,
        summary="A contract's current state, or its state as of a past instant (?as_of=)",
    )
    def read(
        self, contract_id: FromPath[UUID], service: Service, as_of: FromQuery[str | None] = None
    ) -> Response[ContractView]:
        if as_of is None:
            contract = service.get_contract(contract_id)
            today = service.clock.today()
        else:
            instant = parse_as_of(as_of)
            contract = state_as_of(service, Contract, contract_id, instant)
            today = instant.astimezone(JST).date()
        view = contract_view(contract, today)
        return Response(view, headers={"ETag": f'"{contract.version}"'})

    @post("/{contract_id:uuid}/start", sync_to_thread=True, status_code=200, summary="Start service (C6)")
    def start(self, contract_id: FromPath[UUID], service: Service, ctx: Context) -> Response[ContractView]:
        return _answer(service, service.start_contract(ctx, contract_id))

    @post("/{contract_id:uuid}/client-count", sync_to_thread=True, status_code=200, summary="Record volume (P8)")
    def client_count(
        self, contract_id: FromPath[UUID], data: JSONBody[ClientCountBody], service: Service, ctx: Context
    ) -> Response[ContractView]:
        result = service.record_client_count(ctx, contract_id, data.cluster, data.clients, data.servers)
        return _answer(service, result)

    @post("/{contract_id:uuid}/fee", sync_to_thread=True, status_code=200, summary="Renegotiate the fee (P3, P8)")
    def fee(
        self, contract_id: FromPath[UUID], data: JSONBody[FeeBody], service: Service, ctx: Context
    ) -> Response[ContractView]:
        result = service.renegotiate_fee(ctx, contract_id, data.monthly_fee, data.reason, data.effective_from)
        return _answer(service, result)

    @post("/{contract_id:uuid}/nda", sync_to_thread=True, status_code=200, summary="Record a signed NDA (C5)")
    def nda(
        self, contract_id: FromPath[UUID], data: JSONBody[NdaBody], service: Service, ctx: Context
    ) -> Response[ContractView]:
        return _answer(service, service.sign_nda(ctx, contract_id, data.signed_on, data.reference))

    @post("/{contract_id:uuid}/cancellation", sync_to_thread=True, status_code=200, summary="Request cancellation (C3, C4)")
    def cancel(
        self, contract_id: FromPath[UUID], data: JSONBody[CancellationBody], service: Service, ctx: Context
    ) -> Response[ContractView]:
        result = service.request_cancellation(ctx, contract_id, data.requested_end_date, data.received_on)
        return _answer(service, result)

    @delete("/{contract_id:uuid}/cancellation", sync_to_thread=True, status_code=200, summary="Withdraw a cancellation")
    def withdraw(self, contract_id: FromPath[UUID], service: Service, ctx: Context) -> Response[ContractView]:
        return _answer(service, service.withdraw_cancellation(ctx, contract_id))

    @post("/{contract_id:uuid}/end", sync_to_thread=True, status_code=200, summary="Close after the cancellation's end date")
    def end(self, contract_id: FromPath[UUID], service: Service, ctx: Context) -> Response[ContractView]:
        return _answer(service, service.end_contract(ctx, contract_id))
