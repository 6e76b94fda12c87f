"""The statements the billing page shows, from the read side's billing view (P13–P15)."""

from __future__ import annotations

from datetime import date

from infra.bootstrap import EConcierge
from projections.billing_query import MonthStatement, month_closed, statements_for_month
from projections.catalog import views_of
from projections.runner import wait_for_position

VIEW = "billing"
READ_YOUR_WRITES = 5.0  # seconds a page waits for the view to show the user's own change


def wait_for(service: EConcierge, position: int | None) -> bool:
    """Read-your-writes: wait (a few seconds) until the billing view has `position`."""
    return wait_for_position(views_of(service), VIEW, position, READ_YOUR_WRITES)[1]


def statements(service: EConcierge, month: date) -> list[MonthStatement]:
    """Every statement of the month (its 1st): lines, adjustments, taxes, evidence."""
    with views_of(service).read() as tx:
        return statements_for_month(tx, month)


def is_closed(service: EConcierge, month: date) -> bool:
    with views_of(service).read() as tx:
        return month_closed(tx, month)
