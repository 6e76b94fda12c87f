"""A view rebuilt from zero equals the view built incrementally, batch after batch."""

from __future__ import annotations

from datetime import date

import pytest

from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections import positions
from projections.audit import AuditView
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up, head, process_batch, rebuild, status
from projections.store import ViewStore
from tests.projections.steps import apply_contract, ctx, note_on


def snapshot(store: ViewStore) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every view table, in a stable order."""
    with store.read() as tx:
        return {
            table: tx.fetchall(f"SELECT * FROM {table} ORDER BY 1")
            for view in VIEWS
            for table in view.tables
        }


def _history(service: EConcierge, clock: FixedClock, run: int = 0) -> None:
    for n in range(3):
        contract = apply_contract(service, f"Customer {run}-{n}", key=f"k{run}-{n}")
        note_on(service, contract.id)
        clock.advance(hours=5)
        service.record_client_count(ctx("op-sato"), contract.id, "hq", 40 + n, 1)
        service.sign_nda(ctx(), contract.id, date(2026, 11, 18), f"NDA-{n}")


def test_a_rebuild_from_zero_equals_the_incremental_view(
    service: EConcierge, clock: FixedClock
) -> None:
    store, view = views_of(service), AuditView()
    _history(service, clock)
    runs = 0
    while process_batch(service, store, view, limit=3) is not None:  # small batches, one by one
        if runs < 2:  # events keep arriving meanwhile
            runs += 1
            _history(service, clock, runs)
    incremental = snapshot(store)

    rebuild(service, store, view)

    assert snapshot(store) == incremental
    assert sum(len(rows) for rows in incremental.values()) > 0


def test_a_rebuild_reports_its_progress_up_to_the_head(
    service: EConcierge, clock: FixedClock
) -> None:
    _history(service, clock)
    reported: list[tuple[int, int]] = []

    final = rebuild(
        service,
        views_of(service),
        AuditView(),
        batch_size=5,
        on_progress=lambda p, h: reported.append((p, h)),
    )

    assert final == head(service) == reported[-1][0]
    assert [p for p, _ in reported] == sorted(p for p, _ in reported) and len(reported) > 2


def test_a_new_view_version_drops_and_rebuilds_its_tables(
    service: EConcierge, clock: FixedClock
) -> None:
    store = views_of(service)
    _history(service, clock)
    catch_up(service, store, AuditView())
    built = snapshot(store)

    class AuditV2(AuditView):
        version = AuditView.version + 1

    positions.ensure(store, AuditV2())
    assert status(service, store, [AuditV2()])[0].position == 0
    catch_up(service, store, AuditV2())
    assert snapshot(store) == built


def test_an_older_release_never_rebuilds_a_newer_view(service: EConcierge) -> None:
    store = views_of(service)

    class AuditV2(AuditView):
        version = AuditView.version + 1

    positions.ensure(store, AuditV2())

    with pytest.raises(positions.NewerViewVersion):
        positions.ensure(store, AuditView())


def test_batches_grow_while_a_view_is_behind_and_shrink_once_it_has_caught_up(
    service: EConcierge, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from projections.runner import GROWTH_LIMIT, Batches

    for run in range(5):
        _history(service, clock, run)  # about 60 events
    store, view = views_of(service), AuditView()
    positions.ensure(store, view)
    asked: list[int] = []
    select = service.recorder.select_notifications

    def counted(start: int, limit: int, *args: object, **kwargs: object) -> object:
        asked.append(limit)
        return select(start, limit, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service.recorder, "select_notifications", counted)
    batches = Batches(service, store, view, 2)
    while batches.next() is not None:
        pass

    assert asked[:5] == [2, 4, 8, 16, 32]  # each full batch: twice the size
    assert max(asked) == 2 * GROWTH_LIMIT  # never more than the limit allows
    assert batches.size == 2  # the log is empty: back to the base size
    with store.read() as tx:
        assert positions.read(tx, view.name) == head(service)
