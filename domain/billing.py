"""Monthly statements: a pure function of one contract's billing facts and the month closes.

A month close (domain/aggregates/billing_period.py) says "every month through M is
closed, with the facts up to log position q". A closed statement is therefore always
computed from the facts up to its close's q, so it never changes, whatever arrives later
(P14, P15). What a later fact changes in a closed month (a late visit, a backdated fee)
is the difference between that month computed now and what was billed for it so far;
it becomes adjustment lines on the next open statement, each naming the statement it
corrects (P14).

Decision (C4, P14: "no statements after the contract's end"; "a correction is a new
statement that refers to the one it corrects, never an edit"): once the contract has
ended, there is no next open statement of its own to carry a late fact, and none may be
made for a month after the end. The adjustments then go on a **correction statement**
of the contract's last service month, `<contract id>:<YYYY-MM>:correction-<n>`, which
holds only adjustments and names in `corrects` the closed statement(s) it corrects. It
is open (a draft) until the next month close seals it; a fact arriving after that gets
correction n+1. This is the only place the rule is applied (`_Ledger.bill`).
The billing view (projections/billing.py) and the month close both call `statements`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime

import msgspec

from domain.billing_facts import BillingFact, VolumeRecorded
from domain.billing_lines import Line, add_months, label, month_end, months, statement_id
from domain.billing_month import LOCAL_FACTS, MonthBook
from domain.money import TaxSplit, tax_split
from domain.rates import Rates

PENDING = "pending"  # the event id of a close being computed, before it is recorded


class Closure(msgspec.Struct, frozen=True, kw_only=True):
    """One month close: every month through `through` is closed with facts up to a position."""

    through: date  # the 1st of the last month it closes
    as_of_position: int
    event_id: str
    closed_at: datetime | None = None
    issuer_name: str | None = None  # P14: as the close recorded them
    registration_number: str | None = None


class Statement(msgspec.Struct, frozen=True, kw_only=True):
    """One contract's statement of one month: a qualified invoice's content (P13, P14)."""

    statement_id: str
    contract_id: str
    customer_name: str  # the recipient (P14), the counterparty (P15)
    month: date  # the 1st of the billed month
    lines: tuple[Line, ...]
    adjustments: tuple[Line, ...]  # late facts of closed months (P14 corrections)
    total: int
    taxes: tuple[TaxSplit, ...]  # per tax rate, rounded once per statement (P13, P14)
    date_from: date  # the earliest and latest transaction dates (P15 search)
    date_to: date
    review_suggested: bool  # P8
    over_volume_clusters: tuple[str, ...]
    notes: tuple[str, ...]
    corrects: tuple[str, ...]  # statements its adjustments correct
    closed_by: str | None  # the MonthClosed event id; None while the month is open
    closed_at: datetime | None
    issuer_name: str | None
    registration_number: str | None
    digest: str  # of its id, lines and adjustments (SEALED_FIELDS): what a close seals

    @property
    def tax(self) -> TaxSplit:
        """The statement's tax split (one rate: every line bills at the contract's rate)."""
        if len(self.taxes) == 1:
            return self.taxes[0]
        tax = sum(t.tax for t in self.taxes)
        rate = self.taxes[0].rate_pct if self.taxes else 0
        return TaxSplit(total=self.total, tax_exclusive=self.total - tax, tax=tax, rate_pct=rate)


#: What a month close seals of each line (P14, P15): only what is fixed forever and
#: carries nothing personal. The description is left out: it is text made from the
#: events, and may quote a personal field (an extra-work description) that an erasure of
#: personal data (issue 9) shows as "[erased]" from then on; the seal must still hold.
SEALED_FIELDS = (
    "key", "code", "amount", "quantity", "date_from", "date_to", "rate_pct", "evidence",
    "for_month", "corrects",
)  # fmt: skip


def digest(sid: str, lines: Sequence[Line], adjustments: Sequence[Line]) -> str:
    """The seal of a statement: its id and the SEALED_FIELDS of its lines and adjustments."""

    def sealed(group: Sequence[Line]) -> list[list[object]]:
        return [[getattr(line, field) for field in SEALED_FIELDS] for line in group]

    data = msgspec.json.encode([sid, sealed(lines), sealed(adjustments)])
    return "sha256:" + hashlib.sha256(data).hexdigest()


def statements(
    contract_id: str,
    facts: Sequence[BillingFact],
    closures: Sequence[Closure],
    horizon: date,
    rates: Rates,
) -> list[Statement]:
    """Every statement of the contract: closed ones, then the open months up to `horizon`."""
    facts = sorted(facts, key=lambda f: f.position)
    ledger = _Ledger(contract_id, rates)
    out: list[Statement] = []
    q, through = 0, None
    for closure in closures:
        if through is not None and closure.through <= through:
            continue  # months close in order (the aggregate refuses anything else)
        book = MonthBook([f for f in facts if f.position <= closure.as_of_position])
        window = [f for f in facts if q < f.position <= closure.as_of_position]
        out += ledger.bill(book, window, through, closure.through, closure)
        q, through = closure.as_of_position, closure.through
    book = MonthBook(facts)
    if through is None and book.first is None:
        return out
    last = min(horizon, book.last) if book.last else horizon
    window = [f for f in facts if f.position > q]
    return out + ledger.bill(book, window, through, last, None)


class _Ledger:
    """What was billed for each month so far, and the statements a close or the present makes."""

    def __init__(self, contract_id: str, rates: Rates) -> None:
        self.contract_id, self.rates = contract_id, rates
        self.billed: dict[date, dict[str, Line]] = {}
        self.issued: set[date] = set()
        self.corrections = 0  # correction statements sealed after the contract's end

    def bill(
        self,
        book: MonthBook,
        window: list[BillingFact],
        closed_through: date | None,
        last: date,
        closure: Closure | None,
    ) -> list[Statement]:
        adjustments, corrected = (
            self._pending(book, window, closed_through) if closed_through else ([], {})
        )
        if closure is not None:
            self.billed.update(corrected)  # the close bills these adjustments
        first = add_months(closed_through, 1) if closed_through else book.first
        if first is None:
            return []
        span = months(first, last) if first <= last else []
        out = []
        if adjustments and book.last is not None and first > book.last:
            # Ended: a correction of the last service month (the module's decision).
            out.append(self._correction(book, book.last, adjustments, closure))
            adjustments = []
        elif adjustments and not span:
            span = [first]
        for month in span:
            lines = book.lines(month)
            adjust = adjustments if month == first else []
            if closure is not None:
                self.billed[month] = {line.key: line for line in lines}
            if lines or adjust:
                out.append(self._statement(book, month, lines, adjust, closure))
                if closure is not None:
                    self.issued.add(month)
        return out

    def _pending(
        self, book: MonthBook, window: list[BillingFact], closed_through: date
    ) -> tuple[list[Line], dict[date, dict[str, Line]]]:
        """What the window's facts change in closed months: adjustment lines, and each
        changed month's lines as they are now (billed once the adjustments are closed)."""
        global_facts = [f for f in window if not isinstance(f, (*LOCAL_FACTS, VolumeRecorded))]
        if global_facts:
            candidates = set(self.billed)
            if book.first is not None:
                candidates |= set(months(book.first, book.last or closed_through))
        else:
            candidates = {
                book.billed_month(book.fact_day(f)) for f in window if isinstance(f, LOCAL_FACTS)
            }
        out: list[Line] = []
        corrected: dict[date, dict[str, Line]] = {}
        for month in sorted(m for m in candidates if m <= closed_through):
            now = {line.key: line for line in book.lines(month)}
            was = self.billed.get(month, {})
            because = tuple(f.event_id for f in global_facts) + tuple(
                f.event_id for f in window
                if isinstance(f, LOCAL_FACTS) and book.billed_month(book.fact_day(f)) == month
            )  # fmt: skip
            for key in [*now, *(k for k in was if k not in now)]:
                line = now.get(key) or was[key]
                delta = (now[key].amount if key in now else 0) - (
                    was[key].amount if key in was else 0
                )
                if not delta:
                    continue
                evidence = line.evidence + (was[key].evidence if key in was else ()) + because
                out.append(msgspec.structs.replace(
                    line, key=f"{label(month)}/{key}", amount=delta,
                    description=f"adjustment for {label(month)}: {line.description}",
                    evidence=tuple(dict.fromkeys(evidence)), for_month=month,
                    corrects=self._issued_id(month),
                ))  # fmt: skip
            corrected[month] = now
        return out, corrected

    def _correction(
        self, book: MonthBook, last: date, adjustments: list[Line], closure: Closure | None
    ) -> Statement:
        """The correction statement of the last service month (the module's decision)."""
        number = self.corrections + 1
        if closure is not None:
            self.corrections = number  # sealed: the next late fact makes the next one
        sid = f"{statement_id(self.contract_id, last)}:correction-{number}"
        return self._statement(book, last, [], adjustments, closure, correction=sid)

    def _issued_id(self, month: date) -> str | None:
        """The closed statement of that month, if one was issued (what a correction names)."""
        return statement_id(self.contract_id, month) if month in self.issued else None

    def _statement(
        self,
        book: MonthBook,
        month: date,
        lines: list[Line],
        adjustments: list[Line],
        closure: Closure | None,
        *,
        correction: str | None = None,
    ) -> Statement:
        """A month's statement, or (`correction`: its id) a correction of adjustments only,
        which carries no P8 flag and no notes of the month it is dated in."""
        everything = [*lines, *adjustments]
        by_rate: dict[int, int] = {}
        for line in everything:
            by_rate[line.rate_pct] = by_rate.get(line.rate_pct, 0) + line.amount
        sid = correction or statement_id(self.contract_id, month)
        over = [] if correction else book.over_volume(month, self.rates)
        unpriced = [] if correction else book.unpriced_extra_work(month)
        return Statement(
            statement_id=sid,
            contract_id=self.contract_id,
            customer_name=book.terms.customer_name if book.terms else "",
            month=month,
            lines=tuple(lines),
            adjustments=tuple(adjustments),
            total=sum(by_rate.values()),
            taxes=tuple(tax_split(total, rate) for rate, total in sorted(by_rate.items())),
            date_from=min(line.date_from for line in everything),
            date_to=max(line.date_to for line in everything),
            review_suggested=bool(over),
            over_volume_clusters=tuple(over),
            notes=tuple(
                f"extra work referred to the operator without an amount or a quote, not billed"
                f" (X1): {event}"
                for event in unpriced
            ),
            corrects=tuple(sorted({a.corrects for a in adjustments if a.corrects})),
            closed_by=closure.event_id if closure else None,
            closed_at=closure.closed_at if closure else None,
            issuer_name=closure.issuer_name if closure else None,
            registration_number=closure.registration_number if closure else None,
            digest=digest(sid, lines, adjustments),
        )


__all__ = [
    "PENDING", "SEALED_FIELDS", "Closure", "Statement", "digest", "month_end", "statements",
]  # fmt: skip
