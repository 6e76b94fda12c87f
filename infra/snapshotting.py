"""When snapshots are taken: every `ECONCIERGE_SNAPSHOT_INTERVAL` events of a long-lived kind.

The library's mechanism, configured from settings: the snapshot store is enabled
(`IS_SNAPSHOTTING_ENABLED`, infra/store.py), `snapshotting_intervals` names the kinds of
infra/snapshots.py with the interval.
Three differences from the library's own `_take_snapshots`:
- one snapshot per aggregate and save, at the save's last version, when the save
  crossed a multiple of the interval (a save of many events would otherwise take one
  per multiple); so loading reads a snapshot and fewer than `interval` events;
- the snapshot is taken of the aggregate just committed, not of a copy loaded again
  from the store (`take_snapshot`): that reload decoded the previous snapshot and
  replayed up to `interval` events on the command's thread, for the same state, since
  `apply` is deterministic and committed aggregates are never changed in place
  (ForkingRepository, infra/application.py);
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
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import EventStore, IntegrityError
from eventsourcing.postgres import PostgresFactory

from infra.application import ServiceApplication
from infra.ddl_lock import schema_lock
from infra.snapshots import KINDS, SnapshotMapper, prune

log = logging.getLogger("econcierge.snapshots")

#: (the committed aggregate, its first new version in this save) of one save.
Span = tuple[Aggregate, int]


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
        firsts: dict[UUID, int] = {}
        for event in processing_event.events:
            version = event.originator_version
            firsts[event.originator_id] = min(firsts.get(event.originator_id, version), version)
        aggregates = processing_event.aggregates
        self.snapshot_saved((aggregates[i], first) for i, first in firsts.items() if i in aggregates)

    def _store(self, aggregates: Sequence[Aggregate]) -> int | None:
        if getattr(self, "group_committer", None) is None or not self.snapshotting_intervals:
            return super()._store(aggregates)  # save(): _take_snapshots runs inside
        spans = [(a, a.version - len(a.pending_events) + 1) for a in aggregates if a.pending_events]
        position = super()._store(aggregates)
        self.snapshot_saved(spans)
        return position

    def snapshot_saved(self, spans: Iterable[Span]) -> None:
        """Snapshot each saved aggregate whose new events crossed a multiple of its interval."""
        if not self.snapshots or not self.snapshotting_intervals:
            return
        for aggregate, first in spans:
            interval = self.snapshotting_intervals.get(type(aggregate))
            last = aggregate.version
            if not interval or last // interval == (first - 1) // interval:
                continue
            try:
                kind = getattr(type(aggregate), "Snapshot", None) or self.snapshot_class or Snapshot
                self.snapshots.put([kind.take(aggregate)])
                prune(self.snapshots.recorder, aggregate.id, below=last)
            except IntegrityError:
                pass  # another process stored this version's snapshot first
            except Exception:  # the command is committed: loading replays more instead
                log.exception("no snapshot of %s v%d", aggregate.id, last)
