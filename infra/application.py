"""The application service core: load, call the aggregate, one atomic save (the unit of work)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec
from eventsourcing.application import AggregateNotFoundError, Application, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import ApplicationRecorder, IntegrityError, Mapper
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresFactory

from domain.errors import Conflict, InvalidInput, NotFound
from domain.meta import Cause, EventMeta
from infra.clock import Clock, SystemClock
from infra.ddl_lock import schema_lock
from infra.erasure import watch_erasures
from infra.group_commit import GroupCommitter, VersionConflict
from infra.idempotency import IdempotencyRecord
from infra.metrics import timed_append
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


class ServiceApplication(Application[UUID]):
    """One application for every aggregate kind, so every event has one global position."""

    def __init__(self, env: dict[str, str], clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        super().__init__(env)
        # PostgreSQL: concurrent commands share one transaction (infra/group_commit.py).
        self.group_committer: GroupCommitter | None = None
        if isinstance(self.recorder, PostgresApplicationRecorder):
            self.group_committer = GroupCommitter(self.recorder)

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
        # An erasure (issue 9) also empties cached aggregates that hold the erased text.
        return watch_erasures(super().construct_repository(), self.mapper)

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

    def execute(
        self, ctx: CommandContext, command: Callable[[], Sequence[Aggregate]]
    ) -> CommandResult:
        """Run a command once: replay an idempotent retry, else save its events atomically.

        `command` loads and changes aggregates and returns them, the primary one first.
        """
        replay = self._replay(ctx)
        if replay is not None:
            return replay
        aggregates = list(command())
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
            for aggregate in aggregates:
                self.repository.cache.put(aggregate.id, aggregate)
        return max(ids, default=None)

    def _forget(self, aggregates: Sequence[Aggregate]) -> None:
        """After a lost race, drop cached copies so the retry reads the stored state."""
        if self.repository.cache is not None:
            for aggregate in aggregates:
                with contextlib.suppress(KeyError):
                    self.repository.cache.get(aggregate.id, evict=True)

    def _idempotency_id(self, ctx: CommandContext) -> UUID:
        return uuid5(_IDEMPOTENCY_NAMESPACE, f"{ctx.meta.actor_id}\x00{ctx.idempotency_key}")

    def _replay(self, ctx: CommandContext) -> CommandResult | None:
        if not ctx.idempotency_key:
            return None
        try:
            record = self.repository.get(self._idempotency_id(ctx))
        except AggregateNotFoundError:
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
