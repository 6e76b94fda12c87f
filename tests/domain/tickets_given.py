"""Builders for ticket specifications: a contract in service, causes, and a ticket so far."""

from __future__ import annotations

from datetime import date, datetime

from domain.aggregates.contract import Contract, Payment
from domain.aggregates.ticket import Ticket
from domain.meta import Cause, EventMeta, Role
from domain.pricing import Plan, QuoteInputs, Site, standard_quote
from domain.rates import Rates
from domain.terms import Term
from domain.tickets_values import Channel, Completion, RiskLevel, Urgency, WorkKind
from infra.clock import JST

APPLIED_AT = datetime(2026, 10, 1, 9, 0, tzinfo=JST)
# Wednesday 2 December 2026, 10:00 Tokyo: the contract below is in service.
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=JST)
CONCIERGE = "con-sato"
OTHER_CONCIERGE = "con-kato"
BACKUP = "con-ito"
SERVING = frozenset({CONCIERGE})


class FakeHolidays:
    """A calendar that knows only the holidays it is given (tests of O1 use the real one too)."""

    def __init__(self, *days: date) -> None:
        self.days = set(days)

    def is_holiday(self, day: date) -> bool:
        return day in self.days


def cause(role: Role, actor: str | None = None, at: datetime = NOW) -> Cause:
    meta = EventMeta(
        actor_id=actor or f"{role}-user", actor_role=role, correlation_id="c", causation_id="c"
    )
    return Cause(meta=meta, at=at)


def customer(at: datetime = NOW) -> Cause:
    return cause(Role.CUSTOMER, "cust-yamada", at)


def operator(at: datetime = NOW) -> Cause:
    return cause(Role.OPERATOR, "op-tanaka", at)


def concierge(actor: str = CONCIERGE, at: datetime = NOW) -> Cause:
    return cause(Role.CONCIERGE, actor, at)


def contract(*, started: bool = True, plan: Plan = Plan.standard) -> Contract:
    """A contract applied on 1 Oct 2026 for one cluster "hq", in service from that day."""
    rates = Rates()
    inputs = QuoteInputs(sites=(Site("Tokyo", "Minato", "hq", 10),), plan=plan)
    applied = Contract.apply_for(
        cause(Role.OPERATOR, at=APPLIED_AT),
        customer_name="Sakura Trading",
        inputs=inputs,
        quote=standard_quote(inputs, rates),
        rates=rates,
        term=Term.MONTHLY,
        payment=Payment.MONTHLY,
        agreed_fee=None if plan is Plan.standard else 20_000,
        fee_reason=None if plan is Plan.standard else "remote only",
        received_on=APPLIED_AT.date(),
        requested_start=None,
        insists_mid_month=False,
    )
    if started:
        applied.start(cause(Role.OPERATOR, at=APPLIED_AT), frozenset({"hq"}))
    return applied


def opened(**changes: object) -> Ticket:
    """A trouble ticket opened by the customer on cluster "hq"."""
    fields: dict[str, object] = {
        "contract": contract(),
        "cluster": "hq",
        "kind": WorkKind.TROUBLE,
        "urgency": Urgency.HIGH,
        "channel": Channel.BUSINESS_MOBILE,
        "summary": "The office printer does not print",
        "serving": SERVING,
    }
    fields.update(changes)
    by = fields.pop("by", customer())
    return given(Ticket.open(by, **fields))  # type: ignore[arg-type]


def instructed() -> Ticket:
    ticket = opened()
    ticket.instruct(customer(), "Please fix the printer")
    return given(ticket)


def with_high_risk() -> tuple[Ticket, str]:
    ticket = instructed()
    risk_id = ticket.disclose_risk(
        concierge(), "Firmware update may brick the printer", RiskLevel.HIGH, serving=SERVING
    )
    return given(ticket), risk_id


def working() -> Ticket:
    ticket = instructed()
    ticket.start_work(concierge(), "Replace the toner unit", serving=SERVING)
    return given(ticket)


def slipped() -> Ticket:
    ticket = working()
    ticket.issue_work_slip(
        concierge(), "Toner unit replaced", Completion.COMPLETED, serving=SERVING
    )
    return given(ticket)


def given(ticket: Ticket) -> Ticket:
    """The ticket as if saved: its events so far are history, not the command's outcome."""
    ticket.collect_events()
    return ticket


def recorded(ticket: Ticket) -> list[str]:
    """The names of the events the command just recorded, in order."""
    return [type(e).__name__ for e in ticket.collect_events()]
