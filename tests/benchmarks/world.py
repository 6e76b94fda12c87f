"""Data for the command benchmarks: a contract in service, tickets, and the command mix.

Everything is made through the application service (the same sequence as
tests/e2e/test_ticket_life.py): register a concierge, apply for a contract, propose,
interview and accept the concierge, start the contract, then open and instruct tickets.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
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
#: Thursday 3 Dec 2026, 12:00: commands run at this reading (visits end before it).
IN_SERVICE = datetime(2026, 12, 3, 12, 0, tzinfo=JST)
CUSTOMER = "cust-bench"


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

    def log_visit(self, ticket_id: UUID, end: datetime) -> None:
        """A one-hour visit ending at `end` (in the past of the clock, O1)."""
        self.service.log_visit(self.concierge(), ticket_id, end - timedelta(hours=1), end)


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
    visits = itertools.count()
    base = IN_SERVICE - timedelta(hours=1)
    risks = itertools.count(len(desk.service.get_ticket(ticket_id).risks) + 1)
    concierge = desk.concierge()

    def open_() -> None:
        desk.open_ticket()

    def visit() -> None:
        # Visits end in the past of the clock; a second apart so each is distinct.
        desk.log_visit(ticket_id, base - timedelta(seconds=next(visits)))

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
