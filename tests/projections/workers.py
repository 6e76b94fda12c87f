"""Driving `econcierge worker projections` as real processes, for the PostgreSQL drills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.liability import ClaimKind, FindingKind
from domain.meta import Cause, EventMeta, Role
from domain.pricing import Plan
from domain.tickets_values import Channel, Completion, RiskLevel, Urgency, WorkKind
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.election import active_runners
from projections.positions import read
from tests.projections.billing_world import World, jst

ROOT = Path(__file__).resolve().parents[2]

#: The contracts' terms, in turn: every billing case a worker meets (P1, P10, P11, P12).
TERMS: tuple[dict[str, Any], ...] = (
    {},
    {"plan": Plan.two_tier, "sites": (("Tokyo", "hq", 40, 0),)},
    {"monthly_report": True},
    {"team_response": True, "sites": (("Tokyo", "hq", 30, 0),)},
)
#: A bulk ticket's visit, in turn: (weekday wanted, Japan time, hours): a weekday in base
#: hours, a Saturday, a weekday evening, a Sunday (O1: all but the first are off hours).
VISITS = ((0, "10:00", 2), (5, "10:00", 1), (2, "19:00", 1), (6, "14:00", 1))


#: Contracts of `many_events`, and their bulk tickets (a fifth of them never visited).
CONTRACTS, TICKETS_PER_CONTRACT = 12, 40


def many_events(
    service: EConcierge,
    contracts: int = CONTRACTS,
    tickets_per_contract: int = TICKETS_PER_CONTRACT,
) -> None:
    """A realistic store of more than 3,000 events, made fast: contracts applied for,
    staffed with accepted concierges and started, by the commands (K4, C6); then, saved in
    bulk per contract, tickets made by the same domain methods the commands call (every
    rule checked): opened and instructed (O5), a visit in or out of base hours (O1), a
    high risk disclosed and acknowledged (O6), the work and its slip (O7), resolved, or
    left open for the dispatch board (O3); then by the commands a liability claim with a
    finding on every fourth contract (L2, L3), December closed (P14) and a visit of
    December logged late (an adjustment on January's statement)."""
    assert isinstance(service.clock, FixedClock)
    world = World(service, service.clock)
    desks = [world.in_service(f"Customer {n}", **TERMS[n % len(TERMS)]) for n in range(contracts)]
    for contract_id, concierge in desks:
        service.save(*_bulk_tickets(service, contract_id, concierge, tickets_per_contract))
    world.at("2026-12-28 09:00")
    late = []
    for n, (contract_id, concierge) in enumerate(desks[::4]):
        ticket = world.instructed(contract_id)
        world.risky_work(ticket, concierge, acknowledge=True)
        claim = service.file_liability_claim(
            world.operator(), ticket, ClaimKind.DAMAGE, "Settings lost after the reinstall"
        ).id
        service.record_liability_finding(
            world.operator(), claim, FindingKind.NEGLIGENCE_FOUND, bool(n % 2), "assessed"
        )
        late.append((ticket, concierge))
    world.close_months("2026-12")
    world.at("2027-01-05 10:00")
    for ticket, concierge in late:
        world.visit(ticket, concierge, "2026-12-29 19:00")  # off hours, logged after the close


def _bulk_tickets(
    service: EConcierge, contract_id: UUID, concierge: UUID, count: int
) -> list[Ticket]:
    contract = service.repository.get(contract_id)
    serving = service.concierges_serving(contract_id, "hq")

    def cause(role: Role, at: datetime) -> Cause:
        actor = str(concierge) if role is Role.CONCIERGE else "cust-yamada"
        return Cause(meta=EventMeta(actor, role, "corr-bulk", "req-bulk"), at=at)

    tickets = []
    for k in range(count):
        weekday, start, hours = VISITS[k % len(VISITS)]
        day = date(2026, 12, 1) + timedelta(days=k % 21)
        day += timedelta(days=(weekday - day.weekday()) % 7)  # in December, that weekday
        arrival = jst(f"{day} {start}")
        departure = arrival + timedelta(hours=hours)
        opened = arrival - timedelta(hours=1)
        ticket = Ticket.open(
            cause(Role.CUSTOMER, opened), contract=contract, cluster="hq",
            kind=WorkKind.TROUBLE, urgency=(Urgency.NORMAL, Urgency.HIGH)[k % 2],
            channel=Channel.BUSINESS_MOBILE, summary=f"Printer {k} does not print",
            serving=serving,
        )  # fmt: skip
        ticket.instruct(cause(Role.CUSTOMER, opened), "Please fix it")
        if k % 5 == 4:
            tickets.append(ticket)  # not visited yet: on the dispatch board
            continue
        done = cause(Role.CONCIERGE, departure)
        ticket.log_visit(done, arrival, departure, calendar=service.holidays, serving=serving)
        risk = ticket.disclose_risk(done, "Data may be lost", RiskLevel.HIGH, serving=serving)
        ticket.acknowledge_risk(cause(Role.CUSTOMER, departure), risk)
        ticket.start_work(done, "Reinstall the driver", risk_ids=(risk,), serving=serving)
        ticket.issue_work_slip(done, "Driver reinstalled", Completion.COMPLETED, serving=serving)
        if k % 5 != 3:
            ticket.resolve(done, serving=serving)
        tickets.append(ticket)
    return tickets


class Worker:
    """One `econcierge worker projections` process on the test's schema."""

    def __init__(self, settings: Settings, log: Path, batch_size: int = 25) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ECONCIERGE_DATABASE_URL": settings.database_url or "",
            "ECONCIERGE_DB_SCHEMA": settings.db_schema or "",
            "ECONCIERGE_DATA_DIR": str(settings.data_dir),
        }
        command = [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "worker",
            "projections",
        ]
        command += ["--batch-size", str(batch_size), "--poll-interval", "0.1"]
        self.log = log
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(15)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def position(service: EConcierge) -> int:
    """How far every view has come: the smallest of their positions."""
    with views_of(service).read() as tx:
        return min(read(tx, view.name) for view in VIEWS)


def active_pid(service: EConcierge) -> int | None:
    """The OS pid of the worker holding the audit view's election lock."""
    runner = active_runners(views_of(service), ["audit"]).get("audit")
    return int(runner.rsplit(":", 1)[1]) if runner else None


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    why: str,
    poll: float = 0.01,
    logs: Callable[[], str] | None = None,
) -> None:
    """Poll `condition` until it holds; on time-out fail with `why` (and the workers' logs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = f"\n--- worker log ---\n{logs()}" if logs else ""
            raise AssertionError(f"timed out waiting until {why}{shown}")
        time.sleep(poll)
