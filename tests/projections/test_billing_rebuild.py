"""The billing view is a function of the log: rebuilt from zero it equals the view built
batch by batch, and a closed statement is exactly what its close sealed."""

from __future__ import annotations

from datetime import date

from domain.pricing import Plan
from domain.tickets_values import ReferralTarget
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections.billing import BillingView
from projections.catalog import views_of
from projections.runner import process_batch, rebuild
from projections.store import ViewStore
from tests.projections.billing_world import World


def snapshot(store: ViewStore, view: BillingView) -> dict[str, list[tuple[object, ...]]]:
    with store.read() as tx:
        return {table: tx.fetchall(f"SELECT * FROM {table} ORDER BY 1") for table in view.tables}


def _a_busy_quarter(world: World) -> None:
    service = world.service
    first, concierge = world.in_service("Sakura Trading", monthly_report=True)
    second, other = world.in_service("Kaede Design", plan=Plan.two_tier)
    world.at("2026-12-02 09:00")
    ticket = world.instructed(first)
    spots = world.instructed(second)
    world.visit(spots, other, "2026-12-03 10:00")
    world.visit(ticket, concierge, "2026-12-05 10:00")
    world.extra(ticket)
    service.refer_extra_work(
        world.operator(), ticket, ReferralTarget.OPERATOR, "VPN", amount=55_000
    )
    world.add_team_member(second)
    world.close_months("2026-12")
    world.visit(spots, other, "2026-12-20 10:00")  # late
    service.request_cancellation(world.customer(), first, date(2027, 2, 28), None)
    world.close_months("2027-01", "2027-02")
    service.renegotiate_fee(world.operator(), second, 33_000, "more sites", date(2027, 1, 1))


def test_a_rebuild_from_zero_equals_the_incremental_billing_view(
    service: EConcierge, clock: FixedClock
) -> None:
    world, store, view = World(service, clock), views_of(service), BillingView()
    _a_busy_quarter(world)
    while process_batch(service, store, view, limit=3) is not None:
        pass
    incremental = snapshot(store, view)

    rebuild(service, store, view)

    assert snapshot(store, view) == incremental
    assert len(incremental["billing_statements"]) >= 6


def test_an_event_recorded_while_a_close_is_computed_is_adjusted_next_month(
    service: EConcierge, clock: FixedClock
) -> None:
    """The close seals the facts up to the position it read; a fact that slips in before
    the close is recorded is not in the closed statement, but on the next one."""
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.at("2027-01-02 10:00")
    sealing = service.seal_statements

    def seal_while_a_visit_arrives(*args, **kwargs):  # type: ignore[no-untyped-def]
        seals = sealing(*args, **kwargs)
        world.visit(ticket, concierge, "2026-12-26 10:00")  # a Saturday, saved meanwhile
        return seals

    service.seal_statements = seal_while_a_visit_arrives  # type: ignore[method-assign]
    world.close("2026-12")

    december = world.statement(contract_id, "2026-12")
    (sealed,) = service.billing_periods().last_sealed  # type: ignore[union-attr]
    assert (december.total, december.digest) == (sealed.total, sealed.digest) == (
        30_800, december.digest,
    )  # fmt: skip
    assert [a.amount for a in world.statement(contract_id, "2027-01").adjustments] == [3_300]
