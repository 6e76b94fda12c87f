"""HTTP resources of billing: statements (qualified invoices, P13–P15) and the month close.

Statements come from the billing view (projections/billing.py); every line names the
events it comes from. A closed statement shows the issuer recorded by its close; an
open one (a draft) the issuer configured now (ECONCIERGE_INVOICE_*).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter

from api.context import Context, Service, provide_command_context
from api.paging import Paging
from api.view_reads import MinPosition, caught_up
from domain.aggregates.billing_period import BillingPeriods
from domain.billing_lines import Line
from domain.errors import InvalidInput
from domain.money import TaxSplit
from infra.bootstrap import EConcierge
from projections.billing_query import StatementFilter, StoredStatement, find_statements
from projections.catalog import views_of

VIEW = "billing"
#: Statement totals to search by (P15), in yen; a credit statement's total is negative.
MinTotal = Annotated[
    int | None, QueryParameter(ge=-(10**12), le=10**12, description="Total at least (yen).")
]
MaxTotal = Annotated[
    int | None, QueryParameter(ge=-(10**12), le=10**12, description="Total at most (yen).")
]
MonthText = Annotated[
    str | None, QueryParameter(pattern=r"^\d{4}-\d{2}$", description="A billed month, YYYY-MM.")
]


class Issuer(msgspec.Struct, frozen=True):
    """P14: the qualified-invoice issuer and its registration number (`T` + 13 digits)."""

    name: str
    registration_number: str


class StatementView(msgspec.Struct, kw_only=True):
    """One qualified invoice: who issues it to whom, for what, when, and its tax per rate."""

    statement_id: str  # `<contract id>:<YYYY-MM>`
    status: str  # "open" (a draft that still changes) or "closed" (never changes)
    issuer: Issuer
    recipient: str  # the customer company (P14), the counterparty (P15)
    contract_id: UUID
    month: str  # the billed month, YYYY-MM
    transaction_dates: tuple[date, date]  # the earliest and latest line dates (P14, P15)
    lines: tuple[Line, ...]
    adjustments: tuple[Line, ...]  # late facts of closed months (P14: they name `corrects`)
    corrects: tuple[str, ...]
    total: int  # tax included
    taxes: tuple[TaxSplit, ...]  # total, tax-exclusive amount and tax per rate (P13, P14)
    review_suggested: bool  # P8: recorded volume exceeds the contracted units
    over_volume_clusters: tuple[str, ...]
    notes: tuple[str, ...]
    digest: str
    closed_by: str | None  # the MonthClosed event id
    closed_at: datetime | None
    sealed_total: int | None  # what the close recorded
    sealed_digest: str | None
    seal_matches: bool | None


class StatementsPage(msgspec.Struct, kw_only=True):
    items: list[StatementView]
    next_cursor: str | None
    position: int  # the billing view's position when read
    stale: bool  # true when `min_position` was not reached within the wait


class MonthClosedView(msgspec.Struct, kw_only=True):
    month: str
    statements: int  # how many statements the close sealed
    total: int
    version: int
    position: int | None


def statement_view(stored: StoredStatement, service: EConcierge) -> StatementView:
    s, settings = stored.statement, service.settings
    issuer = Issuer(
        s.issuer_name or settings.invoice_issuer_name,
        s.registration_number or settings.invoice_registration_number,
    )
    return StatementView(
        statement_id=s.statement_id, status="closed" if s.closed_by else "open", issuer=issuer,
        recipient=s.customer_name, contract_id=UUID(s.contract_id), month=f"{s.month:%Y-%m}",
        transaction_dates=(s.date_from, s.date_to), lines=s.lines, adjustments=s.adjustments,
        corrects=s.corrects, total=s.total, taxes=s.taxes, review_suggested=s.review_suggested,
        over_volume_clusters=s.over_volume_clusters, notes=s.notes, digest=s.digest,
        closed_by=s.closed_by, closed_at=s.closed_at, sealed_total=stored.seal_total,
        sealed_digest=stored.seal_digest, seal_matches=stored.seal_matches,
    )  # fmt: skip


def _month(text: str, field: str = "month") -> date:
    try:
        if len(text) != 7:
            raise ValueError(text)
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise InvalidInput(
            f"{field} must be a month, YYYY-MM, not {text!r}", **{field: text}
        ) from None


def _cursor(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    month, _, statement_id = text.partition("|")
    if not statement_id:
        raise InvalidInput("cursor must be the `next_cursor` of a previous page", cursor=text)
    return month, statement_id


class BillingController(Controller):
    path = "/billing"
    tags = ("billing",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - read per class

    @get(
        "/statements",
        sync_to_thread=True,
        summary="Statements, searchable by date, amount and counterparty (P15)",
    )
    def statements(
        self,
        service: Service,
        page: Paging,
        contract_id: Annotated[UUID | None, QueryParameter(description="One contract.")] = None,
        month: MonthText = None,
        from_: Annotated[
            date | None, QueryParameter(name="from", description="Transactions on or after.")
        ] = None,
        to: Annotated[date | None, QueryParameter(description="Transactions on or before.")] = None,
        min_total: MinTotal = None,
        max_total: MaxTotal = None,
        counterparty: Annotated[
            str | None, QueryParameter(max_length=200, description="Part of the customer's name.")
        ] = None,
        min_position: MinPosition = None,
    ) -> StatementsPage:
        where = StatementFilter(
            contract_id=str(contract_id) if contract_id else None,
            month=_month(month) if month else None,
            start=from_, end=to, min_total=min_total, max_total=max_total,
            counterparty=counterparty,
        )  # fmt: skip
        position, fresh = caught_up(service, VIEW, min_position)
        with views_of(service).read() as tx:
            found = find_statements(tx, where, after=_cursor(page.cursor), limit=page.limit + 1)
        more = len(found) > page.limit
        found = found[: page.limit]
        last = found[-1].statement if found else None
        return StatementsPage(
            items=[statement_view(s, service) for s in found],
            next_cursor=f"{last.month.isoformat()}|{last.statement_id}" if more and last else None,
            position=position,
            stale=not fresh,
        )

    @post(
        "/periods/{month:str}/close",
        sync_to_thread=True,
        status_code=200,
        summary="Close a billing month (P14)",
    )
    def close(
        self, month: FromPath[str], service: Service, ctx: Context
    ) -> Response[MonthClosedView]:
        result = service.close_billing_month(ctx, _month(month))
        periods = service.state_at(BillingPeriods, result.id, result.version)
        view = MonthClosedView(
            month=month,
            statements=len(periods.last_sealed),
            total=sum(s.total for s in periods.last_sealed),
            version=result.version,
            position=result.position,
        )
        headers = {"ETag": f'"{result.version}"'}
        if result.replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(view, headers=headers)
