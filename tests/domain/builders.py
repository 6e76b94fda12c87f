"""Small builders for Contract specifications: given events, when a command, then events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from eventsourcing.domain import Aggregate

from domain.aggregates.contract import Contract, Payment
from domain.meta import Cause, EventMeta, Role
from domain.pricing import Plan, QuoteInputs, Site, standard_quote
from domain.rates import Rates
from domain.terms import Term

JST = ZoneInfo("Asia/Tokyo")
RATES = Rates()
# The suite's reference instant (tests/conftest.py): Wednesday 18 November 2026, 10:00 JST.
NOW = datetime(2026, 11, 18, 10, 0, tzinfo=JST)

#: A given event, built once the aggregate id and its version are known.
EventBuilder = Callable[[UUID, int], Aggregate.Event]
_NOT_FIELDS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "meta"}
)


def at(day: date, hour: int = 10) -> datetime:
    """That day at `hour` o'clock, Japan time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=JST)


def cause(
    when: datetime | date = NOW,
    *,
    actor: str = "op-tanaka",
    role: Role = Role.OPERATOR,
    correlation: str = "corr-1",
    causation: str = "req-1",
) -> Cause:
    """Who does the command, for which request, and the clock reading it is recorded at."""
    moment = when if isinstance(when, datetime) else at(when)
    return Cause(meta=EventMeta(actor, role, correlation, causation), at=moment)


def site(cluster: str = "hq", clients: int = 30, servers: int = 0, city: str = "Minato") -> Site:
    """A Tokyo office; sites with the same cluster key share one concierge (P9)."""
    return Site(prefecture="Tokyo", city=city, cluster=cluster, clients=clients, servers=servers)


def apply_for(
    *sites: Site,
    plan: Plan = Plan.standard,
    received_on: date = date(2026, 4, 1),
    by: Cause | None = None,
    **overrides: Any,
) -> Contract:
    """A freshly applied contract (pending events not yet collected)."""
    inputs = QuoteInputs(sites=sites or (site(),), plan=plan)
    arguments: dict[str, Any] = {
        "customer_name": "Sakura Trading",
        "term": Term.MONTHLY,
        "payment": Payment.MONTHLY,
        "agreed_fee": None,
        "fee_reason": None,
        "requested_start": None,
        "insists_mid_month": False,
    }
    arguments.update(overrides)
    return Contract.apply_for(
        by or cause(at(received_on)),
        inputs=inputs,
        quote=standard_quote(inputs, RATES),
        rates=RATES,
        received_on=received_on,
        **arguments,
    )


def applied(*sites: Site, **options: Any) -> Aggregate.Event:
    """The ContractApplied event of `apply_for(...)`, as the store would hold it."""
    (event,) = apply_for(*sites, **options).collect_events()
    return event


def _later(event_class: type[Aggregate.Event], when: datetime, **fields: Any) -> EventBuilder:
    """A later event of that class, recorded at `when` by the default operator."""
    def build(originator_id: UUID, version: int) -> Aggregate.Event:
        return event_class(  # type: ignore[call-arg]
            originator_id=originator_id,
            originator_version=version,
            timestamp=when,
            meta=cause(when).meta,
            **fields,
        )

    return build


def started(on: date = date(2026, 4, 1)) -> EventBuilder:
    """ContractStarted on its service start date."""
    return _later(Contract.ContractStarted, at(on, 9), started_on=on)


def cancellation_requested(end: date, received_on: date) -> EventBuilder:
    """CancellationRequested for `end`, received (and recorded) on `received_on`."""
    return _later(
        Contract.CancellationRequested,
        at(received_on),
        requested_end_date=end,
        received_on=received_on,
    )


def nda_signed(on: date = date(2026, 4, 2), reference: str = "NDA-1") -> EventBuilder:
    """NdaSigned on that day."""
    return _later(Contract.NdaSigned, at(on), signed_on=on, reference=reference)


def ended(on: date) -> EventBuilder:
    """ContractEnded with that end date."""
    return _later(Contract.ContractEnded, at(on), ended_on=on)


def given(first: Aggregate.Event, *later: EventBuilder) -> Contract:
    """The contract replayed from its history, as the repository would rebuild it."""
    contract = first.mutate(None)
    for build in later:
        contract = build(contract.id, contract.version + 1).mutate(contract)
    assert isinstance(contract, Contract)
    return contract


def then(contract: Contract) -> list[tuple[str, dict[str, Any]]]:
    """The events the command recorded, as (class name, fields without identity or meta)."""
    return [
        (type(event).__name__, {k: v for k, v in vars(event).items() if k not in _NOT_FIELDS})
        for event in contract.collect_events()
    ]


def one_event(contract: Contract) -> Aggregate.Event:
    """The single event the command recorded (with its identity and meta)."""
    (event,) = contract.collect_events()
    return event
