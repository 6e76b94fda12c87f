"""Small builders for the concierge and assignment specifications (K1–K5, C6)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.aggregates.concierge import Concierge, ConciergeKind
from domain.aggregates.concierge_assignment import ConciergeAssignment
from domain.aggregates.contract import Contract, Payment
from domain.meta import Cause, EventMeta, Role
from domain.pricing import QuoteInputs, Site, standard_quote
from domain.rates import Rates
from domain.terms import Term

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=JST)  # a Wednesday, inside base hours


def by(role: Role = Role.OPERATOR, at: datetime = NOW) -> Cause:
    """The cause of a command sent by someone of that role at that time."""
    return Cause(meta=EventMeta(f"{role}-1", role, "corr-1", "req-1"), at=at)


def later(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def contract(**clusters: str) -> Contract:
    """A contract with one 5-client site per cluster, in the given prefecture."""
    sites = tuple(
        Site(prefecture=p, city="Somewhere", cluster=c, clients=5) for c, p in clusters.items()
    )
    inputs = QuoteInputs(sites=sites or (Site("Tokyo", "Minato", "hq", 5),))
    rates = Rates()
    made = Contract.apply_for(
        by(),
        customer_name="Sakura Trading",
        inputs=inputs,
        quote=standard_quote(inputs, rates),
        rates=rates,
        term=Term.MONTHLY,
        payment=Payment.MONTHLY,
        agreed_fee=None,
        fee_reason=None,
        received_on=NOW.date(),
        requested_start=None,
        insists_mid_month=False,
    )
    made.collect_events()
    return made


def concierge(
    name: str = "Sato", regions: tuple[str, ...] = ("Tokyo",), languages: tuple[str, ...] = ("ja",)
) -> Concierge:
    made = Concierge.register(
        by(),
        name=name,
        kind=ConciergeKind.SOLE_PROPRIETOR,
        skills=("windows",),
        regions=regions,
        languages=languages,
    )
    made.collect_events()
    return made


def proposed(
    candidate: Concierge, cluster: str = "hq", of: Contract | None = None
) -> ConciergeAssignment:
    """Given: the operator proposed `candidate` for the cluster (events already collected)."""
    assignment = ConciergeAssignment.open(by(), of or contract(hq="Tokyo"), cluster, candidate)
    assignment.collect_events()
    return assignment


def interviewed(candidate: Concierge, **kwargs: object) -> ConciergeAssignment:
    """Given: proposed, and the interview is now."""
    assignment = proposed(candidate, **kwargs)  # type: ignore[arg-type]
    assignment.schedule_interview(by(), NOW)
    assignment.collect_events()
    return assignment


def serving(dedicated: Concierge, **kwargs: object) -> ConciergeAssignment:
    """Given: the customer interviewed and accepted `dedicated`."""
    assignment = interviewed(dedicated, **kwargs)
    assignment.accept(by(Role.CUSTOMER))
    assignment.collect_events()
    return assignment


def recorded(assignment: ConciergeAssignment | Concierge) -> list[str]:
    """Then: the names of the events the last command recorded."""
    return [type(e).__name__ for e in assignment.collect_events()]
