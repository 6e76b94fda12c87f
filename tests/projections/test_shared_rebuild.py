"""One rebuild of every view from a single read of the log (projections/rebuild.py) gives the
same rows as each view built live, batch by batch; readers keep the old views until the new
ones are swapped in; an interrupted rebuild leaves the live views as they were."""

from __future__ import annotations

from datetime import date

import pytest

from domain.liability import ClaimKind, FindingKind
from domain.pricing import Plan
from domain.tickets_values import Completion, ReferralTarget, Urgency
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections import positions, rebuild
from projections.catalog import VIEWS, views_of
from projections.rebuild import rebuild_views
from projections.runner import head, process_batch
from projections.runner import rebuild as rebuild_one
from projections.store import PostgresViewStore, SQLiteViewStore, ViewStore
from projections.supervisor import start_projections
from tests.projections.billing_world import World
from tests.projections.steps import apply_contract, note_on
from tests.projections.workers import wait_until

Rows = dict[str, list[tuple[object, ...]]]


def rows(store: ViewStore) -> Rows:
    """Every row of every view table, sorted (ties in any column order compare equal)."""
    with store.read() as tx:
        return {
            table: sorted(tx.fetchall(f"SELECT * FROM {table}"), key=repr)
            for view in VIEWS
            for table in view.tables
        }


def tracked(store: ViewStore) -> dict[str, int]:
    with store.read() as tx:
        return {view.name: positions.read(tx, view.name) for view in VIEWS}


def live(service: EConcierge, limit: int = 3) -> None:
    """Every view caught up the way a runner does it: small batches, one after the other."""
    store = views_of(service)
    for view in VIEWS:
        positions.ensure(store, view)
        while process_batch(service, store, view, limit=limit) is not None:
            pass


def varied_log(world: World) -> None:
    """Contracts, staffing, tickets of every urgency, visits, risks, backups, a team member
    who comes and goes, extra and Second work, slips, closed tickets, liability claims with
    findings, month closes, a late visit, a cancellation, a fee change, a foreign aggregate
    and idempotent commands (whose bookkeeping events views skip)."""
    service = world.service
    first, concierge = world.in_service("Sakura Trading", monthly_report=True)
    second, other = world.in_service("Kaede Design", plan=Plan.two_tier)
    world.at("2026-12-02 09:00")
    tickets = [world.ticket(first, urgency=urgency) for urgency in Urgency]
    risky = world.instructed(first)
    world.visit(risky, concierge, "2026-12-02 10:00")
    world.risky_work(risky, concierge, acknowledge=True)
    world.slip(risky, concierge, Completion.NOT_COMPLETED)
    claim = service.file_liability_claim(world.operator(), risky, ClaimKind.DAMAGE, "Lost data").id
    service.record_liability_finding(
        world.operator(), claim, FindingKind.NEGLIGENCE_FOUND, True, "assessed"
    )
    service.file_liability_claim(world.operator(), risky, ClaimKind.NON_COMPLETION, "Unfinished")
    spots = world.instructed(second)
    world.visit(spots, other, "2026-12-03 10:00")
    world.extra(spots)
    service.refer_extra_work(
        world.operator(), spots, ReferralTarget.OPERATOR, "VPN", amount=55_000
    )
    member = world.add_team_member(second)
    backup = world.concierge("Backup")
    service.dispatch_backup(world.operator(), tickets[0], backup, "overlapping emergencies")
    service.close_ticket_unresolved(world.customer(), tickets[1], "solved itself")
    world.close_months("2026-12")
    world.visit(spots, other, "2026-12-20 10:00")  # late: an adjustment next month
    service.remove_team_member(world.operator(), world.staff_of(second), member)
    service.request_cancellation(world.customer(), first, date(2027, 2, 28), None)
    world.close_months("2027-01")
    service.renegotiate_fee(world.operator(), second, 33_000, "more sites", date(2027, 1, 1))
    note_on(service, first)  # an aggregate kind no view knows: the generic audit line
    apply_contract(service, "Hinoki Works", key="once")  # idempotency bookkeeping too


def test_a_shared_rebuild_of_every_view_equals_each_view_built_live(
    service: EConcierge, clock: FixedClock
) -> None:
    store = views_of(service)
    varied_log(World(service, clock))
    live(service)
    built = rows(store)

    final = rebuild_views(service, store, VIEWS, batch_size=7)  # many shared batches

    assert rows(store) == built
    assert final == head(service) and set(tracked(store).values()) == {final}
    assert built["liability_claims"] and built["dispatch_board"] and built["audit_trail"]
    assert len(built["billing_statements"]) >= 4 and len(built["billing_closures"]) == 2


def test_a_shared_rebuild_equals_rebuilding_the_views_one_by_one(
    service: EConcierge, clock: FixedClock
) -> None:
    store = views_of(service)
    varied_log(World(service, clock))
    rebuild_views(service, store, VIEWS)
    together = rows(store)

    for view in VIEWS:
        rebuild_one(service, store, view, batch_size=11)

    assert rows(store) == together


def test_readers_see_the_old_views_until_the_new_ones_are_complete(
    service: EConcierge, clock: FixedClock
) -> None:
    store = views_of(service)
    world = World(service, clock)
    contract_id, _ = world.in_service()
    live(service)
    before, at = rows(store), tracked(store)
    world.at("2026-12-02 09:00")
    for _ in range(3):
        world.ticket(contract_id)
    seen: list[tuple[Rows, dict[str, int]]] = []

    rebuild_views(
        service, store, VIEWS, batch_size=5,
        on_progress=lambda _p, _h: seen.append((rows(store), tracked(store))),
    )  # fmt: skip

    assert len(seen) > 2
    assert all(shown == (before, at) for shown in seen[:-1])  # the last: after the swap
    live(service)  # nothing left for a runner: the rebuild took the new events
    assert rows(store)["dispatch_tickets"] and tracked(store) == dict.fromkeys(at, head(service))


def test_events_recorded_during_a_rebuild_are_in_the_rebuilt_views(
    service: EConcierge, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some while the log is read, some after the builders finished (applied to the new
    tables as a live runner would), the rest inside the swap."""
    monkeypatch.setattr(rebuild, "SWAP_GAP", 0)  # no gap is small enough: read on
    store = views_of(service)
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-02 09:00")
    phases: list[str] = []

    def record(phase: str) -> None:
        phases.append(phase)
        world.ticket(contract_id)

    def reading(position: int, _head: int) -> None:
        if phases == ["read"] and position < 30:
            world.ticket(contract_id)

    final = rebuild_views(
        service, store, VIEWS, batch_size=4, on_phase=record, on_progress=reading
    )
    rebuilt = rows(store)

    assert phases == ["read", "finish", "swap"]
    assert final == head(service)  # the swap took the ticket opened as it began
    for view in VIEWS:
        positions.reset(store, view)
    live(service)
    assert rows(store) == rebuilt and len(rebuilt["dispatch_tickets"]) > 3


def _shadow_exists(store: ViewStore) -> bool:
    if isinstance(store, SQLiteViewStore):
        return any(store.path.parent.glob(store.path.stem + ".rebuild*"))
    assert isinstance(store, PostgresViewStore)
    with store.read() as tx:
        found = tx.fetchone(
            "SELECT 1 FROM pg_namespace WHERE nspname = ?", (f"{store.schema}__rebuild",)
        )
    return found is not None


def test_an_interrupted_rebuild_leaves_the_live_views_as_they_were(
    service: EConcierge, clock: FixedClock
) -> None:
    store = views_of(service)
    varied_log(World(service, clock))
    live(service)
    built, at = rows(store), tracked(store)

    def crash(position: int, _head: int) -> None:
        if position > 20:
            raise RuntimeError("the rebuild dies half-way")

    with pytest.raises(RuntimeError, match="half-way"):
        rebuild_views(service, store, VIEWS, batch_size=10, on_progress=crash)

    assert rows(store) == built and tracked(store) == at  # no view claims what it lacks
    assert not _shadow_exists(store)
    rebuild_views(service, store, VIEWS)  # restartable: it starts over
    assert rows(store) == built and tracked(store) == at


def test_a_rebuild_clears_what_a_killed_rebuild_left_behind(
    service: EConcierge, clock: FixedClock
) -> None:
    """A killed process cannot clean up: its shadow tables stay until the next rebuild."""
    store = views_of(service)
    varied_log(World(service, clock))
    live(service)
    built = rows(store)
    left = store.shadow()
    with left.transaction() as tx:
        for statement in VIEWS[0].ddl:
            tx.execute(statement)
        tx.execute("INSERT INTO audit_owners (aggregate_id, kind) VALUES ('stale', 'Stale')")
    left.close()

    rebuild_views(service, store, VIEWS)

    assert rows(store) == built and not _shadow_exists(store)


def test_a_rebuild_beside_running_workers_and_new_commands(
    service: EConcierge, clock: FixedClock
) -> None:
    """Live runners wait for the swap, then carry on from the rebuilt position."""
    store = views_of(service)
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    running = start_projections(service, store, VIEWS, batch_size=3, poll_interval=0.02)
    try:
        for n in range(6):
            ticket = world.instructed(contract_id)
            if n % 2:  # after the ticket's opening (O3): the clock has moved to the last visit's end
                world.visit(ticket, concierge, f"2026-12-02 {10 + n}:00")
        rebuild_views(
            service, store, VIEWS, batch_size=4,
            on_progress=lambda p, h: world.ticket(contract_id) if p < 20 else None,
        )  # fmt: skip
        world.ticket(contract_id)
        wait_until(lambda: set(tracked(store).values()) == {head(service)}, 30, "caught up")
    finally:
        running.stop()
    beside = rows(store)
    for view in VIEWS:
        positions.reset(store, view)
    live(service)
    assert rows(store) == beside


def test_a_rebuild_reads_the_log_once_for_every_view(
    service: EConcierge, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    varied_log(World(service, clock))
    select = service.recorder.select_notifications
    logged = [n.id for n in select(1, 1_000_000)]
    reads: list[int] = []

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = select(*args, **kwargs)
        reads.extend(n.id for n in found)
        return found

    monkeypatch.setattr(service.recorder, "select_notifications", counted)

    rebuild_views(service, views_of(service), VIEWS)

    assert sorted(reads) == logged  # every event once, for the four views
    assert not _shadow_exists(views_of(service))


def _indexes(store: ViewStore) -> list[str]:
    with store.read() as tx:
        if isinstance(store, SQLiteViewStore):
            found = tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'index'")
        else:
            assert isinstance(store, PostgresViewStore)
            found = tx.fetchall(
                "SELECT indexname FROM pg_indexes WHERE schemaname = ?", (store.schema,)
            )
    return sorted(row[0] for row in found)


def test_the_swapped_in_tables_have_every_index(service: EConcierge, clock: FixedClock) -> None:
    """The rebuild loads its tables before indexing them: the indexes must come along."""
    store = views_of(service)
    apply_contract(service)
    indexed = _indexes(store)

    rebuild_views(service, store, VIEWS)

    assert _indexes(store) == indexed and any(name.startswith("audit_trail_") for name in indexed)
