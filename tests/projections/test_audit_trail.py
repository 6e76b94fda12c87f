"""The audit trail: every event once, in log order, with its actor, contract and rules."""

from __future__ import annotations

from datetime import date, datetime

from domain.aggregates.concierge import ConciergeKind
from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from infra.services.concierges import ConciergeProfile
from projections.catalog import views_of
from projections.positions import read
from projections.runner import head
from tests.projections.steps import apply_contract, ctx, note_on, project, trail


def _stored_positions(service: EConcierge) -> list[int]:
    """Positions of every event a view shows (idempotency bookkeeping left out)."""
    notifications = service.recorder.select_notifications(start=1, limit=10_000)
    return [n.id for n in notifications if not n.topic.startswith("infra.idempotency:")]


def test_every_event_appears_exactly_once_in_log_order_with_its_actor(
    service: EConcierge, clock: FixedClock
) -> None:
    first = apply_contract(service, key="apply-1")  # with an idempotency record: not shown
    project(service)  # part of the log now, the rest later: batches must not double or skip
    service.record_client_count(ctx("op-sato"), first.id, "hq", 35, 1)
    clock.advance(hours=1)
    second = apply_contract(service, "Kaede Foods")
    service.sign_nda(ctx("op-sato"), second.id, date(2026, 11, 18), "NDA-7")
    project(service)

    entries = trail(service)

    assert [e.position for e in entries] == _stored_positions(service)
    assert len({e.event_id for e in entries}) == len(entries)
    assert [(e.event_type, e.actor_id, e.actor_role) for e in entries] == [
        ("ContractApplied", "op-tanaka", "operator"),
        ("ClientCountChanged", "op-sato", "operator"),
        ("ContractApplied", "op-tanaka", "operator"),
        ("NdaSigned", "op-sato", "operator"),
    ]
    assert entries[1].at == datetime(2026, 11, 18, 10, 0, tzinfo=JST)
    assert entries[2].at.isoformat() == "2026-11-18T11:00:00+09:00"  # Japan time


def test_ignored_bookkeeping_events_still_advance_the_position(service: EConcierge) -> None:
    apply_contract(service, key="only-one")  # the contract's event and its idempotency record
    project(service)

    assert len(trail(service)) == 1
    with views_of(service).read() as tx:
        assert read(tx, "audit") == head(service) == 2


def test_each_entry_says_what_happened_and_which_rules_it_relates_to(service: EConcierge) -> None:
    contract = apply_contract(service)
    service.renegotiate_fee(ctx(), contract.id, 100_000, "more sites", date(2027, 1, 1))
    project(service)

    applied, fee = trail(service)

    assert applied.summary.startswith("Sakura Trading applied: standard plan, 3 units")
    assert "92,400 yen/month" in applied.summary
    assert "P2" in applied.rules and "C1" in applied.rules
    assert (
        fee.summary
        == "Fee changed from 92,400 yen to 100,000 yen/month from 2027-01-01: more sites"
    )
    assert fee.rules == ["P3", "P8"]
    assert fee.payload["reason"] == "more sites"
    assert fee.event_id == f"{contract.id}:2" and fee.aggregate_kind == "Contract"


def test_an_event_type_nobody_described_gets_a_generic_summary(service: EConcierge) -> None:
    contract = apply_contract(service)
    note_on(service, contract.id)
    project(service)

    opened = trail(service)[1]

    assert opened.event_type == "Opened"
    assert opened.summary.startswith("Note: Opened")
    assert "printer jam" in opened.summary
    assert opened.rules == []


def test_a_contract_trail_includes_the_events_of_aggregates_opened_on_it(
    service: EConcierge,
) -> None:
    mine = apply_contract(service)
    other = apply_contract(service, "Kaede Foods")
    note = note_on(service, mine.id)  # its second event does not name the contract
    note_on(service, other.id)
    project(service)

    entries = trail(service, contract_id=mine.id)

    assert [(e.aggregate_id, e.version) for e in entries] == [
        (mine.id, 1),
        (note.id, 1),
        (note.id, 2),
    ]
    assert {e.contract_id for e in entries} == {mine.id}


def test_the_trail_filters_by_aggregate_by_actor_and_by_time(
    service: EConcierge, clock: FixedClock
) -> None:
    contract = apply_contract(service)
    note = note_on(service, contract.id, actor="cc-suzuki")
    clock.set(datetime(2026, 11, 20, 9, 0, tzinfo=JST))
    service.record_client_count(ctx("op-sato"), contract.id, "hq", 40, 1)
    project(service)

    assert [e.version for e in trail(service, aggregate_id=note.id)] == [1, 2]
    assert [e.event_type for e in trail(service, actor_id="op-sato")] == ["ClientCountChanged"]
    since = datetime(2026, 11, 19, tzinfo=JST)
    assert [e.event_type for e in trail(service, start=since)] == ["ClientCountChanged"]
    assert len(trail(service, end=since)) == 3


def test_the_trail_records_the_role_of_a_customer_actor(service: EConcierge) -> None:
    contract = apply_contract(service)
    customer = ctx("cust-yamada", Role.CUSTOMER)
    service.request_cancellation(customer, contract.id, date(2027, 2, 28), None)
    project(service)

    cancellation = trail(service)[-1]

    assert (cancellation.actor_id, cancellation.actor_role) == ("cust-yamada", "customer")
    assert cancellation.rules == ["C3", "C4"]


def test_a_contract_trail_includes_its_concierge_assignment(service: EConcierge) -> None:
    contract = apply_contract(service)
    profile = ConciergeProfile(
        name="Suzuki Ichiro", kind=ConciergeKind.SOLE_PROPRIETOR, regions=("Tokyo",)
    )
    concierge = service.register_concierge(ctx(), profile)
    service.propose_concierge(ctx(), contract.id, "hq", concierge.id)
    project(service)

    kinds = [(e.aggregate_kind, e.event_type) for e in trail(service, contract_id=contract.id)]

    assert kinds[0] == ("Contract", "ContractApplied")
    assert ("ConciergeAssignment", "AssignmentOpened") in kinds
    assert ("Concierge", "ConciergeRegistered") not in kinds  # a profile belongs to no contract
    assert all(kind != "Concierge" for kind, _ in kinds)
    registered = trail(service, aggregate_id=concierge.id)[0]
    assert registered.contract_id is None
    assert registered.summary.startswith("Concierge Suzuki Ichiro registered")
