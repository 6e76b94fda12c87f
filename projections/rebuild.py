"""Rebuilding views: one shared read of the log for all of them, into fresh tables, then a swap.

`rebuild_views` reads and decodes the log once, in large batches (a reader thread reads and
decodes the next batch while this one is written), and hands each batch to the builder of
every view being rebuilt (projections/view.py `Builder`), which writes into a *shadow*: a
schema `<schema>__rebuild` on PostgreSQL, a file `views.rebuild.sqlite3` on SQLite. Readers
and live runners keep the old tables meanwhile. At the end the builders finish (rows that
depend on the whole log), and one transaction swaps the new tables in: it locks the views'
positions (live runners wait), replaces the tables, applies the events recorded since the
read as a live runner would, and sets the positions. So readers see the old view, then the
complete new one, never half of one; a crash anywhere before the swap leaves the live views
as they were (with their own positions), and running the rebuild again starts over.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from infra.application import ServiceApplication
from projections import positions
from projections.runner import head
from projections.store import Tx, ViewStore, is_index
from projections.view import Builder, Envelope, View, decode

REBUILD_BATCH_SIZE = 10_000  # events per read and per shadow transaction
#: Events left to apply under the swap's lock: fewer than this, or the rebuild reads on.
SWAP_GAP = 2_000
_ROUNDS = 5  # reads of newly recorded events before the swap takes what is left
MAINTENANCE_WORK_MEM = "256MB"  # PostgreSQL: for the index builds of a rebuild's shadow

#: Called after each batch with (position, head).
ProgressCallback = Callable[[int, int], None]
#: Called when a phase starts: "read", "finish", "swap".
PhaseCallback = Callable[[str], None]


def rebuild_views(
    service: ServiceApplication,
    store: ViewStore,
    views: Sequence[View],
    *,
    batch_size: int = REBUILD_BATCH_SIZE,
    on_progress: ProgressCallback | None = None,
    on_phase: PhaseCallback | None = None,
) -> int:
    """Rebuild these views from position 0 with one read of the log; their final position."""
    views = sorted(views, key=lambda v: v.name)  # the swap locks positions in name order
    phase = on_phase or (lambda _: None)
    progress = on_progress or (lambda _p, _h: None)
    with store.rebuild_lock():
        for view in views:
            positions.ensure(store, view)  # a newer release's view is never rebuilt here
        shadow = store.shadow()
        try:
            shared: dict[str, object] = {}
            builders = [view.builder(shared) for view in views]
            with shadow.transaction() as tx:
                for builder in builders:
                    for statement in builder.view.ddl:
                        if not (builder.defer_indexes and is_index(statement)):
                            tx.execute(statement)
            phase("read")
            position = _read(service, shadow, builders, 0, batch_size, progress)
            phase("finish")
            with shadow.transaction() as tx:
                if tx.dialect == "postgres":  # the index builds sort in memory
                    tx.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
                for builder in builders:
                    _finish(tx, builder)
            # Events recorded meanwhile, as a live runner applies them (still in the shadow).
            position = _follow(service, shadow, views, position, batch_size, progress)
            phase("swap")
            with store.swapping(shadow) as tx:
                tx.serialise("projection-ddl")  # as positions.ensure/reset: DDL one at a time
                for view in views:
                    positions.lock(tx, view.name)  # live runners of these views wait
                for view in views:
                    store.adopt(tx, shadow, view.tables, view.ddl)
                position = _catch_up(service, tx, views, position, batch_size)
                for view in views:
                    _set_position(tx, view, position)
            progress(position, max(position, head(service)))
        finally:
            store.discard(shadow)
    return position


def _finish(tx: Tx, builder: Builder) -> None:
    """The builder's last rows, and the indexes it did without while loading."""
    if not builder.defer_indexes:
        builder.finish(tx)
        return
    indexes = [statement for statement in builder.view.ddl if is_index(statement)]
    if not builder.finish_reads:
        builder.finish(tx)
    for statement in indexes:
        tx.execute(statement)
    if builder.finish_reads:
        builder.finish(tx)


def _read(
    service: ServiceApplication,
    shadow: ViewStore,
    builders: Sequence[Builder],
    position: int,
    batch_size: int,
    progress: ProgressCallback,
) -> int:
    """Feed the builders the log up to its head, then what arrived meanwhile (a few rounds)."""
    for round_ in range(_ROUNDS):
        target = head(service)
        if round_ and target - position <= SWAP_GAP:
            break
        for last, batch in _scan(service, position, target, batch_size):
            if batch:
                with shadow.transaction() as tx:
                    for builder in builders:
                        builder.apply(tx, batch)
            position = last
            progress(position, target)
    return position


def _follow(
    service: ServiceApplication,
    shadow: ViewStore,
    views: Sequence[View],
    position: int,
    batch_size: int,
    progress: ProgressCallback,
) -> int:
    """Apply newly recorded events to the finished shadow (the live path) until few are left."""
    for _ in range(_ROUNDS):
        target = head(service)
        if target - position <= SWAP_GAP:
            break
        with shadow.transaction() as tx:
            position = _catch_up(service, tx, views, position, batch_size, target)
        progress(position, target)
    return position


def _catch_up(
    service: ServiceApplication,
    tx: Tx,
    views: Sequence[View],
    position: int,
    batch_size: int,
    stop: int | None = None,
) -> int:
    """Apply the events after `position` (up to `stop`, else the head) with `View.apply`."""
    while True:
        notifications = service.recorder.select_notifications(
            start=position + 1, limit=batch_size, stop=stop
        )
        if not notifications:
            return position
        batch = decode(service.mapper, notifications)
        if batch:
            for view in views:
                view.apply(tx, batch)
        position = notifications[-1].id


def _set_position(tx: Tx, view: View, position: int) -> None:
    tx.execute(
        f"UPDATE {positions.TABLE} SET position = ?, version = ?, updated_at = ? WHERE name = ?",
        (position, view.version, time.time(), view.name),
    )


_DONE = object()


def _scan(
    service: ServiceApplication, after: int, stop: int, batch_size: int
) -> Iterator[tuple[int, list[Envelope]]]:
    """(last position, decoded events) of each batch after `after` up to `stop`, read and
    decoded ahead on a thread: its reads and decoding overlap the caller's writes."""
    ready: queue.Queue[object] = queue.Queue(maxsize=2)
    halt = threading.Event()

    def hand(item: object) -> bool:
        while not halt.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        position = after
        try:
            while position < stop:
                found = service.recorder.select_notifications(
                    start=position + 1, limit=batch_size, stop=stop
                )
                if not found:
                    break
                position = found[-1].id
                if not hand((position, decode(service.mapper, found))):
                    return
        except BaseException as error:  # noqa: BLE001 - raised again in the caller's thread
            hand(error)
            return
        hand(_DONE)

    reader = threading.Thread(target=read, name="rebuild-read", daemon=True)
    reader.start()
    try:
        while True:
            item = ready.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        halt.set()
        reader.join()
