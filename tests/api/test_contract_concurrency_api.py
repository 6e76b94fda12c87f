"""Two writers of one contract version: exactly one wins, the other gets 409, nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from typing import Any
from uuid import UUID

import pytest
from litestar.testing import TestClient

from api.app import create_app
from domain.aggregates.contract import Contract
from domain.errors import Conflict
from domain.meta import EventMeta, Role
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from tests.api.contract_requests import application, create, log_size
from tests.auth import sign_in

ROUNDS = 5
WAIT = 20.0  # seconds: a stuck writer fails the test instead of hanging it


def _race(*writers: Callable[[], Any]) -> list[Any]:
    """Run the writers in threads released together by a barrier; return their results."""
    barrier = threading.Barrier(len(writers), timeout=WAIT)

    def run(writer: Callable[[], Any]) -> Any:
        barrier.wait()
        return writer()

    with ThreadPoolExecutor(len(writers)) as pool:
        futures = [pool.submit(run, writer) for writer in writers]
        return [future.result(timeout=WAIT) for future in futures]


@contextmanager
def loads_meet(service: EConcierge, parties: int = 2) -> Iterator[None]:
    """Hold each writer after it has loaded the contract until all have: both read one version."""
    barrier = threading.Barrier(parties, timeout=WAIT)
    original = service.load

    def load(*args: Any, **kwargs: Any) -> Any:
        aggregate = original(*args, **kwargs)
        barrier.wait()
        return aggregate

    service.load = load  # type: ignore[method-assign]
    try:
        yield
    finally:
        del service.load  # back to the class's method


def _poster(
    client: TestClient, url: str, clients: int, headers: dict[str, str] | None = None
) -> Callable[[], Any]:
    """A writer that records `clients` for the hq cluster over HTTP."""
    return partial(
        client.post, url, json={"cluster": "hq", "clients": clients}, headers=headers or {}
    )


def _stored(service: EConcierge, contract_id: UUID) -> list[Any]:
    return list(service.events.get(contract_id))


def _assert_one_winner(
    service: EConcierge, contract_id: UUID, version: int, outcomes: dict[int, int]
) -> None:
    """One writer got 200 and one 409; the winner's count is stored as exactly one new event."""
    assert sorted(outcomes.values()) == [200, 409], outcomes
    (winner,) = [clients for clients, status in outcomes.items() if status == 200]
    events = _stored(service, contract_id)
    assert len(events) == version + 1
    assert isinstance(events[-1], Contract.ClientCountChanged)
    assert events[-1].clients == winner
    contract = service.get_contract(contract_id)
    assert (contract.version, contract.volumes["hq"].clients) == (version + 1, winner)


@pytest.fixture
def two_clients(service: EConcierge) -> Iterator[tuple[TestClient, TestClient]]:
    """Two independent HTTP callers of the same service (two operators)."""
    with TestClient(create_app(service)) as first, TestClient(create_app(service)) as second:
        yield sign_in(first, Role.OPERATOR, "op-tanaka"), sign_in(second, Role.OPERATOR, "op-sato")


def test_two_http_writers_with_the_same_if_match_one_wins_and_one_gets_409(
    service: EConcierge, two_clients: tuple[TestClient, TestClient]
) -> None:
    first, second = two_clients
    contract_id = create(first)["id"]
    for _ in range(ROUNDS):
        version = service.get_contract(UUID(contract_id)).version
        url = f"/v1/contracts/{contract_id}/client-count"
        headers = {"If-Match": f'"{version}"'}
        before = log_size(service)
        answers = _race(
            _poster(first, url, 40 + version, headers), _poster(second, url, 60 + version, headers)
        )
        outcomes = {40 + version: answers[0].status_code, 60 + version: answers[1].status_code}
        _assert_one_winner(service, UUID(contract_id), version, outcomes)
        assert log_size(service) == before + 1
        loser = answers[0] if answers[0].status_code == 409 else answers[1]
        assert loser.headers["content-type"].startswith("application/problem+json")


def test_two_http_writers_that_read_the_same_version_collide_at_save(
    service: EConcierge, two_clients: tuple[TestClient, TestClient]
) -> None:
    # Without If-Match, both pass the load; the store's optimistic concurrency must refuse one.
    first, second = two_clients
    contract_id = create(first)["id"]
    url = f"/v1/contracts/{contract_id}/client-count"
    for _ in range(ROUNDS):
        version = service.get_contract(UUID(contract_id)).version
        with loads_meet(service):
            answers = _race(_poster(first, url, 40 + version), _poster(second, url, 60 + version))
        outcomes = {40 + version: answers[0].status_code, 60 + version: answers[1].status_code}
        _assert_one_winner(service, UUID(contract_id), version, outcomes)


def test_two_service_calls_racing_on_one_version_one_wins_and_one_conflicts(
    service: EConcierge, client: TestClient
) -> None:
    contract_id = UUID(create(client)["id"])

    def writer(actor: str, clients: int) -> Callable[[], int]:
        ctx = CommandContext(meta=EventMeta(actor, Role.OPERATOR, f"corr-{actor}", f"req-{actor}"))

        def call() -> int:
            try:
                service.record_client_count(ctx, contract_id, "hq", clients, 0)
            except Conflict:
                return 409
            return 200

        return call

    for _ in range(ROUNDS):
        version = service.get_contract(contract_id).version
        with loads_meet(service):
            statuses = _race(writer("op-a", 40 + version), writer("op-b", 60 + version))
        _assert_one_winner(
            service,
            contract_id,
            version,
            dict(zip((40 + version, 60 + version), statuses, strict=True)),
        )


@contextmanager
def quotes_meet(service: EConcierge, parties: int = 2) -> Iterator[None]:
    """Hold each application inside its command (past the idempotency check) until all are."""
    barrier = threading.Barrier(parties, timeout=WAIT)
    original = service.quote

    def quote(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return original(*args, **kwargs)

    service.quote = quote  # type: ignore[method-assign]
    try:
        yield
    finally:
        del service.quote


def test_two_concurrent_retries_with_one_idempotency_key_create_one_contract(
    service: EConcierge, two_clients: tuple[TestClient, TestClient]
) -> None:
    # Both pass the replay check before either saves: the key's record decides the winner.
    first, second = two_clients
    sign_in(second, Role.OPERATOR, "op-tanaka")  # the same caller, retrying on another connection
    for round_ in range(ROUNDS):
        post = partial(
            TestClient.post,
            url="/v1/contracts",
            json=application(),
            headers={"Idempotency-Key": f"apply-{round_}"},
        )
        before = log_size(service)
        with quotes_meet(service):
            answers = _race(partial(post, first), partial(post, second))
        assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
        assert answers[0].json()["id"] == answers[1].json()["id"]
        replayed = sorted(a.headers.get("idempotent-replayed", "") for a in answers)
        assert replayed == ["", "true"]
        assert log_size(service) == before + 2  # one ContractApplied, one remembered request
