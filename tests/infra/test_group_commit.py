"""Group commit (PostgreSQL): commands share a transaction but keep their own outcomes."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import psycopg
import pytest
from eventsourcing import persistence

from domain.aggregates.contract import Contract
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.group_commit import _INLINE, GroupCommitter, VersionConflict, _Pending
from infra.services.contracts import ContractApplication
from tests.trail.steps import verified

pytestmark = pytest.mark.postgres

CTX = CommandContext(meta=EventMeta("op-1", Role.OPERATOR, "corr", "cause"))


@pytest.fixture
def backend() -> str:  # group commit exists only on PostgreSQL
    return "postgres"


def _contract(service: EConcierge) -> UUID:
    sites = (Site("Tokyo", "Minato", "hq", 12),)
    application = ContractApplication(customer_name="Sakura", quote=QuoteInputs(sites=sites))
    return service.apply_for_contract(CTX, application).id


def _change(service: EConcierge, contract_id: UUID, clients: int) -> _Pending:
    """One command's events, as the committer receives them."""
    contract = service.load(Contract, contract_id)
    contract.record_client_count(service.cause(CTX), "hq", clients, 0)
    return _Pending([service.mapper.to_stored_event(e) for e in contract.collect_events()])


def test_only_the_command_that_lost_its_race_is_refused(service: EConcierge) -> None:
    first, second = _contract(service), _contract(service)
    winner = _change(service, first, 13)
    loser = _change(service, first, 14)  # read the same version as the winner
    bystander = _change(service, second, 15)
    service.group_committer._commit_batch([winner, loser, bystander])
    assert winner.error is None and len(winner.ids) == 1
    assert isinstance(loser.error, VersionConflict) and loser.ids == []
    assert bystander.error is None and len(bystander.ids) == 1
    assert service.load(Contract, first).volumes["hq"].clients == 13
    assert service.load(Contract, second).volumes["hq"].clients == 15


def test_a_command_on_a_stale_version_is_refused_alone(service: EConcierge) -> None:
    contract_id = _contract(service)
    stale = _change(service, contract_id, 20)
    service.group_committer.commit(_change(service, contract_id, 21).events)
    fresh = _change(service, _contract(service), 22)
    service.group_committer._commit_batch([stale, fresh])
    assert isinstance(stale.error, VersionConflict)
    assert fresh.error is None


def test_concurrent_commands_all_commit_with_distinct_positions(service: EConcierge) -> None:
    ids = [_contract(service) for _ in range(16)]
    barrier = threading.Barrier(len(ids))
    positions: list[int] = []
    errors: list[BaseException] = []

    def run(contract_id: UUID) -> None:
        try:
            barrier.wait()
            result = service.record_client_count(CTX, contract_id, "hq", 30, 1)
            assert result.position is not None
            positions.append(result.position)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(positions)) == len(ids)
    assert all(service.load(Contract, i).volumes["hq"].clients == 30 for i in ids)


def test_the_service_answers_409_to_the_loser_through_execute(service: EConcierge) -> None:
    from domain.errors import Conflict

    contract_id = _contract(service)
    stale = service.load(Contract, contract_id)
    service.record_client_count(CTX, contract_id, "hq", 40, 0)
    stale.record_client_count(service.cause(CTX), "hq", 41, 0)
    with pytest.raises(Conflict):
        service.execute(CTX, lambda: [stale])
    assert service.load(Contract, contract_id).volumes["hq"].clients == 40


def test_a_large_batch_keeps_each_commands_outcome(service: EConcierge) -> None:
    """More events than are inlined (the array form of the call): one loser, the rest commit."""
    ids = [_contract(service) for _ in range(_INLINE + 4)]
    batch = [_change(service, i, 50 + n) for n, i in enumerate(ids)]
    loser = _change(service, ids[3], 99)  # read the same version as batch[3]
    two = _Pending([*batch[-1].events, *_change(service, ids[0], 1).events])  # two aggregates
    service.group_committer._commit_batch([*batch[:-1], loser, two])
    assert isinstance(loser.error, VersionConflict) and loser.ids == []
    assert isinstance(two.error, VersionConflict)  # ids[0] moved on in this same batch
    assert all(p.error is None and len(p.ids) == 1 for p in batch[:-1])
    positions = [p.ids[0] for p in batch[:-1]]
    assert positions == sorted(positions)  # log order is the batch's order
    assert service.load(Contract, ids[3]).volumes["hq"].clients == 53
    assert service.load(Contract, ids[-1]).volumes["hq"].clients == 12  # unchanged


def test_leadership_passes_on_when_the_queue_outgrows_a_batch(service: EConcierge) -> None:
    """A committer taking two commands a call: every one of 24 threads gets its own outcome."""
    committer = GroupCommitter(service.recorder, max_batch=2)  # type: ignore[arg-type]
    try:
        ids = [_contract(service) for _ in range(24)]
        pendings = [_change(service, i, 60) for i in ids]
        barrier = threading.Barrier(len(ids))

        def run(pending: _Pending) -> list[int]:
            barrier.wait()
            return committer.commit(pending.events)

        with ThreadPoolExecutor(len(ids)) as pool:
            positions = [p for found in pool.map(run, pendings, timeout=30) for p in found]
        assert len(set(positions)) == len(ids)
        assert all(service.load(Contract, i).volumes["hq"].clients == 60 for i in ids)
    finally:
        committer.close()


def test_the_committer_recovers_when_its_connection_is_lost(service: EConcierge) -> None:
    contract_id = _contract(service)
    committer = service.group_committer
    assert committer is not None
    assert committer._conn is not None  # held since the first command
    with psycopg.connect(service.settings.database_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (committer._conn.info.backend_pid,))
    with pytest.raises((persistence.OperationalError, persistence.InterfaceError)):
        service.record_client_count(CTX, contract_id, "hq", 70, 0)
    service.record_client_count(CTX, contract_id, "hq", 71, 0)  # a new connection
    assert service.load(Contract, contract_id).volumes["hq"].clients == 71


def test_the_trail_of_grouped_commits_verifies(service: EConcierge) -> None:
    """`audit verify` (issue 9) on a log written by concurrent commands, inlined and not."""
    ids = [_contract(service) for _ in range(12)]
    barrier = threading.Barrier(len(ids))

    def run(contract_id: UUID) -> None:
        barrier.wait()
        for clients in range(3):
            service.record_client_count(CTX, contract_id, "hq", 80 + clients, 0)

    with ThreadPoolExecutor(len(ids)) as pool:
        list(pool.map(run, ids, timeout=30))
    service.group_committer._commit_batch([_change(service, i, 90) for i in ids])  # one call
    report = verified(service)
    assert report.events == service.recorder.max_notification_id()
