"""The audit trail's one-line summaries and rule ids, one registry entry per event type.

Register a summary with `@describes("Kind.EventType", "RULE", ...)` on a function of the
event. Event types without an entry get a generic line built from the type's name and
its simple fields, and no rules. Summary modules per aggregate register themselves on
import; `describe` imports them all once.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Any, NamedTuple
from uuid import UUID

from projections.view import Envelope

log = logging.getLogger(__name__)

Summarise = Callable[[Any], str]


class Description(NamedTuple):
    summarise: Summarise
    rules: tuple[str, ...]


REGISTRY: dict[str, Description] = {}


def describes(qualname: str, *rules: str) -> Callable[[Summarise], Summarise]:
    """Register the summary of one event type (`Contract.ContractApplied`) and its rules."""

    def register(summarise: Summarise) -> Summarise:
        REGISTRY[qualname] = Description(summarise, tuple(rules))
        return summarise

    return register


def yen(amount: int | None) -> str:
    return "no amount" if amount is None else f"{amount:,} yen"


def humanise(event_type: str) -> str:
    """`ContractApplied` -> `Contract applied`."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", event_type) or [event_type]
    return " ".join([words[0], *(w.lower() if not w.isupper() else w for w in words[1:])])


_SIMPLE = (str, int, float, bool, date, datetime, UUID, Enum)


def generic_summary(envelope: Envelope) -> str:
    """A readable line for an event nobody described yet: its name and simple fields."""
    parts = []
    for name, value in envelope.fields().items():
        if isinstance(value, _SIMPLE) and len(parts) < 4:
            text = str(value.value if isinstance(value, Enum) else value)
            parts.append(f"{name.replace('_', ' ')} {text[:60]}")
    details = f": {', '.join(parts)}" if parts else ""
    return f"{envelope.kind}: {humanise(envelope.event_type)}{details}"


def describe(envelope: Envelope) -> tuple[str, tuple[str, ...]]:
    """The event's summary line and the rule ids it relates to."""
    _load_all()
    description = REGISTRY.get(envelope.qualname)
    if description is None:
        return generic_summary(envelope), ()
    try:
        return description.summarise(envelope.event), description.rules
    except Exception:  # a summary bug must not stop the audit trail: fall back, loudly
        log.exception("summary of %s failed; using the generic one", envelope.qualname)
        return generic_summary(envelope), description.rules


#: Modules whose `@describes` entries fill the registry (one per aggregate kind).
SUMMARY_MODULES = (
    "projections.summaries_contracts",
    "projections.summaries_assignments",
    "projections.summaries_tickets",
    "projections.summaries_privacy",
    "projections.billing_summaries",
    "projections.liability_summaries",
)
_loaded = False


def _load_all() -> None:
    global _loaded
    if not _loaded:
        for module in SUMMARY_MODULES:
            importlib.import_module(module)
        _loaded = True
