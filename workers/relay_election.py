"""One active relay per stream, elected with a PostgreSQL advisory lock; others stand by.

Run a second `econcierge worker relay` for availability: it stands by until the active
one's lock connection closes (the process died or stopped, and the server released the
lock), then takes over within about a second, resuming after the shared tracked position
and the stream's last message. Correctness never rests on the lock: two relays publishing
at once are kept apart by the expected last sequence (one of them is refused and re-aligns
with the stream) and by JetStream's de-duplication; the lock only saves that waste. On
SQLite (the embedded default, one process) the relay is always active.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import Any

import psycopg

from infra.settings import Settings
from projections.election import AlwaysActive, Election
from projections.store import lock_key

log = logging.getLogger("econcierge.relay")


class RelayLock:
    """`pg_try_advisory_lock` on a dedicated connection, re-checked every `check_every` s."""

    def __init__(self, url: str, schema: str | None, stream: str, check_every: float = 1.0) -> None:
        self._url = url
        self.stream = stream
        self.key = lock_key(schema or "public", "nats-relay", stream)
        self._check_every = check_every
        self._conn: psycopg.Connection[Any] | None = None
        self._active = False
        self._checked = 0.0

    def holds(self) -> bool:
        """True while this relay is the active one (tries to become it if not); blocking."""
        try:
            if self._conn is None or self._conn.closed:
                self._conn = psycopg.connect(
                    self._url, autocommit=True, connect_timeout=5, application_name=relay_name()
                )
                self._active = False
            now = time.monotonic()
            if not self._active:
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                self._active = bool(row and row[0])
                self._checked = now
                if self._active:
                    log.info("relay %s: this process is now the active relay", self.stream)
            elif now - self._checked >= self._check_every:
                self._conn.execute("SELECT 1")  # a dropped lock connection means we lost the lock
                self._checked = now
        except Exception as error:  # noqa: BLE001 - any failure: not active, retry later
            if self._active:
                log.warning("relay %s: lost the lock connection (%s)", self.stream, error)
            self._drop()
        return self._active

    def release(self) -> None:
        if self._conn is not None and self._active:
            with contextlib.suppress(Exception):  # closing the connection releases it anyway
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._drop()

    def _drop(self) -> None:
        self._active = False
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


def relay_name() -> str:
    """How the lock's connection shows in pg_stat_activity."""
    return f"econcierge-relay {socket.gethostname()}:{os.getpid()}"


def relay_election(settings: Settings) -> Election:
    """The lock on PostgreSQL; always active on SQLite."""
    if settings.database_url:
        return RelayLock(settings.database_url, settings.db_schema, settings.nats_stream)
    return AlwaysActive()
