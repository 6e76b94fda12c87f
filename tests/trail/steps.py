"""Steps of the trail specifications: a small recorded history, then look at the trail."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from infra.bootstrap import EConcierge
from infra.checkpoints import Checkpoint, seal
from infra.verify import Break, Report, verify
from tests.projections.steps import apply_contract, ctx
from tests.trail.store_sql import StoredRows

FEE_REASON = "Agreed by phone with Yamada Taro (090-1234-5678)"


@dataclass
class History:
    """Two contracts, three events each, recorded alternately (positions interleave)."""

    first: UUID
    second: UUID
    rows: StoredRows

    def positions_of(self, aggregate_id: UUID) -> list[int]:
        return [row[0] for row in self.rows.rows() if row[1] == aggregate_id]


def record_history(service: EConcierge) -> History:
    first = apply_contract(service, "Sakura Trading").id
    second = apply_contract(service, "Kaede Design").id
    for contract_id in (first, second):
        service.record_client_count(ctx(), contract_id, "hq", 35, 1)
    for contract_id in (first, second):
        service.renegotiate_fee(ctx(), contract_id, 90_000, FEE_REASON, None)
    return History(first, second, StoredRows(service))


def sealed(service: EConcierge) -> Checkpoint:
    checkpoint = seal(service)
    assert checkpoint is not None
    return checkpoint


def first_break(service: EConcierge, **options: object) -> Break:
    report = verify(service, **options)  # type: ignore[arg-type]
    assert not report.ok, "the tampering went unnoticed"
    return report.breaks[0]


def verified(service: EConcierge, **options: object) -> Report:
    report = verify(service, **options)  # type: ignore[arg-type]
    assert report.ok, report.breaks
    return report
