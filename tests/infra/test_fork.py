"""The aggregate cache without deep copies: forks, `peek`, `keep` (infra/application.py).

A cached aggregate is the committed state and is never changed in place: a command
changes its own fork (infra/immutables.py), which replaces the cached one once its events
are committed. So a command that fails after changing its fork leaves no trace, a reader
never sees another command's change before it is committed, and concurrent commands on
one ticket end as some serial order of those that succeeded (the others get 409).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec
import pytest

from domain.aggregates.concierge_assignment import assignment_id
from domain.aggregates.ticket import Ticket
from domain.errors import Conflict, InvalidInput
from domain.tickets_values import RiskLevel, WorkKind
from infra.application import CommandContext, ForkingRepository
from infra.bootstrap import EConcierge, build
from infra.clock import FixedClock
from infra.immutables import fork
from infra.services.tickets import TicketRequest
from infra.settings import Settings
from tests.benchmarks import world
from tests.conftest import DEFAULT_NOW

WAIT = 30.0


@pytest.fixture
def clock() -> FixedClock:
    """The benchmarks' clock, which moves at each reading (the command mix needs it)."""
    return world.SteppingClock(DEFAULT_NOW)


@pytest.fixture
def desk(service: EConcierge, clock: FixedClock) -> world.Desk:
    """A contract in service, its concierge, and the clock in service (C6, K4)."""
    return world.contract_in_service(service, clock)


def _cached(service: EConcierge, aggregate_id: UUID) -> Any:
    assert service.repository.cache is not None
    return service.repository.cache.get(aggregate_id)


def _disclose(desk: world.Desk, ticket_id: UUID) -> Any:
    return desk.service.disclose_risk(desk.concierge(), ticket_id, "Data may be lost", RiskLevel.LOW)


# ---- the fork itself ---------------------------------------------------------------------


class _Mutable:
    def __init__(self) -> None:
        self.items = [1]


def test_a_fork_shares_only_what_cannot_change() -> None:
    """Rebinding, a first-level dict/list/set, an unknown object: none reaches the original."""
    original = Ticket.__new__(Ticket)
    original.__dict__.update(
        risks={"risk-1": "a"},
        visits=("v1",),
        backups=frozenset({"c1"}),
        _pending_events=[],
        tags={"x"},
        odd=_Mutable(),
    )
    clone = fork(original)
    clone.risks["risk-2"] = "b"
    clone.tags.add("y")
    clone._pending_events.append("event")
    clone.odd.items.append(2)
    clone.visits += ("v2",)
    assert original.risks == {"risk-1": "a"}
    assert original.tags == {"x"}
    assert original._pending_events == []
    assert original.odd.items == [1]
    assert original.visits == ("v1",)
    assert clone.backups is original.backups  # immutable: shared, not copied


def _immutable(value: Any, path: str) -> Iterator[str]:
    """Paths of values that could be changed in place (none may be in aggregate state)."""
    if value is None or isinstance(value, (str, bytes, int, float, Enum, date, datetime, UUID, Decimal)):
        return
    if isinstance(value, (tuple, frozenset)):
        for i, item in enumerate(value):
            yield from _immutable(item, f"{path}[{i}]")
        return
    if isinstance(value, msgspec.Struct) and type(value).__struct_config__.frozen:
        for name in value.__struct_fields__:
            yield from _immutable(getattr(value, name), f"{path}.{name}")
        return
    yield f"{path}: {type(value).__name__}"


def test_the_state_of_every_aggregate_is_copy_on_write(desk: world.Desk) -> None:
    """The convention `fork` relies on (infra/immutables.py): aggregates rebind, never change.

    Every attribute holds immutable values only; a first-level dict is allowed (the domain
    replaces it, `{**risks, id: risk}`, and `fork` copies it anyway) if its keys and values
    are immutable. The trail's own cells and the pending events are the library's business.
    """
    service = desk.service
    ticket = desk.ready_ticket()
    mix = world.command_mix(desk, ticket)
    for _ in range(12):  # open, visit, disclose, acknowledge: three rounds
        mix()
    _disclose(desk, ticket)
    keyed = _with_key(world.customer(), "k")
    service.acknowledge_risk(keyed, ticket, "risk-4")  # an idempotency record too
    ids = [desk.contract_id, desk.concierge_id, assignment_id(desk.contract_id, "hq"),
           service._idempotency_id(keyed), *desk.tickets]  # fmt: skip
    kinds: set[str] = set()
    problems: list[str] = []
    for aggregate_id in ids:
        aggregate = service.repository.get(aggregate_id, deepcopy_from_cache=False)
        kinds.add(type(aggregate).__name__)
        for name, value in vars(aggregate).items():
            if name in ("_pending_events", "_chain_head"):
                continue
            where = f"{type(aggregate).__name__}.{name}"
            if isinstance(value, dict):
                for key, item in value.items():
                    problems += [*_immutable(key, where), *_immutable(item, f"{where}[{key!r}]")]
            else:
                problems += list(_immutable(value, where))
    assert kinds == {"Ticket", "Contract", "ConciergeAssignment", "Concierge", "IdempotencyRecord"}
    assert problems == []


# ---- commands and readers ----------------------------------------------------------------


def test_a_command_that_fails_after_changing_its_copy_leaves_no_trace(desk: world.Desk) -> None:
    service = desk.service
    ticket_id = desk.ready_ticket()
    before = service.peek(Ticket, ticket_id)

    def command() -> list[Ticket]:
        ticket = service.load(Ticket, ticket_id)
        ticket.disclose_risk(service.cause(desk.concierge()), "Half done", RiskLevel.HIGH,
                             serving=service.concierges_serving(desk.contract_id, "hq"))  # fmt: skip
        assert ticket.risks  # the copy was changed...
        raise InvalidInput("refused after the change")

    with pytest.raises(InvalidInput):
        service.execute(desk.concierge(), command)
    after = service.peek(Ticket, ticket_id)
    assert after is before  # ...the cached ticket was not
    assert after.risks == {} and after.version == before.version and not after.pending_events
    assert service.get_ticket(ticket_id).risks == {}
    result = _disclose(desk, ticket_id)  # the next command starts from the stored state
    assert result.version == before.version + 1
    assert list(service.get_ticket(ticket_id).risks) == ["risk-1"]


def test_a_reader_sees_the_committed_ticket_while_a_command_changes_its_own(desk: world.Desk) -> None:
    service = desk.service
    ticket_id = desk.ready_ticket()
    version = service.get_ticket(ticket_id).version
    seen: list[tuple[int, int]] = []

    def command() -> list[Ticket]:
        ticket = service.load(Ticket, ticket_id)
        ticket.disclose_risk(service.cause(desk.concierge()), "Data may be lost", RiskLevel.LOW,
                             serving=service.concierges_serving(desk.contract_id, "hq"))  # fmt: skip
        for read in (service.get_ticket(ticket_id), service.peek(Ticket, ticket_id)):
            seen.append((read.version, len(read.risks)))
        return [ticket]

    result = service.execute(desk.concierge(), command)
    assert seen == [(version, 0), (version, 0)]
    assert result.version == version + 1
    assert (service.get_ticket(ticket_id).version, len(service.peek(Ticket, ticket_id).risks)) == (version + 1, 1)


def test_peek_reads_the_cached_aggregate_and_load_a_copy(desk: world.Desk) -> None:
    service = desk.service
    ticket_id = desk.ready_ticket()
    cached = service.peek(Ticket, ticket_id)
    assert _cached(service, ticket_id) is cached
    loaded = service.load(Ticket, ticket_id)
    assert loaded is not cached and loaded.version == cached.version


def test_the_cache_never_goes_back_to_an_older_version(desk: world.Desk) -> None:
    """A load that read the store before a commit must not put back the older state."""
    service = desk.service
    ticket_id = desk.ready_ticket()
    _disclose(desk, ticket_id)
    newest = service.peek(Ticket, ticket_id)
    older = service.state_at(Ticket, ticket_id, newest.version - 1)
    repository = service.repository
    assert isinstance(repository, ForkingRepository)
    assert repository.keep(older) is newest
    assert _cached(service, ticket_id) is newest


def test_concurrent_commands_on_one_ticket_end_as_a_serial_order(desk: world.Desk) -> None:
    """Eight concierges' threads disclose risks on one ticket while readers read it.

    Each command succeeds or gets 409 (lost race); the ticket holds exactly the risks of
    those that succeeded, numbered without gaps, at their versions; the store agrees with
    the cache; no reader ever saw a risk without its version (or the reverse).
    """
    service = desk.service
    ticket_id = desk.ready_ticket()
    base = service.get_ticket(ticket_id).version  # opened and instructed: no risk yet
    stop = threading.Event()
    torn: list[tuple[int, int]] = []

    def read() -> None:
        while not stop.is_set():
            for ticket in (service.get_ticket(ticket_id), service.peek(Ticket, ticket_id)):
                if ticket.version - base != len(ticket.risks):
                    torn.append((ticket.version, len(ticket.risks)))

    def disclose(_: int) -> int | None:
        try:
            return _disclose(desk, ticket_id).version
        except Conflict:
            return None

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        with ThreadPoolExecutor(8) as pool:
            outcomes = list(pool.map(disclose, range(64), timeout=WAIT))
    finally:
        stop.set()
        for reader in readers:
            reader.join(WAIT)
    won = sorted(v for v in outcomes if v is not None)
    assert won, "no command succeeded"
    assert won == list(range(base + 1, base + 1 + len(won)))  # one winner per version
    cached = service.get_ticket(ticket_id)
    assert cached.version == base + len(won)
    assert list(cached.risks) == [f"risk-{n}" for n in range(1, len(won) + 1)]
    stored = service.repository.get(ticket_id, version=cached.version)  # replayed from the store
    assert (stored.version, stored.risks) == (cached.version, cached.risks)
    assert torn == []


# ---- idempotency keys: no lookup in the store before a first attempt ----------------------


def _with_key(ctx: CommandContext, key: str) -> CommandContext:
    return msgspec.structs.replace(ctx, idempotency_key=key, fingerprint="request-1")


def _forget_everything(service: EConcierge) -> None:
    cache = service.repository.cache
    assert cache is not None
    cache.clear()  # type: ignore[attr-defined]  # as after a restart, or in another process


def test_a_first_attempt_does_not_look_for_its_key_in_the_store(desk: world.Desk) -> None:
    service = desk.service
    ticket_id = desk.ready_ticket()
    asked: list[UUID] = []
    original = service.repository.get

    def get(aggregate_id: UUID, **options: Any) -> Any:
        asked.append(aggregate_id)
        return original(aggregate_id, **options)

    ctx = _with_key(desk.concierge(), "first-attempt")
    service.repository.get = get  # type: ignore[method-assign]
    try:
        service.disclose_risk(ctx, ticket_id, "Data may be lost", RiskLevel.LOW)
    finally:
        del service.repository.get
    assert service._idempotency_id(ctx) not in asked


@pytest.mark.parametrize("cached", [True, False], ids=["cached", "after a restart"])
def test_a_retry_with_the_same_key_is_replayed(desk: world.Desk, cached: bool) -> None:
    """Even when the change would now be refused (the risk is acknowledged already, O6)."""
    service = desk.service
    ticket_id = desk.ready_ticket()
    _disclose(desk, ticket_id)
    ctx = _with_key(world.customer(), "ack-risk-1")
    first = service.acknowledge_risk(ctx, ticket_id, "risk-1")
    if not cached:
        _forget_everything(service)
    again = service.acknowledge_risk(ctx, ticket_id, "risk-1")
    assert (again.id, again.version, again.replayed) == (first.id, first.version, True)
    assert service.get_ticket(ticket_id).version == first.version  # one effect

    opened = service.open_ticket(_with_key(world.customer(), "open-1"), _request(desk))
    if not cached:
        _forget_everything(service)
    reopened = service.open_ticket(_with_key(world.customer(), "open-1"), _request(desk))
    assert (reopened.id, reopened.replayed) == (opened.id, True)


def test_a_key_used_for_another_request_is_refused_after_a_restart(desk: world.Desk) -> None:
    service = desk.service
    ticket_id = desk.ready_ticket()
    ctx = _with_key(desk.concierge(), "one-key")
    service.disclose_risk(ctx, ticket_id, "Data may be lost", RiskLevel.LOW)
    _forget_everything(service)
    other = msgspec.structs.replace(ctx, fingerprint="request-2")
    with pytest.raises(InvalidInput, match="Idempotency-Key"):
        service.disclose_risk(other, ticket_id, "Another risk", RiskLevel.LOW)
    assert len(service.get_ticket(ticket_id).risks) == 1


def _request(desk: world.Desk) -> TicketRequest:
    return TicketRequest(contract_id=desk.contract_id, cluster="hq", kind=WorkKind.TROUBLE, summary="x")


# ---- several processes: fast-forward onto a fork ------------------------------------------


def test_a_fast_forward_does_not_change_the_cached_aggregate_in_place(
    desk: world.Desk, settings: Settings, clock: FixedClock
) -> None:
    """Another process wrote: the next load applies its events to a copy, cached after."""
    ticket_id = desk.ready_ticket()
    reader = build(msgspec.structs.replace(settings, cache_fastforward=True), clock)
    try:
        held = reader.peek(Ticket, ticket_id)
        state = copy.deepcopy(vars(held))
        _disclose(desk, ticket_id)  # written by "the other process"
        fresh = reader.get_ticket(ticket_id)
        assert fresh.version == held.version + 1 and list(fresh.risks) == ["risk-1"]
        assert vars(held).keys() == state.keys()
        assert (held.version, held.risks) == (state["_version"], state["risks"])  # untouched
        assert reader.peek(Ticket, ticket_id).version == fresh.version  # the cache moved on
    finally:
        reader.close()
