"""Filling a store with realistic events: the command mix on several threads until N
(`fill`), or the same events made by the aggregates and saved in bulk (`fill_bulk`)."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from uuid import uuid4

from domain.aggregates.ticket import Ticket
from domain.meta import Cause, EventMeta
from domain.tickets_values import Channel, RiskLevel, Urgency, WorkKind
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.benchmarks import world


def desk_of(service: EConcierge, clock: FixedClock) -> world.Desk:
    """The contract in service of this store (made once)."""
    return world.contract_in_service(service, clock)


def fill(desk: world.Desk, events: int, threads: int = 4) -> float:
    """Run the command mix until the log holds at least `events`; returns seconds taken."""
    service = desk.service
    ops = [world.command_mix(desk, desk.ready_ticket(), fresh_every=40) for _ in range(threads)]
    stop = threading.Event()

    def loop(op: world.Operation) -> None:
        checked = 0
        while not stop.is_set():
            op()
            checked += 1
            if checked % 50 == 0 and (service.recorder.max_notification_id() or 0) >= events:
                stop.set()

    began = time.perf_counter()
    workers = [threading.Thread(target=loop, args=(op,), daemon=True) for op in ops]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - began


ROUNDS = 40  # rounds of the mix on one ticket before the next (as `fill`'s fresh_every)


def fill_bulk(desk: world.Desk, events: int, per_save: int = 5_000) -> float:
    """Append the command mix's events straight through the aggregates, about `per_save`
    events per save (one transaction), until the log holds at least `events`; seconds taken.

    The same events as `fill` (tickets opened and instructed, then rounds of: another ticket
    opened, a visit logged, a risk disclosed and acknowledged), made by the same aggregate
    methods and stored by the same mapper (hash chain, sealed personal fields) in the same
    log, without the command path's per-command load and commit, and without snapshots:
    loading runs several times faster than the commands.
    """
    service = desk.service
    contract = service.repository.get(desk.contract_id)
    serving = service.concierges_serving(desk.contract_id, "hq")
    concierge = desk.concierge().meta
    at = service.clock.now()
    later = at + timedelta(hours=1)  # visits start at the opening and have ended by then (O1, O3)

    def cause(meta: EventMeta, when: datetime = at) -> Cause:
        return Cause(meta=EventMeta(meta.actor_id, meta.actor_role, f"corr-{uuid4().hex[:8]}",
                                    meta.causation_id), at=when)  # fmt: skip

    def opened() -> Ticket:
        return Ticket.open(
            cause(world.customer().meta), contract=contract, cluster="hq", kind=WorkKind.TROUBLE,
            urgency=Urgency.NORMAL, channel=Channel.BUSINESS_MOBILE,
            summary="The office printer does not print", serving=serving,
        )  # fmt: skip

    began = time.perf_counter()
    while (stored := service.recorder.max_notification_id() or 0) < events:
        pending: list[Ticket] = []
        count = 0
        while count < min(per_save, events - stored):
            ticket = opened()
            ticket.instruct(cause(world.customer().meta), "Please fix the printer")
            for n in range(ROUNDS):
                pending.append(opened())
                ticket.log_visit(cause(concierge, later), at, at + world.STEP,
                                 calendar=service.holidays, serving=serving)  # fmt: skip
                ticket.disclose_risk(cause(concierge), "Data may be lost", RiskLevel.LOW,
                                     serving=serving)  # fmt: skip
                ticket.acknowledge_risk(cause(world.customer().meta), f"risk-{n + 1}")
            pending.append(ticket)
            count += 2 + 4 * ROUNDS
        # What `save` appends, without its snapshots (a separate table no view reads).
        recorded = [event for ticket in pending for event in ticket.collect_events()]
        service.recorder.insert_events([service.mapper.to_stored_event(e) for e in recorded])
    return time.perf_counter() - began
