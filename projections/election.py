"""Who runs a projection: one active runner per view, elected with a PostgreSQL advisory lock.

The lock is session-level, held on a dedicated connection: when the active process dies,
its connection closes and the server releases the lock, so a standby's next try wins.
Correctness never rests on the lock alone (batches lock the view's position row), so a
moment with two actives, e.g. while a dead connection is noticed, costs only waiting.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import Any, Protocol

from projections.store import PostgresViewStore, ViewStore, lock_key

log = logging.getLogger(__name__)


class Election(Protocol):
    def holds(self) -> bool:
        """True while this runner is the active one (tries to become it if not)."""

    def release(self) -> None:
        """Step down (on stop, or after an error)."""


class AlwaysActive:
    """The embedded default: one process, nothing to elect."""

    def holds(self) -> bool:
        return True

    def release(self) -> None:
        return None


class AdvisoryLockElection:
    """`pg_try_advisory_lock` on a dedicated connection, re-checked every `check_every` s."""

    def __init__(self, store: PostgresViewStore, view_name: str, check_every: float = 1.0) -> None:
        self._store = store
        self.view_name = view_name
        self.key = lock_key(store.namespace, "projection", view_name)
        self._check_every = check_every
        self._conn: Any = None
        self._active = False
        self._checked = 0.0

    def holds(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self._conn = self._store.connect(autocommit=True, application_name=runner_name())
                self._active = False
            now = time.monotonic()
            if not self._active:
                row = self._conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
                self._active = bool(row and row[0])
                self._checked = now
                if self._active:
                    log.info("projection %s: this process is now the active runner", self.view_name)
            elif now - self._checked >= self._check_every:
                self._conn.execute("SELECT 1")  # a dropped lock connection means we lost the lock
                self._checked = now
        except Exception as error:  # noqa: BLE001 - any failure: not active, retry later
            if self._active:
                log.warning(
                    "projection %s: lost the lock connection (%s); standing by",
                    self.view_name,
                    error,
                )
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


def runner_name() -> str:
    """How this process shows in pg_stat_activity (and in `projections status`)."""
    return f"econcierge-projections {socket.gethostname()}:{os.getpid()}"


def election_for(store: ViewStore, view_name: str) -> Election:
    if isinstance(store, PostgresViewStore):
        return AdvisoryLockElection(store, view_name)
    return AlwaysActive()


def active_runners(store: ViewStore, view_names: list[str]) -> dict[str, str | None]:
    """Which process holds each view's election lock (`runner_name()`; PostgreSQL only)."""
    if not isinstance(store, PostgresViewStore):
        return {}
    answer: dict[str, str | None] = {}
    with store.read() as tx:
        for name in view_names:
            key = lock_key(store.namespace, "projection", name) & 0xFFFFFFFFFFFFFFFF
            row = tx.fetchone(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND l.database = a.datid"
                " AND l.classid = CAST(? AS oid) AND l.objid = CAST(? AS oid) AND l.objsubid = 1",
                (key >> 32, key & 0xFFFFFFFF),
            )
            answer[name] = str(row[0]) if row else None
    return answer
