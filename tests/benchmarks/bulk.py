"""Filling a store fast and realistically: many contracts, tickets saved in bulk.

The command mix (tests/benchmarks/loader.py `fill`) writes one command per transaction,
as users do: about a thousand events a second here, so a store of a million events would
take a quarter of an hour. Benchmarks that need a *large store* (memory, flat cost) fill
it here instead, shaped like a provider's store: many contracts in service (a real one
serves thousands of small companies), each with tens of tickets, each ticket with the
mix's life (opened, instructed, visits, risks disclosed and acknowledged) made by the same
domain methods, so every rule is checked and every event is a real one. `service.save`
stores a few hundred tickets per transaction, hash-chained and sealed like any other.
(A single contract with a hundred thousand tickets would be no provider's store, and
would make the billing view recompute one enormous statement on every batch.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket
from domain.tickets_values import Channel, RiskLevel, Urgency, WorkKind
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.benchmarks import world

#: Events per ticket written by `ticket_life` (opened, instructed, 4 visits, 2 risks, 2 answers).
EVENTS_PER_TICKET = 10
#: A contract's tickets in the store (a few years of a small company's requests).
TICKETS_PER_CONTRACT = 50
TICKETS_PER_SAVE = 200
#: Risks each bulk ticket has disclosed (the next one a client discloses is risk-3).
RISKS_PER_TICKET = 2

#: Called after each saved batch with (events in the log, target).
Progress = Callable[[int, int], None]


@dataclass
class Fleet:
    """Contracts in service (each a `world.Desk`) and the bulk tickets of each."""

    service: EConcierge
    clock: FixedClock
    applied: datetime
    in_service: datetime
    desks: list[world.Desk] = field(default_factory=list)
    tickets: dict[UUID, list[UUID]] = field(default_factory=dict)  # contract -> tickets
    filled: int = 0  # desks before this one have their TICKETS_PER_CONTRACT tickets

    def add_contract(self) -> world.Desk:
        desk = world.contract_in_service(self.service, self.clock, self.applied, self.in_service)
        self.desks.append(desk)
        self.tickets[desk.contract_id] = []
        return desk


def fleet_of(service: EConcierge, clock: FixedClock, applied: datetime = world.APPLIED,
             in_service: datetime = world.IN_SERVICE) -> Fleet:  # fmt: skip
    return Fleet(service, clock, applied, in_service)


def ticket_life(desk: world.Desk, contract: Contract, serving: frozenset[str], n: int) -> Ticket:
    """One ticket with EVENTS_PER_TICKET events, as the command mix would leave it."""
    service = desk.service
    customer = service.cause(world.customer())
    # The visits start at the opening and have ended when they are logged (O1, O3).
    concierge = service.cause(desk.concierge(), customer.at + timedelta(hours=1))
    answering = service.cause(world.customer(), concierge.at)
    ticket = Ticket.open(
        customer, contract=contract, cluster="hq", kind=WorkKind.TROUBLE,
        urgency=Urgency.NORMAL, channel=Channel.BUSINESS_MOBILE,
        summary="The office printer does not print", serving=serving,
    )  # fmt: skip
    ticket.instruct(customer, "Please fix the printer")
    for k in range(4):
        arrival = customer.at + timedelta(minutes=10 * k)
        ticket.log_visit(concierge, arrival, arrival + timedelta(minutes=5),
                         calendar=service.holidays, serving=serving)  # fmt: skip
        if k < RISKS_PER_TICKET:
            ticket.disclose_risk(concierge, "Data may be lost", RiskLevel.LOW, serving=serving)
            ticket.acknowledge_risk(answering, f"risk-{k + 1}")
    return ticket


def grow(fleet: Fleet, events: int, on_progress: Progress | None = None) -> list[UUID]:
    """Add contracts and tickets until the log holds at least `events`; the new tickets."""
    service = fleet.service
    made: list[UUID] = []
    head = service.recorder.max_notification_id() or 0
    while head < events:
        wanted = min(TICKETS_PER_SAVE, -(-(events - head) // EVENTS_PER_TICKET))
        batch: list[Ticket] = []
        while len(batch) < wanted:
            desk = _desk_with_room(fleet)
            contract = service.load(Contract, desk.contract_id)
            serving = service.concierges_serving(desk.contract_id, "hq")
            own = fleet.tickets[desk.contract_id]
            for _ in range(min(wanted - len(batch), TICKETS_PER_CONTRACT - len(own))):
                ticket = ticket_life(desk, contract, serving, len(made) + len(batch))
                own.append(ticket.id)
                batch.append(ticket)
        service.save(*batch)
        made.extend(t.id for t in batch)
        head = service.recorder.max_notification_id() or 0
        if on_progress:
            on_progress(head, events)
    return made


def _desk_with_room(fleet: Fleet) -> world.Desk:
    """The first contract with fewer than TICKETS_PER_CONTRACT tickets (a new one if none)."""
    while fleet.filled < len(fleet.desks):
        desk = fleet.desks[fleet.filled]
        if len(fleet.tickets[desk.contract_id]) < TICKETS_PER_CONTRACT:
            return desk
        fleet.filled += 1
    return fleet.add_contract()
