"""Benchmark figures of the provable trail (issue 9, done 3), for the benchmark suite.

`run(quick)` returns two figures, each {name, value, unit, baseline, ratio, target, met}:
- `trail.command_path`: commands per second through the application service (load,
  command, save) with the trail's mapper (hash chain and sealed personal fields), as a
  ratio against the same path with the plain msgspec mapper. Target >= 0.9.
- `trail.verify`: events per second of `audit verify` (decode, re-hash, chain and
  checkpoint checks) as a ratio against a bare scan of the same log. Target >= 0.5.
Storage: PostgreSQL, as the rest of the suite (a throwaway database on the server of
tests/benchmarks/pg.py). Variants alternate over several rounds.
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Mapper

from domain.aggregates.contract import Contract
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from infra.application import CommandContext
from infra.bootstrap import EConcierge, ensure_database
from infra.checkpoints import scan, seal
from infra.clock import JST, FixedClock
from infra.services.contracts import ContractApplication
from infra.settings import Settings
from infra.transcoding import MsgspecMapper
from infra.verify import verify
from tests.benchmarks import pg
from tests.benchmarks.figures import figure

NOW = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
_FEES = itertools.count(1)


class PlainService(EConcierge):
    """The same application service without the trail: the plain msgspec mapper."""

    def construct_mapper(self) -> Mapper[Any]:
        return MsgspecMapper()


@contextmanager
def _settings() -> Iterator[Settings]:
    with tempfile.TemporaryDirectory() as tmp, pg.throwaway_database("trail") as url:
        yield pg.pg_settings(url, Path(tmp), db_pool_size=4)


def _ctx() -> CommandContext:
    return CommandContext(meta=EventMeta("op-bench", Role.OPERATOR, "corr-bench", "req-bench"))


def _contracts(service: EConcierge, count: int) -> list[Any]:
    application = ContractApplication(
        customer_name="Bench Trading",
        quote=QuoteInputs(
            sites=(Site(prefecture="Tokyo", city="Minato", cluster="hq", clients=30),)
        ),
    )
    return [service.apply_for_contract(_ctx(), application).id for _ in range(count)]


def _commands(service: EConcierge, contracts: list[Any], count: int) -> float:
    """Seconds for `count` commands, half of them with personal text (a fee reason)."""
    started = time.perf_counter()
    for i in range(count):
        contract_id = contracts[i % len(contracts)]
        if i % 2:
            fee = 90_000 + next(_FEES)  # a new fee each time (an unchanged fee is refused)
            service.renegotiate_fee(
                _ctx(), contract_id, fee, f"agreed with Yamada Taro, call {fee}", None
            )
        else:
            service.record_client_count(_ctx(), contract_id, "hq", 30 + next(_FEES) % 50, 1)
    return time.perf_counter() - started


def _service(kind: type[EConcierge], settings: Settings) -> EConcierge:
    ensure_database(settings)
    return kind(settings, FixedClock(NOW))


def command_path(quick: bool) -> dict[str, Any]:
    """Commands/s with the trail against the plain mapper.

    The two services run short batches in turn (the order swapping each round), so that a
    disk or CPU hiccup of the shared machine hits both alike; the figure is the median of
    the rounds' ratios, and the values are the medians of each side.
    """
    rounds, count = (40, 10) if quick else (150, 20)
    rates: dict[str, list[float]] = {"trail": [], "plain": []}
    with _settings() as trail_settings, _settings() as plain_settings:
        services = {
            "trail": _service(EConcierge, trail_settings),
            "plain": _service(PlainService, plain_settings),
        }
        try:
            contracts = {name: _contracts(s, 20) for name, s in services.items()}
            for name, service in services.items():
                _commands(service, contracts[name], count)  # warm up: caches, keys, statements
            for round_ in range(rounds):
                order = ["trail", "plain"] if round_ % 2 == 0 else ["plain", "trail"]
                for name in order:
                    rates[name].append(count / _commands(services[name], contracts[name], count))
        finally:
            for service in services.values():
                service.close()
    ratio = statistics.median(t / p for t, p in zip(rates["trail"], rates["plain"], strict=True))
    found = figure("trail.command_path", statistics.median(rates["trail"]), "commands/s",
                   statistics.median(rates["plain"]), ">= 0.9")  # fmt: skip
    found.update(ratio=round(ratio, 3), met=ratio >= 0.9)
    return found


def _log(service: EConcierge, contracts: int, changes: int) -> None:
    """A log of contracts with `changes` events each, saved one contract at a time."""
    cause = service.cause(_ctx())
    for contract_id in _contracts(service, contracts):
        contract = service.load(Contract, contract_id)
        for i in range(changes):
            if i % 2:
                fee = 90_000 + next(_FEES)
                contract.renegotiate_fee(
                    cause, fee, f"agreed with Yamada Taro, call {fee}", date(2027, 1, 1)
                )
            else:
                contract.record_client_count(cause, "hq", 30 + next(_FEES) % 50, 1)
        service.save(contract)


def verify_speed(quick: bool) -> dict[str, Any]:
    """`audit verify` events/s against reading the same log bare (best of several rounds)."""
    contracts, changes, rounds = (150, 20, 5) if quick else (1_000, 30, 5)
    with _settings() as settings:
        service = _service(EConcierge, settings)
        try:
            _log(service, contracts, changes)
            seal(service)
            events = service.recorder.max_notification_id() or 0
            bare = verified = 0.0
            for _ in range(rounds):
                bare = max(bare, events / _timed(lambda: sum(len(b) for b in scan(service, 1))))
                verified = max(verified, events / _timed(lambda: _check(service)))
        finally:
            service.close()
    return figure("trail.verify", verified, "events/s", bare, ">= 0.5")


def _check(service: EConcierge) -> None:
    report = verify(service)
    if not report.ok:
        raise AssertionError(report.breaks[:3])


def _timed(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def run(quick: bool) -> list[dict[str, Any]]:
    return [command_path(quick), verify_speed(quick)]


__all__ = ["run"]

if __name__ == "__main__":
    for figure in run(quick=True):
        print(figure)
