"""The lines of a monthly statement, and the small date arithmetic billing needs."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from enum import StrEnum

import msgspec

from domain.service_hours import JST


class LineCode(StrEnum):
    """What a line bills. There is no expense code: travel and phone are included (P7)."""

    MONTHLY_FEE = "monthly_fee"  # P1–P6; the two-tier base fee (P10)
    ANNUAL_PAYMENT = "annual_payment"  # C2: 12 monthly fees at once, no discount
    MONTHLY_REPORT = "monthly_report"  # P12
    TEAM_SURCHARGE = "team_surcharge"  # P11, K3
    SPOT_VISIT = "spot_visit"  # P10
    OFF_HOURS_SURCHARGE = "off_hours_surcharge"  # P11, O1
    EXTRA_WORK = "extra_work"  # X1, X2: only work the operator itself takes
    PRODUCT = "product"  # O8: only what the operator sold


class Line(msgspec.Struct, frozen=True, kw_only=True):
    """One line: an amount (tax included), its transaction dates, and its source events."""

    key: str  # stable within a month: "monthly_fee", "visit:<event id>", ...
    code: LineCode
    description: str
    amount: int
    quantity: int = 1  # P14: how many were supplied (12 months paid at once, units sold)
    date_from: date  # P14: the transaction dates (a visit's day, or the billed period)
    date_to: date
    rate_pct: int  # P14: the consumption tax rate of the line
    evidence: tuple[str, ...]  # event ids `<aggregate id>:<version>` the line comes from
    for_month: date | None = None  # an adjustment: the (closed) month it corrects
    corrects: str | None = None  # an adjustment: the statement it corrects (P14)


def month_of(day: date) -> date:
    """The 1st of the month of `day`."""
    return day.replace(day=1)


def month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, later: date) -> int:
    """Whole months from the month of `first` to the month of `later`."""
    return (later.year - first.year) * 12 + later.month - first.month


def months(first: date, last: date) -> list[date]:
    """Every month from `first` to `last`, both included (1st days)."""
    return [add_months(first, n) for n in range(months_between(first, last) + 1)]


_JAPAN_OFFSET = timedelta(hours=9)  # Japan keeps no daylight saving time


def japan_day(moment: datetime) -> date:
    """The Japan-time calendar day of an instant."""
    if moment.utcoffset() == _JAPAN_OFFSET:  # already Japan time (every stored fact is):
        return moment.date()  # no zone conversion, which was most of a statement's time
    return moment.astimezone(JST).date()


def label(month: date) -> str:
    return f"{month:%Y-%m}"


def statement_id(contract_id: str, month: date) -> str:
    """A statement is one contract's one month: `<contract id>:<YYYY-MM>`."""
    return f"{contract_id}:{label(month)}"
