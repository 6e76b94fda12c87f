"""The dispatch board (O3): each concierge's open tickets by urgency then age, flagged past
the 24-hour target, as of the service clock."""

from __future__ import annotations

from uuid import UUID

from domain.pricing import Plan
from domain.tickets_values import Urgency
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections.catalog import views_of
from projections.dispatch import DispatchView
from projections.dispatch_query import BoardTicket, open_tickets
from projections.runner import process_batch, rebuild
from tests.projections.billing_world import World


def board(world: World, concierge: UUID | None = None) -> list[BoardTicket]:
    world.project()
    with views_of(world.service).read() as tx:
        return open_tickets(tx, world.clock.now(), str(concierge) if concierge else None)


def test_open_tickets_come_by_urgency_then_age(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    old_normal = world.ticket(contract_id, urgency=Urgency.NORMAL)
    world.at("2026-12-02 10:00")
    emergency = world.ticket(contract_id, urgency=Urgency.EMERGENCY)
    newer_normal = world.ticket(contract_id, urgency=Urgency.NORMAL)
    world.at("2026-12-02 11:00")
    high = world.ticket(contract_id, urgency=Urgency.HIGH)

    shown = [t.ticket_id for t in board(world, concierge)]

    assert shown == [emergency, high, old_normal, newer_normal]


def test_a_ticket_without_an_arrival_24_hours_after_opening_is_flagged(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    waiting = world.instructed(contract_id)
    visited = world.instructed(contract_id)
    world.visit(visited, concierge, "2026-12-02 15:00")

    world.at("2026-12-03 09:00")
    assert [t.past_target for t in board(world)] == [False, False]  # exactly 24 hours: on time
    world.at("2026-12-03 09:01")
    flags = {t.ticket_id: (t.past_target, t.age_hours) for t in board(world)}

    assert flags == {waiting: (True, 24), visited: (False, 24)}


def test_the_24_hour_target_does_not_apply_to_remote_only_contracts(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service(
        plan=Plan.remote_only, agreed_fee=15_000, fee_reason="remote only"
    )
    world.at("2026-12-02 09:00")
    world.ticket(contract_id)
    world.at("2026-12-05 09:00")

    (ticket,) = board(world)

    assert ticket.remote_only and not ticket.past_target


def test_a_ticket_is_on_the_boards_of_its_cluster_s_concierges_and_backups(
    service: EConcierge, clock: FixedClock
) -> None:
    """K2, K3, O4: the dedicated concierge, the team, and a dispatched backup."""
    world = World(service, clock)
    contract_id, dedicated = world.in_service()
    elsewhere, other = world.in_service("Kaede Design")
    world.at("2026-12-02 09:00")
    ticket = world.ticket(contract_id)
    theirs = world.ticket(elsewhere)
    member = world.add_team_member(contract_id)
    backup = world.concierge("Backup")
    service.dispatch_backup(world.operator(), ticket, backup, "overlapping emergencies")

    assert [t.ticket_id for t in board(world, dedicated)] == [ticket]
    assert [t.ticket_id for t in board(world, member)] == [ticket]
    assert [t.ticket_id for t in board(world, backup)] == [ticket]
    assert set(board(world, dedicated)[0].concierge_ids) == {
        str(dedicated),
        str(member),
        str(backup),
    }
    assert [t.ticket_id for t in board(world, other)] == [theirs]


def test_a_closed_ticket_leaves_every_board(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.ticket(contract_id)
    service.close_ticket_unresolved(world.customer(), ticket, "solved itself")

    assert board(world, concierge) == [] and board(world) == []


def test_a_removed_team_member_loses_the_cluster_s_tickets(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-02 09:00")
    world.ticket(contract_id)
    member = world.add_team_member(contract_id)
    assert len(board(world, member)) == 1

    service.remove_team_member(world.operator(), world.staff_of(contract_id), member)

    assert board(world, member) == []


def test_a_rebuild_from_zero_equals_the_incremental_dispatch_view(
    service: EConcierge, clock: FixedClock
) -> None:
    world, view = World(service, clock), DispatchView()
    store = views_of(service)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    for urgency in Urgency:
        world.ticket(contract_id, urgency=urgency)
    closed = world.instructed(contract_id)
    world.visit(closed, concierge, "2026-12-02 12:00")
    world.add_team_member(contract_id)
    service.close_ticket_unresolved(world.customer(), closed, "not needed")
    while process_batch(service, store, view, limit=2) is not None:
        pass
    with store.read() as tx:
        incremental = {t: tx.fetchall(f"SELECT * FROM {t} ORDER BY 1, 2") for t in view.tables}

    rebuild(service, store, view)

    with store.read() as tx:
        assert {
            t: tx.fetchall(f"SELECT * FROM {t} ORDER BY 1, 2") for t in view.tables
        } == incremental
    assert len(incremental["dispatch_tickets"]) == 4
