"""The console's message catalogues (issue 8): Japanese by default, English available, every
label and every sentence the console writes from data catalogued in both, amounts in yen.

Pure checks (no server, no browser): the catalogues against the templates, the domain's
event types, its liability outcomes and its billing line codes.
"""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from typing import Any

import msgspec
import pytest

from api.console.i18n import LANGUAGES, Translator, catalogue
from api.console.rendering import Formats
from api.console.sentences import EvidenceEvent, Sentences
from domain.billing_lines import Line, LineCode
from domain.liability import (
    AcknowledgedRisk,
    ClaimFacts,
    ClaimKind,
    Finding,
    FindingKind,
    TicketFacts,
    decide,
)
from projections.audit import COLUMNS, audit_row
from projections.view import Envelope
from tests.nats.samples import sample_event
from tests.projections.test_summaries import event_classes

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "console" / "templates"


def say(language: str) -> Sentences:
    t = Translator(language)
    return Sentences(t, Formats(t))


def trail_payload(event_class: type, *, none: bool) -> dict[str, Any]:
    """A sample event's fields as the audit trail keeps them (the row's `payload`)."""
    event = sample_event(event_class, none=none)
    row = audit_row(
        Envelope(1, f"{event_class.__module__}:{event_class.__qualname__}", event), None
    )
    return msgspec.json.decode(row[COLUMNS.index("payload")])


def test_both_catalogues_have_the_same_labels() -> None:
    ja, en = catalogue("ja"), catalogue("en")
    assert set(ja) - set(en) == set() and set(en) - set(ja) == set()


def test_every_label_a_template_names_is_catalogued() -> None:
    used = set()
    for template in TEMPLATES.glob("*.html"):
        used |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_.]+)'\s*[,)]", template.read_text()))
    sections = "|".join({key.partition(".")[0] for key in catalogue("ja")})
    for module in TEMPLATES.parent.rglob("*.py"):  # labels named in code (states, menu, errors)
        used |= set(re.findall(rf'"((?:{sections})\.(?!html")[a-z_]+)"', module.read_text()))
    for language in LANGUAGES:
        assert used - set(catalogue(language)) == set(), language


def test_every_event_type_the_service_records_has_a_summary_in_both_catalogues() -> None:
    # given every event class of domain/aggregates (a new one is found too)
    types = {c.__name__ for c in event_classes()}

    # then each has its one-line summary, and its label, in Japanese and in English
    for language in LANGUAGES:
        messages = catalogue(language)
        assert {t for t in types if f"summary.{t}" not in messages} == set(), language
        assert {t for t in types if f"event.{t}" not in messages} == set(), language


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("none", [False, True], ids=["all fields", "optional fields absent"])
@pytest.mark.parametrize("event_class", event_classes(), ids=lambda c: c.__qualname__)
def test_each_summary_is_written_from_the_events_own_fields(
    event_class: type, none: bool, language: str
) -> None:
    # given an event as the audit trail keeps it
    payload = trail_payload(event_class, none=none)

    # when the console writes its summary
    line = say(language).event(event_class.__name__, payload, fallback="ENGLISH FALLBACK")

    # then it is the catalogue's sentence, every parameter filled from the fields
    assert line.catalogued and line.lang == language
    assert "{" not in line.text and "}" not in line.text and "\n" not in line.text
    assert not re.search(r"\b(None|True|False|yen)\b", line.text), line.text
    if not none:
        assert "–" not in line.text, line.text  # no parameter the event does not have


def test_amounts_are_yen_with_thousands_separators_in_both_languages() -> None:
    payload = {"monthly_fee": 1_234_567, "previous_fee": 92_400, "reason": "値引き"}
    payload["effective_from"] = "2026-10-01"

    ja = say("ja").event("FeeRenegotiated", payload, "").text
    en = say("en").event("FeeRenegotiated", payload, "").text

    assert ja == "月額を ¥92,400 から ¥1,234,567 に改定（2026年10月1日から）：値引き"
    assert en == "Fee changed from ¥92,400 to ¥1,234,567/month from 01 Oct 2026: 値引き"


def test_an_event_type_without_a_message_falls_back_to_its_english_summary() -> None:
    line = say("ja").event("SomethingAddedLater", {"x": 1}, "Something added later: x 1")

    assert (line.text, line.lang, line.catalogued) == ("Something added later: x 1", "en", False)


def _outcomes() -> set[tuple[str | None, str, tuple[str, ...]]]:
    """Every (rule, decision, awaited findings) decide() gives over a grid of facts (L1–L7)."""
    risk = AcknowledgedRisk(disclosed="t:3", acknowledged="t:4", started=("t:5",))
    tickets = [
        TicketFacts(instructions=instructed, uninstructed_starts=early, acknowledged_risks=risks)
        for instructed, early, risks in itertools.product(
            [(), ("t:2",)], [(), ("t:6",)], [(), (risk,)]
        )
    ]
    found = set()
    for kind, ticket in itertools.product(ClaimKind, tickets):
        for values in itertools.product([None, True, False], repeat=len(FindingKind)):
            findings = {
                f: Finding(value, f"c:{i}")
                for i, (f, value) in enumerate(zip(FindingKind, values, strict=True))
                if value is not None
            }
            decision = decide(ClaimFacts(filed="c:1", kind=kind, findings=findings), ticket)
            found.add((decision.rule, str(decision.liable), tuple(map(str, decision.awaiting))))
    return found


def test_every_liability_outcome_has_its_explanation_in_both_catalogues() -> None:
    outcomes = _outcomes()
    assert len(outcomes) >= 9  # L1..L6, and the undecided ones

    for language in LANGUAGES:
        messages = catalogue(language)
        missing = [
            o
            for o in outcomes
            if (f"explanation.awaiting.{o[2][0]}" if o[2] else f"explanation.{o[0]}.{o[1]}")
            not in messages
        ]
        assert missing == [], language


def _line(code: LineCode, **changes: Any) -> Line:
    fields: dict[str, Any] = {
        "key": str(code),
        "description": "english description",
        "amount": 30_800,
        "date_from": date(2026, 11, 1),
        "date_to": date(2026, 11, 30),
        "rate_pct": 10,
        "evidence": ("c:1",),
    }
    return Line(code=code, **(fields | changes))


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("code", list(LineCode), ids=str)
def test_every_billing_line_code_is_written_from_the_catalogue(
    code: LineCode, language: str
) -> None:
    line = say(language).line(_line(code), {})

    assert line.catalogued and line.text != "english description"
    assert "{" not in line.text and "yen" not in line.text


def test_a_billing_line_reads_its_details_from_its_evidence_events() -> None:
    # given a mid-month start (C1) and the adjustment of a closed month (P14)
    started = EvidenceEvent("c:2", 7, "ContractStarted", {"started_on": "2026-10-05"})
    applied = EvidenceEvent("c:1", 1, "ContractApplied", {"plan": "standard"})
    evidence = {e.event_id: e for e in (started, applied)}
    line = _line(
        LineCode.MONTHLY_FEE,
        date_from=date(2026, 10, 1),
        date_to=date(2026, 10, 31),
        evidence=("c:1", "c:2"),
        for_month=date(2026, 10, 1),
    )

    # when the billing page writes it
    ja, en = say("ja").line(line, evidence).text, say("en").line(line, evidence).text

    # then it names the month it adjusts, and the start billed in full
    assert (
        ja
        == "2026年10月分の調整：月額料金（P1）、2026年10月分（2026年10月5日開始、初月も全額請求、C1）"
    )
    assert en == (
        "Adjustment for October 2026: Monthly fee (P1), October 2026;"
        " service from 05 Oct 2026, billed in full (C1)"
    )


def test_free_text_that_looks_like_a_date_is_shown_as_written() -> None:
    payload = {"what": "2026-13-45T99:99 reboot", "note": "2026-02-30"}

    assert (
        say("ja").event("WorkInstructed", payload, "").text == "作業指示：2026-13-45T99:99 reboot"
    )
    assert say("en").value("note", payload["note"]) == "2026-02-30"
