"""Failing fast while the store is away: one retry at most, then refuse until a probe passes."""

from __future__ import annotations

from pathlib import Path

import psycopg
import psycopg_pool
import pytest
from eventsourcing.persistence import OperationalError
from eventsourcing.utils import retry

from infra.outage import StoreGuard, StoreUnavailable, fail_fast, is_busy
from infra.settings import Settings


class FlakyRecorder:
    """Fails `failures` times, with the library's retry decorator on its methods."""

    def __init__(self, failures: int, cause: Exception | None = None) -> None:
        self.failures, self.cause, self.calls = failures, cause, 0

    def _call(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise OperationalError("server closed the connection") from self.cause
        return "ok"

    @retry(OperationalError, max_attempts=10, wait=0.2)
    def max_notification_id(self) -> str:
        return self._call()

    @retry(OperationalError, max_attempts=10, wait=0.2)
    def insert_events(self) -> str:
        return self._call()


def test_a_read_is_retried_once_at_once_for_a_dropped_connection() -> None:
    recorder = FlakyRecorder(failures=1)
    fail_fast(recorder)
    assert recorder.max_notification_id() == "ok"
    assert recorder.calls == 2


def test_a_read_that_waited_for_the_pool_in_vain_is_not_retried() -> None:
    recorder = FlakyRecorder(failures=1, cause=psycopg_pool.PoolTimeout("no connection"))
    fail_fast(recorder)
    with pytest.raises(OperationalError):
        recorder.max_notification_id()
    assert recorder.calls == 1


def test_an_append_is_never_retried_so_the_client_hears_of_the_failure() -> None:
    recorder = FlakyRecorder(failures=1)
    fail_fast(recorder)
    with pytest.raises(OperationalError):
        recorder.insert_events()
    assert recorder.calls == 1


class ProbedGuard(StoreGuard):
    def __init__(self, answer: str | None) -> None:
        super().__init__(
            Settings(database_url="postgresql://nowhere/x"), "econcierge_events", interval=0.0
        )
        self.answer, self.probes = answer, 0

    def probe(self) -> str | None:
        self.probes += 1
        return self.answer


def test_the_guard_refuses_while_the_probe_fails_and_opens_when_it_passes() -> None:
    guard = ProbedGuard("unreachable: OperationalError")
    guard.check()  # up: no probe at all
    guard.failed()
    with pytest.raises(StoreUnavailable):
        guard.check()
    guard.answer = None
    guard.check()
    assert guard.up and guard.probes == 2


def test_the_embedded_store_is_never_guarded(tmp_path: Path) -> None:
    guard = StoreGuard(Settings(data_dir=tmp_path), "econcierge_events")
    guard.failed()
    assert guard.up and guard.probe() is None


def test_a_lock_timeout_is_a_busy_server_not_a_lost_one() -> None:
    try:
        try:
            raise psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")
        except psycopg.Error as error:
            raise OperationalError(str(error)) from error  # as the library wraps it
    except OperationalError as wrapped:
        assert is_busy(wrapped)
    assert not is_busy(OperationalError("connection refused"))
