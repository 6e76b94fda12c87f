"""Group commit (PostgreSQL): commands share a transaction but keep their own outcomes."""

from __future__ import annotations

import threading
from uuid import UUID

import pytest

from domain.aggregates.contract import Contract
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.group_commit import VersionConflict, _Pending
from infra.services.contracts import ContractApplication

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
