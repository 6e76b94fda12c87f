"""Keeping views up to date continuously: one supervised runner thread per view.

Each runner stands by until it holds its view's election (always, on SQLite), then
processes batches while events are waiting and sleeps until woken (LISTEN/NOTIFY) or its
poll interval passes. An error (database restart, a bug in a view) never ends the
thread: it logs, steps down, backs off and tries again from the committed position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from infra.application import ServiceApplication
from infra.bootstrap import EConcierge
from projections import positions
from projections.election import Election, election_for
from projections.runner import BATCH_SIZE, Batches
from projections.store import PostgresViewStore, ViewStore
from projections.view import View
from projections.wakeup import Listener, Wakeup

log = logging.getLogger(__name__)


class Runner(threading.Thread):
    """Keeps one view caught up while this process is its elected runner."""

    def __init__(
        self,
        service: ServiceApplication,
        store: ViewStore,
        view: View,
        *,
        election: Election,
        woken: threading.Event,
        stop: threading.Event,
        batch_size: int,
        poll_interval: float,
    ) -> None:
        super().__init__(name=f"projection-{view.name}", daemon=True)
        self.service, self.store, self.view = service, store, view
        self.election, self.woken, self.stop_event = election, woken, stop
        self.batch_size, self.poll_interval = batch_size, poll_interval

    def run(self) -> None:
        backoff = 0.5
        ensured = False
        batches = Batches(self.service, self.store, self.view, self.batch_size)
        while not self.stop_event.is_set():
            try:
                if not self.election.holds():
                    self.stop_event.wait(self.poll_interval)  # standby: try again soon
                    continue
                if not ensured:
                    positions.ensure(self.store, self.view)
                    ensured = True
                self.woken.clear()
                if batches.next() is None:
                    self.woken.wait(self.poll_interval)
                backoff = 0.5
            except Exception:  # supervise: log, step down, retry
                log.exception("projection %s failed; retrying in %.1fs", self.view.name, backoff)
                self.election.release()
                ensured = False
                self.stop_event.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self.election.release()


class Projections:
    """The running projections of one process; `stop()` ends them."""

    def __init__(self, runners: Sequence[Runner], stop: threading.Event, wakeup: Wakeup) -> None:
        self.runners = list(runners)
        self._stop = stop
        self._wakeup = wakeup

    def poke(self) -> None:
        """Wake every runner now (e.g. right after this process saved events)."""
        self._wakeup.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wakeup.notify_all()
        for runner in self.runners:
            runner.join(timeout)

    def wait(self) -> None:
        """Block until stopped (the worker's main thread)."""
        while not self._stop.wait(1.0):
            pass


def start_projections(
    service: ServiceApplication,
    store: ViewStore,
    views: Sequence[View],
    *,
    batch_size: int = BATCH_SIZE,
    poll_interval: float | None = None,
) -> Projections:
    """Start one runner per view (and a LISTEN thread on PostgreSQL)."""
    stop, wakeup = threading.Event(), Wakeup()
    if isinstance(store, PostgresViewStore):
        channel = getattr(service.recorder, "channel_name", None)
        if channel:
            Listener(store, channel, wakeup, stop).start()
    # Without NOTIFY (SQLite) the poll is the only wake-up, so it is shorter.
    interval = poll_interval or (1.0 if isinstance(store, PostgresViewStore) else 0.2)
    runners = [
        Runner(
            service,
            store,
            view,
            election=election_for(store, view.name),
            woken=wakeup.subscribe(),
            stop=stop,
            batch_size=batch_size,
            poll_interval=interval,
        )
        for view in views
    ]
    for runner in runners:
        runner.start()
    return Projections(runners, stop, wakeup)


def start_projections_in_background(service: EConcierge) -> Projections:
    """Run every view of the catalog inside this process (`econcierge serve`, embedded)."""
    from projections.catalog import VIEWS, views_of

    return start_projections(service, views_of(service), VIEWS)
