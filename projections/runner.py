"""Running a view over the log: batches, catch-up, read-your-writes, status (rebuilds: rebuild.py).

A batch reads the view's position under a lock, fetches the next notifications after it
(ids may have gaps: we always ask for "after my position", never for position + 1),
lets the view write its rows, and advances the position, all in one transaction of the
view store. A crash anywhere rolls the batch back whole; the next run redoes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from threading import Event

import msgspec

from infra.application import ServiceApplication
from projections import positions
from projections.store import ViewStore
from projections.view import View, decode

BATCH_SIZE = 500  # live running: small enough to keep transactions short
#: While a view is behind (each batch comes back full), its batches grow up to this many
#: times the base size: a view's per-batch work (the billing view recomputes each touched
#: contract's statements) is then shared by more events; catching up on 150 000 events
#: went from 3 200 to 5 500 events/s with batches of up to 5 000.
GROWTH_LIMIT = 16

#: Called after each committed batch with (position, head).
ProgressCallback = Callable[[int, int], None]


def head(service: ServiceApplication) -> int:
    """The log's last position (0 for an empty store)."""
    return service.recorder.max_notification_id() or 0


def process_batch(
    service: ServiceApplication, store: ViewStore, view: View, limit: int
) -> int | None:
    """Apply the next batch of events to the view; its new position, or None if none was left."""
    applied = _apply_batch(service, store, view, limit)
    return applied[0] if applied else None


def _apply_batch(
    service: ServiceApplication, store: ViewStore, view: View, limit: int
) -> tuple[int, int] | None:
    """The next batch applied: (the view's new position, the events read), or None."""
    with store.transaction() as tx:
        position = positions.lock(tx, view.name)
        notifications = service.recorder.select_notifications(start=position + 1, limit=limit)
        if not notifications:
            return None
        batch = decode(service.mapper, notifications)
        if batch:
            view.apply(tx, batch)
        last = notifications[-1].id
        positions.advance(tx, view.name, last)  # ignored events advance it too
    return last, len(notifications)


class Batches:
    """One view's batches: `size` events while it keeps up, growing while it is behind.

    A full batch means more events are waiting: the next one is twice as large, up to
    GROWTH_LIMIT times `size`; a batch that empties the log brings it back to `size`.
    """

    def __init__(self, service: ServiceApplication, store: ViewStore, view: View, size: int) -> None:
        self.service, self.store, self.view = service, store, view
        self.base = self.size = size

    def next(self) -> int | None:
        """Apply the next batch; the view's new position, or None if none was left."""
        applied = _apply_batch(self.service, self.store, self.view, self.size)
        if applied is None or applied[1] < self.size:
            self.size = self.base
        else:
            self.size = min(self.size * 2, self.base * GROWTH_LIMIT)
        return applied[0] if applied else None


def catch_up(
    service: ServiceApplication,
    store: ViewStore,
    view: View,
    *,
    batch_size: int = BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    stop: Event | None = None,
) -> int:
    """Process batches until the view has every event in the log now; its position."""
    target = head(service)
    with store.read() as tx:
        position = positions.read(tx, view.name)
    batches = Batches(service, store, view, batch_size)
    while position < target and not (stop and stop.is_set()):
        new = batches.next()
        if new is None:
            break
        position = new
        if on_progress:
            on_progress(position, max(target, position))
    return position


def catch_up_all(service: ServiceApplication, store: ViewStore, views: Sequence[View]) -> None:
    """Bring every view up to the log's head now (tests, and one-shot runs)."""
    for view in views:
        positions.ensure(store, view)
        catch_up(service, store, view)


def rebuild(
    service: ServiceApplication,
    store: ViewStore,
    view: View,
    *,
    batch_size: int | None = None,
    on_progress: ProgressCallback | None = None,
) -> int:
    """Build the view again from position 0 (projections/rebuild.py); its final position."""
    from projections.rebuild import REBUILD_BATCH_SIZE, rebuild_views

    return rebuild_views(
        service, store, [view], batch_size=batch_size or REBUILD_BATCH_SIZE, on_progress=on_progress
    )


def wait_for_position(
    store: ViewStore,
    name: str,
    min_position: int | None,
    timeout: float = 5.0,
    interval: float = 0.05,
) -> tuple[int, bool]:
    """Wait (bounded) until view `name` has reached `min_position`: (its position, caught up?)."""
    deadline = time.monotonic() + timeout
    while True:
        with store.read() as tx:
            position = positions.read(tx, name)
        if min_position is None or position >= min_position:
            return position, True
        if time.monotonic() >= deadline:
            return position, False
        time.sleep(interval)


class ViewStatus(msgspec.Struct, frozen=True):
    """How far one view is: its position, the log's head, and the gap between them."""

    name: str
    position: int
    head: int
    behind: int  # head - position: an upper bound on unprocessed events (ids have gaps)
    version: int
    updated_at: float | None  # epoch seconds of its last commit


def status(
    service: ServiceApplication, store: ViewStore, views: Sequence[View]
) -> list[ViewStatus]:
    top = head(service)
    with store.read() as tx:
        tracked = positions.all_tracked(tx)
    answer = []
    for view in views:
        row = tracked.get(view.name)
        position = row.position if row else 0
        answer.append(
            ViewStatus(
                name=view.name,
                position=position,
                head=top,
                behind=max(0, top - position),
                version=row.version if row else view.version,
                updated_at=row.updated_at if row else None,
            )
        )
    return answer
