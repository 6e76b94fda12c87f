"""Audit summaries of data subjects' erasures (issue 9: personal data, Japan's APPI)."""

from __future__ import annotations

from typing import Any

from projections.summaries import describes


@describes("DataSubject.SubjectRecorded")
def _recorded(e: Any) -> str:
    return f"Erasure record opened for {e.subject}"


@describes("DataSubject.PersonalDataErased")
def _erased(e: Any) -> str:
    keys = len(e.key_ids)
    return (
        f"Personal data of {e.subject} erased ({keys} key{'s' * (keys != 1)} destroyed): {e.reason}"
    )
