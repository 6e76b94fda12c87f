"""Data for the command benchmarks: a contract in service, tickets, and the command mix.

Everything is made through the application service (the same sequence as
tests/e2e/test_ticket_life.py): register a concierge, apply for a contract, propose,
interview and accept the concierge, start the contract, then open and instruct tickets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

from domain.aggregates.concierge import ConciergeKind
from domain.aggregates.concierge_assignment import assignment_id
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from domain.tickets_values import RiskLevel, WorkKind
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from infra.services.concierges import ConciergeProfile
from infra.services.contracts import ContractApplication
from infra.services.tickets import TicketRequest

#: Wednesday 18 Nov 2026: the contract is applied for; it is in service from 1 Dec.
APPLIED = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
#: Thursday 3 Dec 2026, 12:00: commands run from this reading on.
IN_SERVICE = datetime(2026, 12, 3, 12, 0, tzinfo=JST)
CUSTOMER = "cust-bench"
#: How far the benchmarks' clock moves at each reading (SteppingClock).
STEP = timedelta(milliseconds=1)


class SteppingClock(FixedClock):
    """A fixed clock that moves one STEP forward at each reading.

    Time in the benchmarks never stands still, so a visit logged after its ticket was
    opened can start at the opening and end before the command logging it (rules O1, O3),
    whatever the threads interleave. `set` and `advance` move the base, as FixedClock's.
    """

    def __init__(self, at: datetime) -> None:
        super().__init__(at)
        self._steps = itertools.count()

    def now(self) -> datetime:
        return super().now() + STEP * next(self._steps)  # itertools.count: thread-safe

    def today(self) -> date:
        return self.now().date()


def ctx(actor: str, role: Role) -> CommandContext:
    return CommandContext(meta=EventMeta(actor, role, f"corr-{uuid4().hex[:8]}", "bench"))


def operator() -> CommandContext:
    return ctx("op-bench", Role.OPERATOR)


def customer() -> CommandContext:
    return ctx(CUSTOMER, Role.CUSTOMER)


@dataclass
class Desk:
    """A contract in service on cluster "hq", its concierge, and tickets ready for work."""

    service: EConcierge
    contract_id: UUID
    concierge_id: UUID
    tickets: list[UUID] = field(default_factory=list)

    def concierge(self) -> CommandContext:
        return ctx(str(self.concierge_id), Role.CONCIERGE)

    def open_ticket(self) -> UUID:
        request = TicketRequest(
            contract_id=self.contract_id, cluster="hq", kind=WorkKind.TROUBLE,
            summary="The office printer does not print",
        )  # fmt: skip
        return self.service.open_ticket(customer(), request).id

    def ready_ticket(self) -> UUID:
        """An opened and instructed ticket (visits may be logged on it, O5)."""
        ticket_id = self.open_ticket()
        self.service.instruct_work(customer(), ticket_id, "Please fix the printer")
        self.tickets.append(ticket_id)
        return ticket_id

    def log_visit(self, ticket_id: UUID, arrival: datetime) -> None:
        """A visit from `arrival` (not before the opening, O3) to one STEP later (O1)."""
        self.service.log_visit(self.concierge(), ticket_id, arrival, arrival + STEP)


def contract_in_service(service: EConcierge, clock: FixedClock, applied: datetime = APPLIED,
                        in_service: datetime = IN_SERVICE) -> Desk:  # fmt: skip
    """Apply, staff and start a contract (C6, K4), then move the clock into service."""
    clock.set(applied)
    s = service
    profile = ConciergeProfile(name="Sato", kind=ConciergeKind.SOLE_PROPRIETOR, regions=("Tokyo",))
    concierge_id = s.register_concierge(operator(), profile).id
    application = ContractApplication(
        customer_name="Sakura Trading",
        quote=QuoteInputs(sites=(Site("Tokyo", "Somewhere", "hq", 10, 1),)),
    )
    contract_id = s.apply_for_contract(operator(), application).id
    s.propose_concierge(operator(), contract_id, "hq", concierge_id)
    assignment = assignment_id(contract_id, "hq")
    s.schedule_interview(operator(), assignment, clock.now())
    s.accept(customer(), assignment)
    s.start_contract(operator(), contract_id)
    clock.set(in_service)
    return Desk(service, contract_id, concierge_id)


Operation = Callable[[], None]


def command_mix(desk: Desk, ticket_id: UUID, fresh_every: int | None = None) -> Operation:
    """The benchmark's mix on a thread's own ticket, one command per call, in turn:

    open a ticket, log a visit, disclose a risk, acknowledge it (O6 needs one disclosed).
    `fresh_every`: move to a new ticket after that many rounds (bulk loading: a real
    ticket holds tens of events, and a cached ticket is deep-copied on every load).
    """
    if fresh_every:
        return _rotating(desk, ticket_id, fresh_every)
    ticket = desk.service.get_ticket(ticket_id)
    opened_at = ticket.opened_at  # the clock has moved since: a visit from then has ended
    risks = itertools.count(len(ticket.risks) + 1)
    concierge = desk.concierge()

    def open_() -> None:
        desk.open_ticket()

    def visit() -> None:
        desk.log_visit(ticket_id, opened_at)

    def disclose() -> None:
        desk.service.disclose_risk(concierge, ticket_id, "Data may be lost", RiskLevel.LOW)

    def acknowledge() -> None:
        desk.service.acknowledge_risk(customer(), ticket_id, f"risk-{next(risks)}")

    steps = itertools.cycle((open_, visit, disclose, acknowledge))
    return lambda: next(steps)()


def _rotating(desk: Desk, ticket_id: UUID, rounds: int) -> Operation:
    calls = itertools.count(1)
    current = [command_mix(desk, ticket_id)]

    def call() -> None:
        current[0]()
        if next(calls) % (4 * rounds) == 0:
            current[0] = command_mix(desk, desk.ready_ticket())

    return call
