"""Steps of the snapshot specifications: a ticket living a whole life, and exact comparisons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.meta import Role
from domain.tickets_values import (
    Channel,
    Completion,
    ReferralTarget,
    RiskLevel,
    ServiceScope,
    Urgency,
    WorkKind,
)
from infra.bootstrap import EConcierge
from infra.replay import project_events
from tests.domain.tickets_given import (
    BACKUP,
    NOW,
    SERVING,
    FakeHolidays,
    cause,
    concierge,
    contract,
    customer,
    operator,
)

SECRETS = ("Yamada Taro", "090-1234-5678")
CALENDAR = FakeHolidays()


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def _visit(t: Ticket, hours: float, arrival: float, note: str | None = None) -> None:
    t.log_visit(concierge(at=at(hours)), at(arrival), at(arrival + 1), calendar=CALENDAR,
                serving=SERVING, note=note)  # fmt: skip


# fmt: off
#: Every kind of ticket event, in a life that is allowed (O5, O6, O7, S6, X1, X2, O8, O3).
LIFE: list[Callable[[Ticket], Any]] = [
    lambda t: t.instruct(customer(at(1)), f"Please call {SECRETS[0]} ({SECRETS[1]}) first"),
    lambda t: t.record_missed_response_target(cause(Role.SYSTEM, "scheduler", at(25))),
    lambda t: t.classify(concierge(at=at(26)), ServiceScope.EXTRA, reason_code=None, reason=None,
                         serving=SERVING),
    lambda t: t.disclose_risk(concierge(at=at(26)), "Firmware update may brick it", RiskLevel.HIGH,
                              serving=SERVING),
    lambda t: t.acknowledge_risk(customer(at(26.5)), "risk-1"),
    lambda t: t.disclose_risk(concierge(at=at(26.5)), "Jams may recur", RiskLevel.LOW, serving=SERVING),
    lambda t: t.start_work(concierge(at=at(27)), "Update the firmware", serving=SERVING),
    lambda t: _visit(t, 29, 27, note=f"Met {SECRETS[0]}"),
    lambda t: _visit(t, 30, 10),  # Wednesday 20:00-21:00: off hours, and the first arrival (O3)
    lambda t: t.place_vendor_call(concierge(at=at(30)), "Canon", "MF-1", reference="R-77",
                                  serving=SERVING),
    lambda t: t.dispatch_backup(operator(at(30)), BACKUP, serving=SERVING, reason="Sato is ill"),
    lambda t: t.quote_extra_work(concierge(at=at(31)), "Replace every PC", 500_000, serving=SERVING),
    lambda t: t.refer_extra_work(concierge(at=at(31)), ReferralTarget.CONCIERGE_DIRECT,
                                 "Rebuild the network", serving=SERVING, amount=200_000),
    lambda t: t.refer_extra_work(operator(at(31)), ReferralTarget.ANOTHER_VENDOR, "A VPN",
                                 serving=SERVING, vendor_name="NetCo"),
    lambda t: t.record_sale(concierge(at=at(32)), "Toner", 8_800, quantity=2, serving=SERVING),
    lambda t: t.issue_work_slip(concierge(at=at(32)), "Firmware 2.1 installed",
                                Completion.COMPLETED, serving=SERVING),
    lambda t: t.disclose_risk(concierge(at=at(33)), "Data may be lost", RiskLevel.HIGH,
                              serving=SERVING),
    lambda t: t.decline_risk(customer(at(33)), "risk-3", reason=f"Ask {SECRETS[0]} first"),
    lambda t: t.start_work(concierge(at=at(34)), "Replace the roller", risk_ids=("risk-2",),
                           serving=SERVING),
    lambda t: t.waive_work_slip(concierge(at=at(34)), "Five minutes of work", serving=SERVING),
    lambda t: t.classify(operator(at(35)), ServiceScope.DAILY, reason_code=None,
                         reason=f"Agreed with {SECRETS[0]}", serving=SERVING),
    lambda t: t.resolve(concierge(at=at(36)), serving=SERVING, note="Prints again"),
]
# fmt: on


def live_a_whole_life(service: EConcierge) -> UUID:
    """A ticket opened, worked, paperworked and resolved; saved after each command."""
    ticket = Ticket.open(
        customer(), contract=contract(), cluster="hq", kind=WorkKind.TROUBLE,
        urgency=Urgency.HIGH, channel=Channel.BUSINESS_MOBILE,
        summary=f"PC will not boot; call {SECRETS[0]} on {SECRETS[1]}", serving=SERVING,
    )  # fmt: skip
    service.save(ticket)
    for step in LIFE:
        step(ticket)
        service.save(ticket)
    return ticket.id


def replayed(service: EConcierge, aggregate_id: UUID, version: int | None = None) -> Any:
    """The aggregate from every one of its events (no snapshot, no cache)."""
    return project_events(None, service.events.get(aggregate_id, lte=version))


def exactly(aggregate: Any) -> dict[str, tuple[type, str]]:
    """Its state, field by field, with each value's type and repr (tz offsets, enums, order)."""
    return {
        name: (type(value), repr(sorted(value)) if isinstance(value, frozenset) else repr(value))
        for name, value in vars(aggregate).items()
        if name != "_pending_events"
    }


def snapshot_versions(service: EConcierge, aggregate_id: UUID) -> list[int]:
    assert service.snapshots is not None
    return [s.originator_version for s in service.snapshots.recorder.select_events(aggregate_id)]
