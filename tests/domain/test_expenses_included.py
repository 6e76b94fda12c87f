"""Specification of rule P7: travel and phone expenses are included, on quotes and invoices.

Whatever the inputs, a quote's lines and a statement's lines are only the fee and option
lines listed below (none is an expense), and a visit adds to a statement nothing but its
spot fee (two-tier, P10) and its off-hours surcharge (P11): no travel, no call charge.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates.contract import ClusterVolume, Payment, Tariff
from domain.aggregates.prefectures import PREFECTURES
from domain.billing import statements
from domain.billing_facts import BillingFact, Referred, Sold, Started, Terms, Visit, fact_of
from domain.pricing import Plan, QuoteInputs, Site, standard_quote
from domain.rates import Rates
from domain.tickets_values import ReferralTarget
from infra.clock import JST
from tests.domain.tickets_given import SERVING, concierge, instructed

RATES = Rates()
TARIFF = Tariff.from_rates(RATES)

#: Every line a quote may carry: the fee of each cluster or the two-tier base, and options.
QUOTE_CODES = frozenset(
    {"cluster_units", "two_tier_base", "spot_visit", "monthly_report", "team_response",
     "off_hours_visit"}
)  # fmt: skip
#: Every line a statement may carry (P1-P6, C2, P10-P12, X1, O8): none is an expense.
STATEMENT_CODES = frozenset(
    {"monthly_fee", "annual_payment", "monthly_report", "team_surcharge", "spot_visit",
     "off_hours_surcharge", "extra_work", "product"}
)  # fmt: skip
EXPENSE_WORDS = ("expense", "travel", "transport", "phone", "call", "mileage", "parking")


def test_no_billed_line_is_an_expense() -> None:
    # rule P7: the lists the properties below check against name no expense
    for code in QUOTE_CODES | STATEMENT_CODES:
        assert not any(word in code for word in EXPENSE_WORDS), code


# ---- quotes ---------------------------------------------------------------------------

quote_inputs = st.builds(
    QuoteInputs,
    sites=st.lists(
        st.builds(
            Site,
            prefecture=st.sampled_from(PREFECTURES),
            city=st.sampled_from(["Minato", "Sapporo", "Naha"]),
            cluster=st.sampled_from(["hq", "north", "south", "east", "west", "shop-6"]),
            clients=st.integers(0, 150),  # 100 and more: a negotiated fee (P4)
            servers=st.integers(0, 6),
        ),
        min_size=1,
        max_size=12,
    ).map(tuple),
    plan=st.sampled_from(Plan),
    extended_hours=st.booleans(),
    team_response=st.booleans(),
    monthly_report=st.booleans(),
)


@given(inputs=quote_inputs)
def test_a_quote_carries_only_fee_and_option_lines(inputs: QuoteInputs) -> None:
    # rule P7: whatever the sites, plan and options, no line is an expense
    quote = standard_quote(inputs, RATES)
    assert {line.code for line in quote.lines} <= QUOTE_CODES
    if quote.monthly_total is not None:  # and the lines are the whole monthly total
        assert sum(line.amount for line in quote.lines) == quote.monthly_total


# ---- statements -----------------------------------------------------------------------

CONTRACT = "c-1"
START = date(2026, 12, 1)


def _terms(plan: Plan, payment: Payment, report: bool, team: bool) -> Terms:
    return Terms(
        position=1, event_id=f"{CONTRACT}:1", at=datetime(2026, 11, 18, 10, tzinfo=JST),
        customer_name="Sakura Trading", plan=plan, payment=payment, monthly_fee=61_600,
        monthly_report=report, team_response=team, tariff=TARIFF,
        volumes={"hq": ClusterVolume(20, 1)},
    )  # fmt: skip


def _started() -> Started:
    return Started(
        position=2, event_id=f"{CONTRACT}:2", at=datetime(2026, 12, 1, 9, tzinfo=JST),
        started_on=START,
    )  # fmt: skip


visit_days = st.tuples(st.integers(0, 58), st.integers(0, 23), st.booleans())  # Dec, Jan
work = st.lists(
    st.one_of(
        st.tuples(st.just("sale"), st.integers(1, 500_000), st.booleans()),
        st.tuples(st.just("referral"), st.integers(1, 500_000), st.sampled_from(ReferralTarget)),
    ),
    max_size=4,
)


def _visits(days: list[tuple[int, int, bool]], first_position: int) -> list[BillingFact]:
    out: list[BillingFact] = []
    for n, (day, hour, off_hours) in enumerate(days):
        arrival = datetime(2026, 12, 1, hour, tzinfo=JST) + timedelta(days=day)
        out.append(Visit(
            position=first_position + n, event_id=f"t-1:{n + 3}", at=arrival + timedelta(hours=2),
            ticket_id="t-1", arrival=arrival, off_hours=off_hours,
        ))  # fmt: skip
    return out


def _work(items: list[tuple[str, int, object]], first_position: int) -> list[BillingFact]:
    out: list[BillingFact] = []
    at = datetime(2026, 12, 10, 15, tzinfo=JST)
    for n, (kind, amount, what) in enumerate(items):
        base = {"position": first_position + n, "event_id": f"t-2:{n + 3}", "at": at}
        if kind == "sale":
            out.append(Sold(**base, ticket_id="t-2", item="Toner", quantity=1, amount=amount,
                            operator_bills=bool(what)))  # fmt: skip
        else:
            to = ReferralTarget(what)
            out.append(Referred(**base, ticket_id="t-2", to=to, description="New server",
                                amount=amount, operator_bills=to is ReferralTarget.OPERATOR))  # fmt: skip
    return out


def _total(facts: list[BillingFact]) -> int:
    billed = statements(CONTRACT, facts, (), date(2027, 1, 1), RATES)
    return sum(s.total for s in billed)


@given(
    plan=st.sampled_from(Plan),
    payment=st.sampled_from(Payment),
    report=st.booleans(),
    team=st.booleans(),
    days=st.lists(visit_days, max_size=6),
    items=work,
)
def test_a_statement_carries_only_fee_and_option_lines_and_a_visit_adds_no_expense(
    plan: Plan,
    payment: Payment,
    report: bool,
    team: bool,
    days: list[tuple[int, int, bool]],
    items: list[tuple[str, int, object]],
) -> None:
    # rule P7: whatever the plan, payment, options, visits and work, every line is a fee or
    # an option, and the visits add exactly their spot fees (P10) and off-hours surcharges
    # (P11): travel to the site and back costs the customer nothing
    base = [_terms(plan, payment, report, team), _started(), *_work(items, 3)]
    visits = _visits(days, 3 + len(items))

    billed = statements(CONTRACT, base + visits, (), date(2027, 1, 1), RATES)

    codes = {line.code.value for s in billed for line in (*s.lines, *s.adjustments)}
    assert codes <= STATEMENT_CODES
    spot = RATES.spot_fee if plan is Plan.two_tier else 0
    surcharge = RATES.spot_fee * RATES.off_hours_surcharge_pct // 100
    per_visit = [spot + (surcharge if off_hours else 0) for _, _, off_hours in days]
    assert _total(base + visits) - _total(base) == sum(per_visit)


def test_a_vendor_call_is_no_billing_fact() -> None:
    # rules P7, S4: the concierge's call to the vendor is included, never billed
    ticket = instructed()
    ticket.place_vendor_call(concierge(), "Canon", "MF-1", reference="R-77", serving=SERVING)
    [call] = ticket.collect_events()
    assert fact_of(call, position=1) is None


def test_a_standard_month_costs_the_fee_however_many_visits() -> None:
    # rule P7 (with S2): ten in-hours visits in December, the statement is the monthly fee
    base = [_terms(Plan.standard, Payment.MONTHLY, False, False), _started()]
    visits = _visits([(day, 10, False) for day in range(1, 11)], 3)
    [december] = statements(CONTRACT, base + visits, (), date(2026, 12, 1), RATES)
    assert [(line.code.value, line.amount) for line in december.lines] == [("monthly_fee", 61_600)]
