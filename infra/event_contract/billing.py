"""Public payloads of BillingPeriods events: a billing month was closed (rules P14, P15)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from domain.aggregates.billing_period import BillingPeriods
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry

billing_events = Registry("billing_periods", BillingPeriods)


class BillingEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["billing_periods"] = "billing_periods"


class BooksOpenedData(msgspec.Struct, frozen=True, kw_only=True):
    pass


@billing_events.publishes(BillingPeriods.BooksOpened)
class BooksOpened(BillingEvent, frozen=True, kw_only=True):
    """The billing books were opened (with their first close)."""

    event_type: Literal["BooksOpened"] = "BooksOpened"
    schema_version: Literal[1] = 1
    data: BooksOpenedData

    @staticmethod
    def payload(e: BillingPeriods.BooksOpened) -> BooksOpenedData:
        return BooksOpenedData()


class ClosedStatement(msgspec.Struct, frozen=True, kw_only=True):
    """One statement the close fixed: its total (yen, tax included) and its lines' digest."""

    statement_id: str
    contract_id: str
    month: date
    total: int
    digest: str


class MonthClosedData(msgspec.Struct, frozen=True, kw_only=True):
    month: date  # the 1st of the month closed; earlier open months close with it
    first_month: date | None
    as_of_position: int  # the statements hold the facts up to this log position
    statements: tuple[ClosedStatement, ...]
    total: int
    registration_number: str  # P14: the issuer's qualified-invoice number


@billing_events.publishes(BillingPeriods.MonthClosed)
class MonthClosed(BillingEvent, frozen=True, kw_only=True):
    """Billing closed a month: its statements never change again (P14)."""

    event_type: Literal["MonthClosed"] = "MonthClosed"
    schema_version: Literal[1] = 1
    data: MonthClosedData

    @staticmethod
    def payload(e: BillingPeriods.MonthClosed) -> MonthClosedData:
        return MonthClosedData(
            month=e.month,
            first_month=e.first_month,
            as_of_position=e.as_of_position,
            statements=tuple(
                ClosedStatement(
                    statement_id=s.statement_id,
                    contract_id=s.contract_id,
                    month=s.month,
                    total=s.total,
                    digest=s.digest,
                )
                for s in e.statements
            ),
            total=e.total,
            registration_number=e.registration_number,
        )
