"""Audit summaries of liability claims (rules L1–L7)."""

from __future__ import annotations

from typing import Any

from projections.summaries import describes


@describes("LiabilityClaim.ClaimFiled", "L1", "L2", "L3", "L4", "L5", "L6", "L7")
def _filed(e: Any) -> str:
    return f"Liability claim filed ({e.kind}) on ticket {str(e.ticket_id)[:8]}: {e.description}"


@describes("LiabilityClaim.FindingRecorded", "L7")
def _finding(e: Any) -> str:
    note = f": {e.note}" if e.note else ""
    return f"Finding recorded: {e.finding} = {str(e.value).lower()}{note}"
