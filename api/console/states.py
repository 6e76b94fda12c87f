"""A contract's or ticket's state at an instant, as the dispute view's "as of" panel shows it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket
from domain.errors import NotFound
from infra.bootstrap import EConcierge
from projections.as_of import state_as_of
from projections.audit_query import AuditEntry


@dataclass(frozen=True)
class Field:
    """One labelled value; `kind` says how the page writes it (text, yen, date, enum)."""

    label: str  # message key
    value: Any
    kind: str = "text"


@dataclass(frozen=True)
class AsOf:
    """The state in force at `instant` (None before the subject existed)."""

    instant: datetime
    fields: list[Field] = field(default_factory=list)
    version: int | None = None
    event: AuditEntry | None = None  # the last event recorded at or before `instant`


def _contract_fields(c: Contract) -> list[Field]:
    cancellation = c.cancellation.requested_end_date if c.cancellation else None
    clients = sum(v.clients for v in c.volumes.values())
    return [
        Field("contract.status", str(c.status), "enum"),
        Field("contract.customer", c.customer_name),
        Field("contract.monthly_fee", c.monthly_fee, "yen"),
        Field("contract.units", f"{c.units:g}"),
        Field("contract.clients", clients),
        Field("contract.plan", str(c.plan), "enum"),
        Field("contract.term", str(c.term), "enum"),
        Field("contract.start", c.service_start_date, "date"),
        Field("contract.cancellation", cancellation, "date"),
        Field("contract.nda", c.nda.signed_on if c.nda else None, "date"),
    ]


def _ticket_fields(t: Ticket) -> list[Field]:
    scope = str(t.classification.scope) if t.classification else None
    risks = [(r.risk_id, str(r.status)) for r in t.risks.values()] or None
    return [
        Field("ticket.status", str(t.status), "enum"),
        Field("ticket.summary", t.summary),
        Field("ticket.urgency", str(t.urgency), "enum"),
        Field("ticket.scope", scope, "enum"),
        Field("ticket.instructions", len(t.instructions)),
        Field("ticket.risks", risks, "risks"),
        Field("ticket.jobs", len(t.jobs)),
        Field("ticket.visits", len(t.visits)),
        Field("ticket.work_slips", len(t.work_slips)),
    ]


def as_of(
    service: EConcierge,
    kind: type[Contract | Ticket],
    subject: UUID,
    instant: datetime,
    entries: Sequence[AuditEntry],
) -> AsOf:
    """The subject's state at `instant`, and the trail entry that put it there."""
    try:
        state = state_as_of(service, kind, subject, instant)
    except NotFound:
        return AsOf(instant)  # it did not exist yet
    fields = _contract_fields(state) if isinstance(state, Contract) else _ticket_fields(state)
    event = next(
        (e for e in entries if e.aggregate_id == subject and e.version == state.version), None
    )
    return AsOf(instant, fields, state.version, event)
