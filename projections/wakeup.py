"""Waking runners when new events arrive: a poll interval, plus LISTEN/NOTIFY on PostgreSQL.

The event store's recorder sends NOTIFY on its channel in every insert transaction. A
listener thread wakes every runner of this process on each notification. If its
connection drops, runners keep polling at their interval while the listener reconnects
with backoff: a lost LISTEN delays views by at most one poll, it never stops them.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from projections.election import runner_name
from projections.store import PostgresViewStore

log = logging.getLogger(__name__)


class Wakeup:
    """A broadcast to the runners of one process."""

    def __init__(self) -> None:
        self._events: list[threading.Event] = []
        self._lock = threading.Lock()

    def subscribe(self) -> threading.Event:
        event = threading.Event()
        with self._lock:
            self._events.append(event)
        return event

    def notify_all(self) -> None:
        with self._lock:
            for event in self._events:
                event.set()


class Listener(threading.Thread):
    """LISTEN on the event store's channel and wake everyone on each NOTIFY (supervised)."""

    def __init__(
        self, store: PostgresViewStore, channel: str, wakeup: Wakeup, stop: threading.Event
    ) -> None:
        super().__init__(name="projections-listen", daemon=True)
        self._store = store
        self._channel = channel
        self._wakeup = wakeup
        self._stop = stop

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = 0.5
            except Exception as error:  # noqa: BLE001 - reconnect; runners still poll meanwhile
                log.warning(
                    "LISTEN %s failed (%s); retrying in %.1fs", self._channel, error, backoff
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)

    def _listen(self) -> None:
        from psycopg import sql

        conn: Any = self._store.connect(autocommit=True, application_name=f"{runner_name()} listen")
        with conn:
            conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._wakeup.notify_all()  # events may have arrived while we were not listening
            while not self._stop.is_set():
                for _ in conn.notifies(timeout=1.0, stop_after=1):
                    self._wakeup.notify_all()
