"""When snapshots are taken: every `ECONCIERGE_SNAPSHOT_INTERVAL` events of a long-lived kind.

The library's mechanism, configured from settings: the snapshot store is enabled
(`IS_SNAPSHOTTING_ENABLED`, infra/store.py), `snapshotting_intervals` names the kinds of
infra/snapshots.py with the interval, and `Application.take_snapshot` takes each one
(it loads the recorded state at that version, so a snapshot is what replay gives).
Two differences from the library's own `_take_snapshots`:
- one snapshot per aggregate and save, at the save's last version, when the save
  crossed a multiple of the interval (a save of many events would otherwise take one
  per multiple); so loading reads a snapshot and fewer than `interval` events;
- PostgreSQL commands are appended by the group committer, not by `save()`: the same
  step runs after `_store` there.
A snapshot is taken after the command's events are committed: if taking it fails, the
command still succeeded (the failure is logged; loading replays more events). Older
snapshots of the aggregate are deleted once a newer one is stored.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.postgres import PostgresFactory

from infra.application import ServiceApplication
from infra.ddl_lock import schema_lock
from infra.snapshots import KINDS, SnapshotMapper, prune

log = logging.getLogger("econcierge.snapshots")

#: (kind, aggregate id, first new version, last new version) of one save.
Span = tuple[type, UUID, int, int]


class Snapshotting(ServiceApplication):
    """Takes the snapshots of the application service (infra/bootstrap.py)."""

    def construct_snapshot_store(self) -> EventStore[UUID]:
        settings = getattr(self, "settings", None)  # set by EConcierge before the library's init
        interval = settings.snapshot_interval if settings is not None else 0
        # An instance attribute: the class's (empty) one keeps the library from turning
        # the store on by itself (Application.construct_env).
        self.snapshotting_intervals = (
            {kind.aggregate: interval for kind in KINDS} if interval > 0 else {}
        )
        factory = self.factory
        lock = contextlib.nullcontext()
        if isinstance(factory, PostgresFactory):  # processes that start together: DDL in turn
            lock = schema_lock(factory.datastore.pool.kwargs)  # type: ignore[assignment]
        with lock:
            recorder = factory.aggregate_recorder(purpose="snapshots")
        return factory.event_store(
            mapper=SnapshotMapper(getattr(self.mapper, "keys", None)), recorder=recorder
        )

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        # Called by `save()` (SQLite commands, checkpoints, anything saved directly).
        spans: dict[UUID, list[int]] = {}
        for event in processing_event.events:
            first_last = spans.setdefault(event.originator_id, [event.originator_version] * 2)
            first_last[0] = min(first_last[0], event.originator_version)
            first_last[1] = max(first_last[1], event.originator_version)
        aggregates = processing_event.aggregates
        self.snapshot_saved(
            (type(aggregates[i]), i, first, last)
            for i, (first, last) in spans.items()
            if i in aggregates
        )

    def _store(self, aggregates: Sequence[Aggregate]) -> int | None:
        if getattr(self, "group_committer", None) is None or not self.snapshotting_intervals:
            return super()._store(aggregates)  # save(): _take_snapshots runs inside
        spans = [
            (type(a), a.id, a.version - len(a.pending_events) + 1, a.version)
            for a in aggregates
            if a.pending_events
        ]
        position = super()._store(aggregates)
        self.snapshot_saved(spans)
        return position

    def snapshot_saved(self, spans: Iterable[Span]) -> None:
        """Snapshot each saved aggregate whose new events crossed a multiple of its interval."""
        if not self.snapshots or not self.snapshotting_intervals:
            return
        for kind, aggregate_id, first, last in spans:
            interval = self.snapshotting_intervals.get(kind)
            if not interval or last // interval == (first - 1) // interval:
                continue
            try:
                self.take_snapshot(aggregate_id, version=last)
                prune(self.snapshots.recorder, aggregate_id, below=last)
            except IntegrityError:
                pass  # another process stored this version's snapshot first
            except Exception:  # the command is committed: loading replays more instead
                log.exception("no snapshot of %s v%d", aggregate_id, last)
