"""Which contract an event belongs to, learnt as events pass (ticket-like aggregates, erasures)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from infra.bootstrap import ensure_database
from infra.settings import Settings
from projections.ownership import Ownership
from projections.store import open_view_store
from projections.view import Envelope


def envelope(
    position: int, topic: str, aggregate_id: UUID, version: int, **fields: Any
) -> Envelope:
    event = type("FakeEvent", (), {})()
    event.__dict__.update(originator_id=aggregate_id, originator_version=version, **fields)
    return Envelope(position, topic, event)


def test_later_events_and_erasures_are_attributed_to_their_contract(settings: Settings) -> None:
    ensure_database(settings)
    store, owners = open_view_store(settings), Ownership("test_owners")
    contract, ticket, subject_record = uuid4(), uuid4(), uuid4()
    first = [
        envelope(1, "domain.aggregates.contract:Contract.ContractApplied", contract, 1),
        envelope(
            2, "domain.aggregates.ticket:Ticket.TicketOpened", ticket, 1, contract_id=contract
        ),
    ]
    later = [  # another batch: the ticket's event names no contract any more
        envelope(3, "domain.aggregates.ticket:Ticket.WorkInstructed", ticket, 2, what="fix it"),
        envelope(
            4,
            "domain.aggregates.data_subject:DataSubject.SubjectRecorded",
            subject_record,
            1,
            subject=f"contract:{contract}",
        ),
        envelope(
            5, "domain.aggregates.concierge:Concierge.ConciergeRegistered", uuid4(), 1, name="x"
        ),
    ]
    try:
        with store.transaction() as tx:
            for statement in owners.ddl():
                tx.execute(statement)
            assert owners.resolve(tx, first) == [str(contract)] * 2
        with store.transaction() as tx:
            assert owners.resolve(tx, later) == [str(contract), str(contract), None]
    finally:
        store.close()
