"""Sentences the console writes from structured data, in the page's language.

The read side keeps English one-liners for the API and exports (an audit row's summary, a
claim's explanation, a billing line's description). The console writes its own from the
data behind them, through the message catalogues:

- an event's summary: `summary.<EventType>`, its parameters the event's fields as the
  audit row keeps them (`payload`), each written for reading (amounts as ¥92,400, dates
  and times in Japan time, enum values and yes/no fields through `value.*` and `flag.*`,
  concierges by name); an optional field also gives `<field>_part`, the catalogue's
  `part.<field>` around it, or nothing when it is absent;
- a claim's explanation: `explanation.<rule>.<decision>`, or `explanation.awaiting.<finding>`;
- a billing line: `line.<code>`, from the line's code, dates and evidence events.

What has no message (an event type added later) falls back to the English text, marked
as English so the page says so (`lang="en"`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from api.console import formats
from api.console.i18n import Translator
from domain.billing_lines import Line, month_of
from domain.personal import ERASED

YEN_FIELDS = frozenset({"amount", "monthly_fee", "previous_fee", "standard_monthly_fee", "total"})
MONTH_FIELDS = frozenset({"month", "first_month"})
CONCIERGE_FIELDS = frozenset(
    {"concierge_id", "previous_concierge_id", "successor_id", "successor_of"}
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class DayFormats(Protocol):
    """How the page writes dates and instants (api/console/rendering.py `Formats`)."""

    def when(self, instant: datetime | None) -> str: ...
    def day(self, value: date | None) -> str: ...
    def month(self, value: date | None) -> str: ...


@dataclass(frozen=True)
class Sentence:
    text: str
    lang: str  # the language it is written in: the page's, or "en" for a fallback
    catalogued: bool  # False: the English text of the read side


@dataclass(frozen=True)
class EvidenceEvent:
    """An event a billing line rests on, as the audit trail keeps it."""

    event_id: str
    position: int
    event_type: str
    payload: Mapping[str, Any]


class _Blank(dict[str, str]):
    """Format parameters where a field the event does not have reads as a dash."""

    def __missing__(self, key: str) -> str:
        return "–"


class Sentences:
    """The sentences of one page: `t` its language, `fmt` its date formats."""

    def __init__(
        self, t: Translator, fmt: DayFormats, names: Mapping[str, str] | None = None
    ) -> None:
        self.t, self.fmt, self.names = t, fmt, dict(names or {})

    def named(self, names: Mapping[str, str]) -> Sentences:
        """The same, writing these concierges (id -> name) by name."""
        return Sentences(self.t, self.fmt, {**self.names, **names})

    def _sentence(self, key: str, params: Mapping[str, str], fallback: str) -> Sentence:
        template = self.t.maybe(key, "")
        if not template:
            return Sentence(fallback, "en", catalogued=False)
        return Sentence(template.format_map(_Blank(params)), self.t.language, catalogued=True)

    # ---- values ----------------------------------------------------------------------

    def value(self, name: str, value: Any) -> str:
        """One field of an event, written for reading."""
        t = self.t
        if value is None:
            return "–"
        if isinstance(value, bool):
            return t.maybe(f"flag.{name}.{str(value).lower()}", t(f"flag.{str(value).lower()}"))
        if isinstance(value, int) and name in YEN_FIELDS:
            return formats.yen(value)
        if isinstance(value, float):
            return f"{value:g}"
        if isinstance(value, int):
            return f"{value:,}" if name != "as_of_position" else str(value)
        if isinstance(value, list):
            items = [self.value(name, item) for item in value if not isinstance(item, dict)]
            return t("format.list_separator").join(items)
        if not isinstance(value, str):
            return "–"  # a nested record (sites, tariff): not part of a one-line summary
        return self._text(name, value)

    def _text(self, name: str, value: str) -> str:
        if value == ERASED:
            return self.t("word.erased")
        if name in CONCIERGE_FIELDS:
            return self.names.get(value) or self._short(value)
        try:
            if _INSTANT.match(value):
                return self.fmt.when(datetime.fromisoformat(value))
            if _DATE.fullmatch(value):
                day = date.fromisoformat(value)
                return self.fmt.month(day) if name in MONTH_FIELDS else self.fmt.day(day)
        except ValueError:
            pass  # free text that only looks like a date: shown as written
        if _UUID.fullmatch(value):
            return self._short(value)
        return self.t.maybe(f"value.{name}.{value}", self.t.maybe(f"value.{value}", value))

    @staticmethod
    def _short(value: str) -> str:
        return f"{value[:8]}…" if _UUID.fullmatch(value) else value

    def parameters(self, payload: Mapping[str, Any]) -> dict[str, str]:
        """An event's fields as message parameters: `name`, `name_count` of a list, and
        `name_part` where the catalogue has `part.name` (empty when the field is absent)."""
        params: dict[str, str] = {}
        for name, raw in payload.items():
            params[name] = self.value(name, raw)
            if isinstance(raw, list):
                params[f"{name}_count"] = str(len(raw))
            part = self.t.maybe(f"part.{name}", "")
            if part:
                absent = raw is None or raw == [] or raw == ""
                params[f"{name}_part"] = "" if absent else part.format(value=params[name])
        return params

    # ---- sentences -------------------------------------------------------------------

    def event(self, event_type: str, payload: Mapping[str, Any], fallback: str) -> Sentence:
        """The one-line summary of an event of the timeline."""
        return self._sentence(f"summary.{event_type}", self.parameters(payload), fallback)

    def entry(self, entry: Any) -> Sentence:
        """The summary of an audit trail entry (projections/audit_query.py `AuditEntry`)."""
        return self.event(entry.event_type, entry.payload, entry.summary)

    def claim(self, claim: Any) -> Sentence:
        """Why a claim was decided so (api/console/liability.py `Claim`)."""
        if claim.awaiting:
            key = f"explanation.awaiting.{claim.awaiting[0]}"
        else:
            key = f"explanation.{claim.rule}.{claim.decision}"
        return self._sentence(key, {}, claim.explanation)

    def findings(self, findings: Sequence[str]) -> str:
        """Findings a claim awaits, by what they establish."""
        return self.value("finding", list(findings))

    def line(self, line: Line, evidence: Mapping[str, EvidenceEvent]) -> Sentence:
        """A billing line (or an adjustment: the month it corrects, then the line)."""
        events = [evidence[e] for e in line.evidence if e in evidence]
        key, params = _LINES.get(str(line.code), _by_code)(self, line, events)
        sentence = self._sentence(key, params, line.description)
        if line.for_month is None or not sentence.catalogued:
            return sentence
        text = self.t(
            "billing.adjustment_line", month=self.fmt.month(line.for_month), line=sentence.text
        )
        return Sentence(text, sentence.lang, catalogued=True)


# ---- billing lines --------------------------------------------------------------------

LineParams = Callable[[Sentences, Line, list[EvidenceEvent]], tuple[str, dict[str, str]]]


def _period(say: Sentences, line: Line) -> str:
    first, last = month_of(line.date_from), month_of(line.date_to)
    if first == last:
        return say.fmt.month(first)
    return say.t("line.months", first=say.fmt.month(first), last=say.fmt.month(last))


def _field(events: list[EvidenceEvent], event_type: str, name: str) -> Any:
    """A field of the (last) evidence event of that type, or None."""
    found = [e.payload.get(name) for e in events if e.event_type == event_type]
    return found[-1] if found else None


def _fee(say: Sentences, line: Line, events: list[EvidenceEvent]) -> tuple[str, dict[str, str]]:
    """The monthly fee (P1) or two-tier base fee (P10), or an annual payment (C2); a first
    month that started mid-month says it is billed in full (C1)."""
    started = _field(events, "ContractStarted", "started_on")
    mid_month = ""
    if started:
        day = date.fromisoformat(started)
        if day.day != 1 and month_of(day) == month_of(line.date_from):
            mid_month = say.t("line.mid_month", day=say.fmt.day(day))
    key = "line.annual_payment" if str(line.code) == "annual_payment" else "line.monthly_fee"
    if key == "line.monthly_fee" and _field(events, "ContractApplied", "plan") == "two_tier":
        key = "line.two_tier_base_fee"
    return key, {"period": _period(say, line), "mid_month": mid_month}


def _team(say: Sentences, line: Line, events: list[EvidenceEvent]) -> tuple[str, dict[str, str]]:
    assigned = any(e.event_type == "TeamMemberAdded" for e in events)
    key = "line.team_surcharge_assigned" if assigned else "line.team_surcharge"
    return key, {"period": _period(say, line)}


def _code_line(
    fields: tuple[tuple[str, str], ...] = (),
) -> LineParams:
    """A line written from its code, its period or day, and fields of one evidence event."""

    def params(
        say: Sentences, line: Line, events: list[EvidenceEvent]
    ) -> tuple[str, dict[str, str]]:
        found = {
            name: say.value(name, _field(events, event_type, name)) for event_type, name in fields
        }
        day = say.fmt.day(line.date_from)
        return f"line.{line.code}", {"period": _period(say, line), "day": day, **found}

    return params


_by_code = _code_line()
_LINES: dict[str, LineParams] = {
    "monthly_fee": _fee,
    "annual_payment": _fee,
    "team_surcharge": _team,
    "extra_work": _code_line((("SecondJobReferred", "description"),)),
    "product": _code_line((("ProductSold", "item"), ("ProductSold", "quantity"))),
}
