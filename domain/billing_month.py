"""One contract's billable month, from its facts known up to one log position.

Decisions (domain-rules.md asks to keep them in one place):
- C1: service bills from the month of its start, in full even for a mid-month start.
- C4: the last month billed is the month of the end date (a pending cancellation's, or
  the end recorded); nothing is billed after it. A fact dated outside the billed months
  (e.g. a sale recorded after the end) is billed on the nearest billed month.
- C2: an annual payer gets, on the first statement of each 12-month term, 12 times the
  fee in force on the term's first day (and 12 times the report option and the contracted
  team option); the other months of the term carry no fee. A fee renegotiated mid-term
  applies to an annual payer from its next term (the term was paid in advance).
- P11 (team): a contract applied for with team response pays the surcharge every month;
  otherwise it pays it for each month in which a team member was assigned on any day.
  The surcharge is team_surcharge_pct of the month's fee (the base fee for two-tier).
- P11 (off hours): each off-hours visit costs off_hours_surcharge_pct of the tariff's spot
  fee, under every plan. Under two-tier pricing it is added to the visit's spot fee; under
  the other plans the visit itself is in the fixed fee and the spot fee is only the
  reference price of one visit (the same per-visit surcharge the quote shows, P3).
- X1/X2: extra work is billed only when referred to the operator (never a Second job or
  another vendor's job), at the referral's amount, else at the ticket's last quote before
  it; without either it is listed in the statement's notes, not billed.
- P8: the flag compares each cluster's recorded volume at the month's end with the volume
  the fee was last agreed on (the application, or the last fee renegotiation).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import msgspec

from domain.aggregates.contract import ClusterVolume, Payment
from domain.billing_facts import (
    BillingFact,
    EndChanged,
    FeeChanged,
    Quoted,
    Referred,
    Sold,
    Started,
    TeamJoined,
    TeamLeft,
    Terms,
    Visit,
    VolumeRecorded,
)
from domain.billing_lines import (
    Line,
    LineCode,
    add_months,
    japan_day,
    label,
    month_end,
    month_of,
    months_between,
)
from domain.money import format_yen
from domain.pricing import Plan, contracted_volume_exceeded, units_for_cluster
from domain.rates import Rates
from domain.tickets_values import ReferralTarget

ANNUAL_MONTHS = 12
LOCAL_FACTS = (Visit, Referred, Sold)  # billed on the month of their own date


class MonthBook:
    """A contract's facts up to one position, ready to bill any month (see the decisions)."""

    def __init__(self, facts: Sequence[BillingFact]) -> None:
        self.facts = list(facts)
        terms = [f for f in facts if isinstance(f, Terms)]
        self.terms: Terms | None = terms[0] if terms else None
        started = [f for f in facts if isinstance(f, Started)]
        self.started: Started | None = started[-1] if started else None
        ends = [f for f in facts if isinstance(f, EndChanged)]
        self.end: EndChanged | None = ends[-1] if ends and ends[-1].end_date else None
        self.fees = [f for f in facts if isinstance(f, FeeChanged)]
        self.first = month_of(self.started.started_on) if self.started else None
        self.last = month_of(self.end.end_date) if self.end and self.end.end_date else None
        self._local: dict[date, list[BillingFact]] = {}
        for fact in facts:
            if isinstance(fact, LOCAL_FACTS):
                self._local.setdefault(self.billed_month(self.fact_day(fact)), []).append(fact)

    @property
    def bills(self) -> bool:
        """Whether any month is billed at all: the contract exists and service started."""
        return self.terms is not None and self.first is not None

    def in_life(self, month: date) -> bool:
        return (
            self.first is not None
            and self.first <= month
            and (self.last is None or month <= self.last)
        )

    def billed_month(self, day: date) -> date:
        """The month a fact of that day is billed on (the nearest billed month)."""
        month = month_of(day)
        if self.first is not None and month < self.first:
            return self.first
        if self.last is not None and month > self.last:
            return self.last
        return month

    @staticmethod
    def fact_day(fact: BillingFact) -> date:
        return japan_day(fact.arrival) if isinstance(fact, Visit) else japan_day(fact.at)

    # ---- the lines of one month -----------------------------------------------------

    def lines(self, month: date) -> list[Line]:
        """The month's own lines (no adjustments), recurring first, then by date."""
        if not (self.bills and self.in_life(month)):
            return []
        return self._recurring(month) + self._local_lines(month)

    def fee(self, month: date) -> tuple[int, tuple[str, ...]]:
        """The monthly fee in force on the month's 1st, and the events that set it."""
        assert self.terms is not None
        fee, source = self.terms.monthly_fee, self.terms.event_id
        for change in self.fees:  # in log order: the last one in force wins
            if change.effective_from <= month:
                fee, source = change.monthly_fee, change.event_id
        return fee, (source,)

    def _recurring(self, month: date) -> list[Line]:
        terms, started = self.terms, self.started
        assert terms is not None and started is not None and self.first is not None
        rate, report = terms.tariff.tax_rate_pct, terms.tariff.monthly_report_fee
        fee, fee_source = self.fee(month)
        name = "two-tier base fee (P10)" if terms.plan is Plan.two_tier else "monthly fee (P1)"
        mid = month == self.first and started.started_on.day != 1
        note = f"; service from {started.started_on}, billed in full (C1)" if mid else ""
        team = self._team(month, fee)
        evidence = (terms.event_id, started.event_id, *fee_source)
        times, period = 1, (month, month_end(month))
        span = f"{label(month)}: "
        if terms.payment is Payment.ANNUAL:
            if months_between(self.first, month) % ANNUAL_MONTHS:
                # C2: paid with the term's first statement; only a team assigned is billed.
                return [team] if team and not terms.team_response else []
            times = ANNUAL_MONTHS
            period = (month, month_end(add_months(month, ANNUAL_MONTHS - 1)))
            span = f"{label(period[0])} to {label(period[1])}: {ANNUAL_MONTHS} x "
        code = LineCode.ANNUAL_PAYMENT if times > 1 else LineCode.MONTHLY_FEE
        extra = ", no discount (C2)" if times > 1 else ""
        out = [_line(code, f"{name}, {span}{format_yen(fee)}{extra}{note}", times * fee,
                     period, rate, evidence, quantity=times)]  # fmt: skip
        if terms.monthly_report:
            out.append(_line(LineCode.MONTHLY_REPORT, f"monthly written report (P12), {span}"
                             f"{format_yen(report)}", times * report, period, rate,
                             (terms.event_id,), quantity=times))  # fmt: skip
        if team and terms.team_response:
            out.append(msgspec.structs.replace(
                team, amount=times * team.amount, quantity=times, date_to=period[1],
                description=f"{team.description}, {span}{format_yen(team.amount)}"))  # fmt: skip
        elif team:
            out.append(team)
        return out

    def _team(self, month: date, fee: int) -> Line | None:
        terms = self.terms
        assert terms is not None
        pct = terms.tariff.team_surcharge_pct
        period = (month, month_end(month))
        text = f"team response surcharge, {pct} % of {format_yen(fee)} (P11)"
        if terms.team_response:
            return _line(LineCode.TEAM_SURCHARGE, f"{text}, contracted option", fee * pct // 100,
                         period, terms.tariff.tax_rate_pct, (terms.event_id,))  # fmt: skip
        joined = self._team_members_in(month)
        if not joined:
            return None
        return _line(LineCode.TEAM_SURCHARGE, f"{text}, team assigned in {label(month)} (K3)",
                     fee * pct // 100, period, terms.tariff.tax_rate_pct, joined)  # fmt: skip

    def _team_members_in(self, month: date) -> tuple[str, ...]:
        """Events of team members assigned on some day of the month (K3)."""
        first, last = month, month_end(month)
        open_: dict[tuple[str, str], TeamJoined] = {}
        spans: list[tuple[TeamJoined, date | None]] = []
        for fact in self.facts:
            if isinstance(fact, TeamJoined):
                open_[(fact.assignment_id, fact.concierge_id)] = fact
            elif isinstance(fact, TeamLeft):
                for key in [k for k in open_ if k[0] == fact.assignment_id]:
                    if fact.concierge_id is None or key[1] == fact.concierge_id:
                        spans.append((open_.pop(key), japan_day(fact.at)))
        spans += [(joined, None) for joined in open_.values()]
        return tuple(
            joined.event_id
            for joined, left in spans
            if japan_day(joined.at) <= last and (left is None or left >= first)
        )

    def _local_lines(self, month: date) -> list[Line]:
        terms = self.terms
        assert terms is not None
        tariff, rate = terms.tariff, terms.tariff.tax_rate_pct
        out: list[Line] = []
        for fact in sorted(
            self._local.get(month, []), key=lambda f: (self.fact_day(f), f.position)
        ):
            day = self.fact_day(fact)
            if isinstance(fact, Visit):
                if terms.plan is Plan.two_tier:
                    out.append(_line(LineCode.SPOT_VISIT, f"spot visit on {day} (P10)",
                                     tariff.spot_fee, (day, day), rate, (fact.event_id,),
                                     key=f"visit:{fact.event_id}"))  # fmt: skip
                if fact.off_hours:
                    pct = tariff.off_hours_surcharge_pct
                    out.append(_line(LineCode.OFF_HOURS_SURCHARGE,
                                     f"off-hours visit on {day}: {pct} % of the spot fee"
                                     f" {format_yen(tariff.spot_fee)} (P11, O1)",
                                     tariff.spot_fee * pct // 100, (day, day), rate,
                                     (fact.event_id,),
                                     key=f"off_hours:{fact.event_id}"))  # fmt: skip
            elif isinstance(fact, Referred):
                line = self._extra_work(fact, day, rate)
                if line:
                    out.append(line)
            elif isinstance(fact, Sold) and fact.operator_bills:
                out.append(_line(LineCode.PRODUCT, f"product sold by the operator on {day}:"
                                 f" {fact.quantity} x {fact.item} (O8)", fact.amount, (day, day),
                                 rate, (fact.event_id,), key=f"sale:{fact.event_id}",
                                 quantity=fact.quantity))  # fmt: skip
        return out

    def _extra_work(self, fact: Referred, day: date, rate: int) -> Line | None:
        if not (fact.to is ReferralTarget.OPERATOR and fact.operator_bills):
            return None  # X2: a Second job or another vendor's job is not the operator's to bill
        amount, evidence = fact.amount, (fact.event_id,)
        if amount is None:
            quote = self.last_quote(fact)
            if quote is None:
                return None
            amount, evidence = quote.amount, (quote.event_id, fact.event_id)
        return _line(LineCode.EXTRA_WORK, f"extra work by the operator on {day}:"
                     f" {fact.description} (X1)", amount, (day, day), rate, evidence,
                     key=f"extra:{fact.event_id}")  # fmt: skip

    def last_quote(self, fact: Referred) -> Quoted | None:
        quotes = [
            f for f in self.facts
            if isinstance(f, Quoted) and f.ticket_id == fact.ticket_id
            and f.position < fact.position
        ]  # fmt: skip
        return quotes[-1] if quotes else None

    def unpriced_extra_work(self, month: date) -> list[str]:
        """X1: work referred to the operator with no amount and no quote (not billed)."""
        return [
            f.event_id for f in self._local.get(month, [])
            if isinstance(f, Referred) and f.to is ReferralTarget.OPERATOR and f.operator_bills
            and f.amount is None and self.last_quote(f) is None
        ]  # fmt: skip

    # ---- P8 ---------------------------------------------------------------------------

    def over_volume(self, month: date, rates: Rates) -> list[str]:
        """Clusters whose recorded volume at the month's end needs more units than agreed."""
        if self.terms is None:
            return []
        current = dict(self.terms.volumes)
        agreed = dict(current)
        last_day = month_end(month)
        for fact in self.facts:
            if japan_day(fact.at) > last_day:
                continue
            if isinstance(fact, VolumeRecorded):
                current[fact.cluster] = ClusterVolume(fact.clients, fact.servers)
            elif isinstance(fact, FeeChanged):
                agreed = dict(current)  # the renegotiated fee covers the volume recorded then
        return [
            cluster
            for cluster, volume in current.items()
            if contracted_volume_exceeded(
                units_for_cluster(*_counts(agreed.get(cluster)), rates),
                volume.clients, volume.servers, rates,
            )
        ]  # fmt: skip


def _counts(volume: ClusterVolume | None) -> tuple[int, int]:
    return (volume.clients, volume.servers) if volume else (0, 0)


def _line(
    code: LineCode,
    description: str,
    amount: int,
    period: tuple[date, date],
    rate: int,
    evidence: tuple[str, ...],
    *,
    key: str | None = None,
    quantity: int = 1,
) -> Line:
    return Line(
        key=key or code.value,
        code=code,
        description=description,
        amount=amount,
        quantity=quantity,
        date_from=period[0],
        date_to=period[1],
        rate_pct=rate,
        evidence=tuple(dict.fromkeys(evidence)),
    )
