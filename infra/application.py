"""The application service core: load, call the aggregate, one atomic save (the unit of work)."""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    Repository,
    project_aggregate,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Mapper, Recording
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory
from eventsourcing.utils import strtobool

from domain.errors import Conflict, InvalidInput, NotFound
from domain.meta import Cause, EventMeta
from infra.clock import Clock, SystemClock
from infra.ddl_lock import schema_lock
from infra.erasure import watch_erasures
from infra.group_commit import GroupCommitter, VersionConflict
from infra.idempotency import IdempotencyRecord
from infra.immutables import fork
from infra.metrics import timed_append
from infra.replay import ReplayingRepository, project_events
from infra.trail_mapper import trail_mapper

A = TypeVar("A", bound=Aggregate)
_IDEMPOTENCY_NAMESPACE = uuid5(NAMESPACE_URL, "urn:econcierge:idempotency")


def _label(kind: type) -> str:
    """ConciergeAssignment -> "concierge assignment" (for messages people read)."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()


class CommandContext(msgspec.Struct, frozen=True, kw_only=True):
    """Who sends a command and how to treat it (built by the API from a verified request)."""

    meta: EventMeta
    expected_version: int | None = None  # If-Match: optimistic concurrency
    idempotency_key: str | None = None  # a retry with the same key records nothing new
    fingerprint: str = ""  # of the request, so a key reused for another request is refused


class CommandResult(msgspec.Struct, frozen=True):
    """What a command did: the aggregate, its new version, and the log position it wrote."""

    id: UUID
    version: int
    position: int | None
    replayed: bool = False


class ForkingRepository(ReplayingRepository):  # snapshot + direct replay loop (infra/replay.py)
    """The aggregate cache holds committed aggregates that are never changed in place.

    The library's `Repository.get` deep-copies the cached aggregate for each caller, so
    that a command that fails after changing its copy leaves the cache as it was; the
    copy walked every container of the aggregate's state and was most of a command's
    time. Aggregate state is copy-on-write, so `fork` (infra/immutables.py) copies the
    attribute dict alone: the same isolation in microseconds, whatever the size.

    The invariant that makes this safe: no one changes a cached aggregate. A command
    changes its own fork, which replaces the cached one once committed (`keep`); a
    fast-forward (newer events written by another process) is applied to a fork too,
    not to the cached object as the library does. So a reader forking (or, with
    `deepcopy_from_cache=False`, just reading: `ServiceApplication.peek`) the cached
    aggregate always sees one committed version, whole. And `keep` never replaces a
    cached aggregate with an older version of it (a load that read the store while a
    command committed would otherwise put back the state before that command).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._keeping = threading.Lock()

    def get(self, aggregate_id: UUID, *, version: int | None = None,
            projector_func: Any = None, fastforward_skipping: bool = False,
            deepcopy_from_cache: bool = True) -> Any:  # fmt: skip
        projector = project_events if projector_func in (None, project_aggregate) else projector_func
        copied = deepcopy_from_cache and self.deepcopy_from_cache
        if self.cache is None or version is not None:  # replayed from the store, exactly
            return self._reconstruct_aggregate(aggregate_id, version, projector)
        try:
            aggregate = self.cache.get(aggregate_id)
        except KeyError:
            aggregate = self.keep(self._reconstruct_aggregate(aggregate_id, None, projector))
        else:
            if self.fastforward:
                aggregate = self._fastforward(aggregate, projector, fastforward_skipping)
        return fork(aggregate) if copied else aggregate  # the cached one stays as committed

    def keep(self, aggregate: Any) -> Any:
        """Cache a committed aggregate unless a newer version of it is cached already.

        Returns the cached one after that: `aggregate`, or the newer version.
        """
        assert self.cache is not None
        with self._keeping:
            try:
                cached = self.cache.get(aggregate.id)
            except KeyError:
                cached = None
            if cached is not None and cached.version > aggregate.version:
                return cached
            self.cache.put(aggregate.id, aggregate)
        return aggregate

    def _fastforward(self, aggregate: Any, projector: Any, skipping: bool) -> Any:
        """The cached aggregate with the events stored since (by another process)."""
        aggregate_id = aggregate.id
        lock = self._use_fastforward_lock(aggregate_id)
        try:
            if not lock.acquire(blocking=not (skipping or self.fastforward_skipping)):
                return aggregate
            try:
                newer = list(self.event_store.get(originator_id=aggregate.id, gt=aggregate.version))
                if not newer:
                    return aggregate
                aggregate = projector(fork(aggregate), newer)
                if aggregate is None:
                    raise AggregateNotFoundError(newer[0].originator_id)
                return self.keep(aggregate)
            finally:
                lock.release()
        finally:
            self._disuse_fastforward_lock(aggregate_id)


class ServiceApplication(Application[UUID]):
    """One application for every aggregate kind, so every event has one global position."""

    def __init__(self, env: dict[str, str], clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        super().__init__(env)
        # PostgreSQL: concurrent commands share one transaction (infra/group_commit.py).
        self.group_committer: GroupCommitter | None = None
        if isinstance(self.recorder, PostgresApplicationRecorder):
            self.group_committer = GroupCommitter(self.recorder)

    def close(self) -> None:
        if self.group_committer is not None:
            self.group_committer.close()  # its connection goes back before the pool closes
        super().close()

    @property
    def forking_repository(self) -> ForkingRepository:
        repository = self.repository
        assert isinstance(repository, ForkingRepository)
        return repository

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        # `save()` (SQLite, and what is saved directly): the library's, but the saved
        # aggregates replace the cached ones through `keep` (ForkingRepository).
        recordings = self.events.put(
            processing_event.events,
            tracking=processing_event.tracking,
            **processing_event.saved_kwargs,
        )
        if self.repository.cache is not None and not self.repository.fastforward:
            for aggregate in processing_event.aggregates.values():
                self.forking_repository.keep(aggregate)
        return recordings

    def construct_recorder(self) -> ApplicationRecorder:
        factory = self.factory
        if isinstance(factory, PostgresFactory):
            # Processes that start together must not run the library's DDL at once.
            with schema_lock(factory.datastore.pool.kwargs):
                return super().construct_recorder()
        return super().construct_recorder()

    def construct_mapper(self) -> Mapper[UUID]:
        # The trail (issue 9): hash-chained envelopes, personal fields sealed per subject.
        return trail_mapper(self)

    def construct_repository(self) -> Repository[UUID]:
        size = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        repository = ForkingRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(size) if size else None,
            fastforward=strtobool(self.env.get(self.AGGREGATE_CACHE_FASTFORWARD, "y")),
            fastforward_skipping=strtobool(
                self.env.get(self.AGGREGATE_CACHE_FASTFORWARD_SKIPPING, "n")
            ),
            deepcopy_from_cache=strtobool(self.env.get(self.DEEPCOPY_FROM_AGGREGATE_CACHE, "y")),
        )
        # An erasure (issue 9) also empties cached aggregates that hold the erased text.
        return watch_erasures(repository, self.mapper)

    # ---- the unit of work --------------------------------------------------------------

    def cause(self, ctx: CommandContext, at: datetime | None = None) -> Cause:
        return Cause(meta=ctx.meta, at=at or self.clock.now())

    def load(self, kind: type[A], aggregate_id: UUID, ctx: CommandContext | None = None) -> A:
        """The aggregate of that kind, checked against the caller's If-Match version."""
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {_label(kind)} with id {aggregate_id}")
        expected = ctx.expected_version if ctx else None
        if (
            expected is not None
            and expected > aggregate.version
            and not self.repository.fastforward
        ):
            # The caller saw a newer version than our cache (another API process wrote it).
            self._forget([aggregate])
            aggregate = self.repository.get(aggregate_id)
        if expected is not None and expected != aggregate.version:
            raise Conflict(
                f"{kind.__name__} {aggregate_id} is at version {aggregate.version}, "
                f"not {expected}; read it again and retry",
                current_version=aggregate.version,
            )
        return aggregate

    def peek(self, kind: type[A], aggregate_id: UUID) -> A:
        """The committed aggregate itself, to read in passing: never change it, never keep it.

        For what a command or an authorisation check only reads (a ticket's contract, who
        serves a cluster): no copy is made (ForkingRepository). Commands change what
        `load` gives them.
        """
        try:
            aggregate = self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            aggregate = None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {_label(kind)} with id {aggregate_id}")
        return aggregate

    def execute(
        self, ctx: CommandContext, command: Callable[[], Sequence[Aggregate]]
    ) -> CommandResult:
        """Run a command once: replay an idempotent retry, else save its events atomically.

        `command` loads and changes aggregates and returns them, the primary one first.
        """
        # A retry's key is found in the cache (this process recorded it) or, else, once
        # the command fails: the unique key refuses a second record with the same id, so a
        # first attempt pays no lookup in the store for a key it is about to record.
        replay = self._replay(ctx, cached_only=True)
        if replay is not None:
            return replay
        try:
            aggregates = list(command())
        except Exception:
            replay = self._replay(ctx)  # e.g. the retry of a change that now is refused
            if replay is not None:
                return replay
            raise
        primary = aggregates[0]
        if ctx.idempotency_key:
            aggregates.append(
                IdempotencyRecord.remember(
                    self._idempotency_id(ctx),
                    self.cause(ctx),
                    fingerprint=ctx.fingerprint,
                    aggregate_id=primary.id,
                    aggregate_version=primary.version,
                )
            )
        try:
            with timed_append():  # econcierge_store_append_seconds (infra/metrics.py)
                position = self._store(aggregates)
        except (IntegrityError, VersionConflict):
            self._forget(aggregates)
            # Another writer got there first: an identical retry, or a real conflict.
            replay = self._replay(ctx)
            if replay is not None:
                return replay
            raise Conflict(
                f"{type(primary).__name__} {primary.id} was changed by another request; "
                "read it again and retry"
            ) from None
        return CommandResult(primary.id, primary.version, position)

    def _store(self, aggregates: Sequence[Aggregate]) -> int | None:
        """Append the aggregates' new events atomically; returns the last log position."""
        if self.group_committer is None:
            recordings = self.save(*aggregates)
            return max((r.notification.id for r in recordings), default=None)
        events = [event for aggregate in aggregates for event in aggregate.collect_events()]
        ids = self.group_committer.commit([self.mapper.to_stored_event(e) for e in events])
        if self.repository.cache is not None:
            for aggregate in aggregates:  # committed: they replace the cached versions
                self.forking_repository.keep(aggregate)
        return max(ids, default=None)

    def _forget(self, aggregates: Sequence[Aggregate]) -> None:
        """After a lost race, drop cached copies so the retry reads the stored state."""
        if self.repository.cache is not None:
            for aggregate in aggregates:
                with contextlib.suppress(KeyError):
                    self.repository.cache.get(aggregate.id, evict=True)

    def _idempotency_id(self, ctx: CommandContext) -> UUID:
        return uuid5(_IDEMPOTENCY_NAMESPACE, f"{ctx.meta.actor_id}\x00{ctx.idempotency_key}")

    def _replay(self, ctx: CommandContext, *, cached_only: bool = False) -> CommandResult | None:
        """The result of the command first sent with this key, if it was recorded."""
        if not ctx.idempotency_key:
            return None
        record_id = self._idempotency_id(ctx)
        try:
            cache = self.repository.cache
            if cached_only and cache is not None:
                record = cache.get(record_id)  # committed records only (never changed)
            else:
                record = self.repository.get(record_id, deepcopy_from_cache=False)
        except (KeyError, AggregateNotFoundError):
            return None
        assert isinstance(record, IdempotencyRecord)
        if record.fingerprint != ctx.fingerprint:
            raise InvalidInput(
                "this Idempotency-Key was already used for a different request",
                idempotency_key=ctx.idempotency_key,
            )
        return CommandResult(record.aggregate_id, record.aggregate_version, None, replayed=True)

    def state_at(self, kind: type[A], aggregate_id: UUID, version: int) -> A:
        """The aggregate as it was at one version (to re-render an idempotent replay)."""
        aggregate = self.repository.get(aggregate_id, version=version)
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {_label(kind)} with id {aggregate_id}")
        return aggregate


class Scope(msgspec.Struct, frozen=True):
    """The tenant an object belongs to, for authorisation: its contract and its concierges."""

    contract_id: UUID
    concierge_ids: frozenset[str] = frozenset()
