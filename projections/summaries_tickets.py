"""Audit summaries of Ticket events (rules S1–S6, X1–X3, O1–O8, L1, L2, L5)."""

from __future__ import annotations

from typing import Any

from projections.summaries import describes, yen
from projections.summaries_assignments import jst


def _with(text: str | None, joiner: str = ": ") -> str:
    return f"{joiner}{text}" if text else ""


@describes("Ticket.TicketOpened", "S1", "O2", "O3")
def _opened(e: Any) -> str:
    return (
        f"Ticket opened by {e.channel} for site cluster {e.cluster!r}: {e.kind}, "
        f"{e.urgency} urgency{' (remote only)' if e.remote_only else ''}: {e.summary}"
    )


@describes("Ticket.WorkInstructed", "O5")
def _instructed(e: Any) -> str:
    return f"Work instructed: {e.what}"


@describes("Ticket.ScopeClassified", "S6")
def _classified(e: Any) -> str:
    code = f" ({e.reason_code})" if e.reason_code else ""
    was = f", was {e.previous_scope}" if e.previous_scope else ""
    return f"Classified {e.scope}{code}{was}{_with(e.reason)}"


@describes("Ticket.RiskDisclosed", "O6")
def _risk(e: Any) -> str:
    return f"Risk {e.risk_id} disclosed ({e.level}): {e.description}"


@describes("Ticket.RiskAcknowledged", "O6", "L2")
def _go(e: Any) -> str:
    return f"Customer acknowledged risk {e.risk_id} and gave the GO"


@describes("Ticket.RiskDeclined", "O6")
def _no_go(e: Any) -> str:
    return f"Customer declined risk {e.risk_id}{_with(e.reason)}"


@describes("Ticket.WorkStarted", "O5", "O6")
def _started(e: Any) -> str:
    risks = f" (carries risks {', '.join(e.risk_ids)})" if e.risk_ids else ""
    return f"Work started: {e.work}{risks}"


@describes("Ticket.VisitLogged", "S3", "O1", "P10", "P11")
def _visit(e: Any) -> str:
    hours = "off hours, surcharged" if e.off_hours else "base hours"
    return (
        f"Visit by {e.concierge_id} from {jst(e.arrival)} to {jst(e.departure)} ({hours})"
        f"{_with(e.note)}"
    )


@describes("Ticket.VendorCallPlaced", "S4")
def _vendor(e: Any) -> str:
    return (
        f"Maintenance call placed with {e.vendor} for {e.equipment}{_with(e.reference, ', ref ')}"
    )


@describes("Ticket.BackupDispatched", "O4")
def _backup(e: Any) -> str:
    return f"Backup concierge {e.concierge_id} dispatched{_with(e.reason)}"


@describes("Ticket.ExtraWorkQuoted", "S6", "X1")
def _quoted(e: Any) -> str:
    return f"Extra work quoted ({e.quote_id}, {yen(e.amount)}): {e.description}"


@describes("Ticket.SecondJobReferred", "X1", "X2", "X3", "L5")
def _referred(e: Any) -> str:
    to = e.vendor_name or e.concierge_id or ""
    bills = "the operator bills it" if e.operator_bills else "the operator bills nothing"
    amount = f", {yen(e.amount)}" if e.amount is not None else ""
    return f"Extra work referred to {e.to}{_with(to, ' ')}{amount} ({bills}): {e.description}"


@describes("Ticket.ProductSold", "O8")
def _sold(e: Any) -> str:
    bills = "billed by the operator" if e.operator_bills else "billed by the concierge"
    return f"Sold {e.quantity} × {e.item} for {yen(e.amount)} by the {e.sold_by} ({bills})"


@describes("Ticket.WorkSlipIssued", "O7")
def _slip(e: Any) -> str:
    return f"Work slip issued ({e.completion}): {e.content}"


@describes("Ticket.WorkSlipWaived", "O7")
def _waived(e: Any) -> str:
    return f"No work slip for a minor job: {e.reason}"


@describes("Ticket.TicketResolved", "O7")
def _resolved(e: Any) -> str:
    return f"Ticket resolved{_with(e.note)}"


@describes("Ticket.TicketClosedUnresolved", "L1")
def _unresolved(e: Any) -> str:
    return f"Ticket closed unresolved: {e.reason}"


@describes("Ticket.ResponseTargetMissed", "O3")
def _missed(e: Any) -> str:
    return f"24-hour response target missed (deadline {jst(e.deadline)})"
