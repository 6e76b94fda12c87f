"""What the event store holds after a drill, read back through the service's own mapper."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.aggregates.contract import Contract
from infra.bootstrap import EConcierge, build
from infra.idempotency import IdempotencyRecord
from infra.settings import Settings


def all_events(service: EConcierge) -> list[Any]:
    """Every stored domain event, in log order."""
    events: list[Any] = []
    start = 1
    while batch := service.recorder.select_notifications(start=start, limit=1_000):
        events += [service.mapper.to_domain_event(n) for n in batch]
        start = batch[-1].id + 1
    return events


def aggregate_events(database_url: str, aggregate_id: str | UUID) -> list[Any]:
    """One aggregate's stored events, in version order."""
    service = build(Settings(database_url=database_url, db_pool_size=2))
    try:
        return list(service.repository.event_store.get(UUID(str(aggregate_id))))
    finally:
        service.close()


@dataclass
class Stored:
    """The contracts the drill created (by customer name) and the idempotency records."""

    contracts_by_name: Counter[str]
    contract_ids: set[UUID]
    remembered: dict[UUID, int]  # contract id -> idempotency records pointing at it
    versions: dict[UUID, int]  # contract id -> its last stored version


def read_store(database_url: str) -> Stored:
    service = build(Settings(database_url=database_url, db_pool_size=2))
    try:
        names: Counter[str] = Counter()
        ids: set[UUID] = set()
        remembered: Counter[UUID] = Counter()
        versions: dict[UUID, int] = {}
        for event in all_events(service):
            if isinstance(event, Contract.ContractApplied):
                names[event.customer_name] += 1
                ids.add(event.originator_id)
            elif isinstance(event, IdempotencyRecord.RequestRemembered):
                remembered[event.aggregate_id] += 1
            if type(event).__qualname__.startswith("Contract."):
                versions[event.originator_id] = event.originator_version
        return Stored(names, ids, dict(remembered), versions)
    finally:
        service.close()


@dataclass
class Figures:
    """The line a drill prints: what was sent, answered, and found afterwards."""

    drill: str
    sent: int
    acknowledged: int
    found: int
    lost: int
    doubled: int
    half_applied: int
    answers_5xx: int
    recovery_s: float | None
    extra: str = ""

    def line(self) -> str:
        recovery = "-" if self.recovery_s is None else f"{self.recovery_s:.2f}"
        return (
            f"DRILL {self.drill}: sent={self.sent} acknowledged={self.acknowledged} found={self.found} "
            f"lost={self.lost} doubled={self.doubled} half_applied={self.half_applied} "
            f"5xx={self.answers_5xx} recovery_s={recovery}"
            + (f" {self.extra}" if self.extra else "")
        )


def contract_figures(
    drill: str, load: Any, stored: Stored, *, recovery: float | None, extra: str = ""
) -> Figures:
    """Figures for a load of contract applications (customer name = the command's key)."""
    acked = load.acked()
    found = sum(1 for c in acked if stored.contracts_by_name[c.key] >= 1)
    sent_names = {c.key for c in load.commands}
    doubled = sum(1 for name in sent_names if stored.contracts_by_name[name] > 1)
    # Every drill command carries a key: a contract without exactly one record is half-applied.
    half = sum(1 for cid in stored.contract_ids if stored.remembered.get(cid, 0) != 1)
    half += sum(1 for cid in stored.remembered if cid not in stored.contract_ids)
    return Figures(
        drill=drill,
        sent=len(load.commands),
        acknowledged=len(acked),
        found=found,
        lost=len(acked) - found,
        doubled=doubled,
        half_applied=half,
        answers_5xx=load.count_status(lambda s: s >= 500),
        recovery_s=recovery,
        extra=extra,
    )
