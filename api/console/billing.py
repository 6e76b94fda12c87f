"""The statements the billing page shows, from the read side's billing view (P13–P15),
and the evidence events of their lines, from the audit trail (where the page links them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec

from api.console.sentences import EvidenceEvent
from infra.bootstrap import EConcierge
from projections.audit import TRAIL
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


def evidence(service: EConcierge, statements: Sequence[MonthStatement]) -> dict[str, EvidenceEvent]:
    """The audit trail's row of every event the statements' lines rest on, by event id.

    Every such event belongs to the statement's contract (its own events, its tickets' and
    its assignments'), so each statement reads only rows of its contract. An event the
    audit view has not caught up with yet is simply not there.
    """
    found: dict[str, EvidenceEvent] = {}
    with views_of(service).read() as tx:
        for statement in statements:
            ids = sorted(
                {e for line in (*statement.lines, *statement.adjustments) for e in line.evidence}
            )
            if not ids:
                continue
            rows = tx.fetchall(
                f"SELECT event_id, position, event_type, payload FROM {TRAIL}"
                f" WHERE contract_id = ? AND event_id IN ({', '.join('?' * len(ids))})",
                [statement.contract_id, *ids],
            )
            for event_id, position, event_type, payload in rows:
                found[event_id] = EvidenceEvent(
                    event_id, int(position), event_type, msgspec.json.decode(payload)
                )
    return found
