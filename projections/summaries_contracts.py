"""Audit summaries of Contract events (rules P1–P13, C1–C6)."""

from __future__ import annotations

from typing import Any

from projections.summaries import describes, yen


@describes("Contract.ContractApplied", "P2", "P3", "P4", "P5", "C1", "C2")
def _applied(e: Any) -> str:
    standard = (
        "negotiated, no standard fee"
        if e.standard_monthly_fee is None
        else (f"standard {yen(e.standard_monthly_fee)}")
    )
    start = f"service from {e.service_start_date}"
    if e.mid_month_start:
        start += " (mid-month start: first month billed in full)"
    return (
        f"{e.customer_name} applied: {e.plan} plan, {e.units:g} units, {e.term} term, "
        f"{e.payment} payment, {yen(e.monthly_fee)}/month ({standard}); {start}"
    )


@describes("Contract.ContractStarted", "C1", "C6")
def _started(e: Any) -> str:
    return f"Service started on {e.started_on}"


@describes("Contract.ClientCountChanged", "P8")
def _volume(e: Any) -> str:
    return (
        f"Volume of site cluster {e.cluster!r} recorded: {e.clients} clients, "
        f"{e.servers} servers (fee unchanged until renegotiated)"
    )


@describes("Contract.FeeRenegotiated", "P3", "P8")
def _fee(e: Any) -> str:
    return (
        f"Fee changed from {yen(e.previous_fee)} to {yen(e.monthly_fee)}/month "
        f"from {e.effective_from}: {e.reason}"
    )


@describes("Contract.NdaSigned", "C5")
def _nda(e: Any) -> str:
    return f"NDA signed on {e.signed_on} (reference {e.reference})"


@describes("Contract.CancellationRequested", "C3", "C4")
def _cancel(e: Any) -> str:
    return f"Cancellation requested, to end on {e.requested_end_date} (received {e.received_on})"


@describes("Contract.CancellationWithdrawn", "C4")
def _withdrawn(e: Any) -> str:
    return f"Cancellation to end on {e.requested_end_date} withdrawn"


@describes("Contract.ContractEnded", "C4")
def _ended(e: Any) -> str:
    return f"Contract ended on {e.ended_on}"
