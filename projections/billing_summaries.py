"""Audit summaries of the billing periods' events (rules P14, P15)."""

from __future__ import annotations

from typing import Any

from domain.billing_lines import label
from projections.summaries import describes, yen


@describes("BillingPeriods.BooksOpened", "P14")
def _opened(e: Any) -> str:
    return "Billing books opened (the first month close follows)"


@describes("BillingPeriods.MonthClosed", "P14", "P15")
def _closed(e: Any) -> str:
    since = f" (with every open month from {label(e.first_month)})" if e.first_month else ""
    return (
        f"Billing month {label(e.month)} closed{since}: {len(e.statements)} statements,"
        f" {yen(e.total)}, facts up to position {e.as_of_position}"
    )
