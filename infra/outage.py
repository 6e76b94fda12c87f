"""While PostgreSQL is unreachable: fail fast with "retry later", and notice its return.

The library retries a failed query ten times, each waiting up to the pool's timeout, so a
request would hang for about a minute before it failed. The API wants the opposite: a
quick 503 with Retry-After (the client retries with its Idempotency-Key) and a quick
recovery. So `fail_fast` keeps one immediate retry (a pooled connection that the server
dropped fails once, then the pool replaces it) and `StoreGuard` opens after a failure:
later requests are refused at once until a direct probe connection succeeds again.
Nothing here writes: an append is one transaction, so a failure never half-applies it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool
from eventsourcing import persistence
from psycopg import sql

from infra.settings import Settings

log = logging.getLogger("econcierge.store")

#: Seconds a client should wait before retrying a command refused during an outage.
RETRY_AFTER_SECONDS = 2

#: Failures that mean "the store cannot be reached now", never "the request is wrong".
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    persistence.OperationalError,  # includes the library's ConnectionUnavailableError
    persistence.InterfaceError,
    psycopg.OperationalError,  # includes psycopg_pool.PoolTimeout
    psycopg.InterfaceError,
    psycopg_pool.PoolClosed,
)

_READS = ("select_events", "select_notifications", "max_notification_id")
_WRITES = ("insert_events",)  # never retried: a lost commit ack must reach the client as 503


class StoreUnavailable(Exception):
    """The event store is unreachable (answered 503 with Retry-After)."""


def is_outage(error: BaseException) -> bool:
    return isinstance(error, (*OUTAGE_ERRORS, StoreUnavailable))


#: Operational errors of one statement on a live server: too busy, not gone (still a 503).
_BUSY = (
    psycopg.errors.LockNotAvailable,  # POSTGRES_LOCK_TIMEOUT on the append lock
    psycopg.errors.QueryCanceled,
    psycopg.errors.TransactionRollback,  # deadlock, serialisation failure
)


def is_busy(error: BaseException) -> bool:
    """True when the server answered but refused this statement: no reason to stop probing."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _BUSY):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def fail_fast(recorder: Any) -> None:
    """Replace the library's 10-attempt retries on this recorder with at most one retry."""
    if getattr(recorder, "_econcierge_fail_fast", False):
        return
    for name, attempts in [*((n, 2) for n in _READS), *((n, 1) for n in _WRITES)]:
        method = getattr(type(recorder), name, None)
        raw = getattr(method, "__wrapped__", None)  # eventsourcing.utils.retry keeps it
        if raw is not None:
            setattr(recorder, name, _with_attempts(raw.__get__(recorder), attempts))
    recorder._econcierge_fail_fast = True


def _with_attempts(call: Callable[..., Any], attempts: int) -> Callable[..., Any]:
    @functools.wraps(call)
    def attempt(*args: Any, **kwargs: Any) -> Any:
        for n in range(attempts):
            try:
                return call(*args, **kwargs)
            except (persistence.OperationalError, persistence.InterfaceError) as error:
                # Waiting for a pool connection already took the pool's timeout: do not repeat it.
                if n + 1 >= attempts or isinstance(error.__cause__, psycopg_pool.PoolTimeout):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    return attempt


class StoreGuard:
    """Open after a store failure; while open, refuse at once and probe at most every `interval`."""

    def __init__(
        self,
        settings: Settings,
        events_table: str,
        *,
        interval: float = 0.5,
        probe_timeout: int = 2,
    ) -> None:
        self.settings = settings
        self.events_table = events_table
        self.interval = interval
        self.probe_timeout = probe_timeout
        self.down_since: float | None = None
        self._last_probe = 0.0
        self._lock = threading.Lock()

    @property
    def watched(self) -> bool:
        """Only a server can go away; the embedded SQLite store is a file."""
        return bool(self.settings.database_url)

    @property
    def up(self) -> bool:
        return self.down_since is None

    def failed(self) -> None:
        """A request met an outage error: open (refuse fast until a probe succeeds)."""
        if self.watched and self.down_since is None:
            self.down_since = time.monotonic()
            self._last_probe = time.monotonic()
            log.warning("event store unreachable: answering 503 until it is back")

    def check(self) -> None:
        """Raise StoreUnavailable while open; one caller at a time probes (blocking, short)."""
        if self.down_since is None:
            return
        if time.monotonic() - self._last_probe < self.interval or not self._lock.acquire(
            blocking=False
        ):
            raise StoreUnavailable("the event store is unreachable")
        try:
            self._last_probe = time.monotonic()
            if self.probe() is not None:
                raise StoreUnavailable("the event store is unreachable")
            outage = time.monotonic() - self.down_since
            self.down_since = None
            log.warning("event store reachable again after %.1f s", outage)
        finally:
            self._lock.release()

    def probe(self) -> str | None:
        """None when the store answers and its schema is in place, else why not."""
        if not self.settings.database_url:
            return None
        schema = self.settings.db_schema or "public"
        try:
            with psycopg.connect(
                self.settings.database_url, connect_timeout=self.probe_timeout, autocommit=True
            ) as conn:
                row = conn.execute(
                    sql.SQL("SELECT to_regclass({})").format(
                        sql.Literal(f'"{schema}"."{self.events_table}"')
                    )
                ).fetchone()
        except psycopg.Error as error:
            return f"unreachable: {type(error).__name__}"
        if not row or row[0] is None:
            return f"schema not ready: no table {self.events_table}"
        return None

    @classmethod
    def of(cls, service: Any) -> StoreGuard:
        """The guard of one application service (its settings and its events table)."""
        table = str(getattr(service.recorder, "events_table_name", "stored_events"))
        return cls(service.settings, table.split(".")[-1].strip('"'))
