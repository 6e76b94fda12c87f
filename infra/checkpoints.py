"""Checkpoints over the whole log: a Merkle root of event hashes, chained, recorded, published.

`seal(service)` takes the events after the previous checkpoint up to the log's head,
computes the RFC 9162 root of their hashes (infra/merkle.py) and records checkpoint n:

    number, first_position, last_position, size (events), root, prev (checkpoint n-1's
    hash, or GENESIS), sealed_at, and hash = SHA-256 of
    b"econcierge-checkpoint-v1\\n" + "<number>\\n<first>\\n<last>\\n<size>\\n<root>\\n<prev>"

as an event of the `TrailLog` aggregate (itself hash-chained like every aggregate).
infra/digests.py publishes each checkpoint on NATS, so that a copy outside our database
can later prove what the log held. Checkpoint events are in the log too: the next
checkpoint covers them.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import msgspec
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.utils import get_topic

from domain.aggregates.base import TracedAggregate
from domain.meta import Cause, EventMeta, Role
from infra.chain import GENESIS, event_hash, open_envelope
from infra.merkle import RootBuilder, leaf_hash

log = logging.getLogger("econcierge.trail")

TRAIL_LOG_ID = uuid5(NAMESPACE_URL, "urn:econcierge:trail-log")
CHECKPOINT_DOMAIN = b"econcierge-checkpoint-v1\n"
SCAN_BATCH = 2_000


class Checkpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A sealed range of the log: what `audit digest` prints and NATS carries."""

    number: int
    first_position: int
    last_position: int
    size: int  # events in the range (positions have gaps)
    root: str  # RFC 9162 Merkle root of their hashes, in log order
    prev: str  # the previous checkpoint's hash (GENESIS for the first)
    hash: str
    sealed_at: datetime
    alg: str = "sha256"


def checkpoint_hash(number: int, first: int, last: int, size: int, root: str, prev: str) -> str:
    fields = f"{number}\n{first}\n{last}\n{size}\n{root}\n{prev}".encode()
    return hashlib.sha256(CHECKPOINT_DOMAIN + fields).hexdigest()


def expected_hash(checkpoint: Checkpoint) -> str:
    c = checkpoint
    return checkpoint_hash(c.number, c.first_position, c.last_position, c.size, c.root, c.prev)


class TrailLog(TracedAggregate):
    """The chain of checkpoints (one aggregate, so two sealers cannot both record n)."""

    class TrailLogOpened(TracedAggregate.Created):
        pass

    class CheckpointSealed(TracedAggregate.Event):
        checkpoint: Checkpoint

        def apply(self, trail: TrailLog) -> None:
            trail.last = self.checkpoint

    def __init__(self) -> None:
        self.last: Checkpoint | None = None

    def privacy_subject(self) -> str:
        return "trail-log"


def _cause(at: datetime, number: int) -> Cause:
    meta = EventMeta("trail-sealer", Role.SYSTEM, f"checkpoint-{number}", f"checkpoint-{number}")
    return Cause(meta=meta, at=at)


def scan(service: Any, start: int, stop: int | None = None, batch: int = SCAN_BATCH) -> Iterator[list[Notification]]:
    """The log from `start` (to `stop`), in batches."""
    while True:
        notifications = service.recorder.select_notifications(start=start, limit=batch, stop=stop)
        if not notifications:
            return
        yield list(notifications)
        start = notifications[-1].id + 1
        if len(notifications) < batch:
            return


def seal(service: Any) -> Checkpoint | None:
    """Record the next checkpoint over the events since the last one (None: nothing new)."""
    try:
        trail = service.repository.get(TRAIL_LOG_ID)
    except AggregateNotFoundError:
        trail = None
    last: Checkpoint | None = trail.last if trail else None
    start = last.last_position + 1 if last else 1
    head = service.recorder.max_notification_id() or 0
    if head < start:
        return None
    builder, end, broken, news = RootBuilder(), 0, 0, 0
    for notifications in scan(service, start, head):
        for n in notifications:
            news += n.originator_id != TRAIL_LOG_ID
            envelope = open_envelope(n.state)
            if event_hash(envelope.prev, n.originator_id, n.originator_version, n.topic, envelope.data) != envelope.hash:
                broken += 1  # sealed as stored: `audit verify` names it; sealing goes on
            builder.add(leaf_hash(envelope.hash))
            end = n.id
    if not news:
        return None  # only our own last checkpoint is new: an idle log is not sealed again
    if broken:
        log.error("sealing %d event(s) whose stored hash does not match: run `econcierge audit verify`", broken)
    number = last.number + 1 if last else 1
    prev = last.hash if last else GENESIS
    root = builder.root()
    checkpoint = Checkpoint(
        number=number,
        first_position=start,
        last_position=end,
        size=builder.size,
        root=root,
        prev=prev,
        hash=checkpoint_hash(number, start, end, builder.size, root, prev),
        sealed_at=service.clock.now(),
    )
    cause = _cause(checkpoint.sealed_at, number)
    if trail is None:
        trail = TrailLog._create_traced(TrailLog.TrailLogOpened, cause, id=TRAIL_LOG_ID)
    trail._record(TrailLog.CheckpointSealed, cause, checkpoint=checkpoint)
    try:
        service.save(trail)
    except IntegrityError:
        log.info("checkpoint %d was sealed by another process", number)
        return None
    return checkpoint


class UnreadableCheckpoint(msgspec.Struct, frozen=True, kw_only=True):
    """A stored checkpoint record that does not read as one (a changed byte, a wrong type)."""

    number: int  # the checkpoint it should hold: trail-log version - 1
    version: int
    topic: str
    error: str


class CheckpointRecordError(RuntimeError):
    """A checkpoint record cannot be read: the trail was tampered with (`audit verify`)."""


class _Sealed(msgspec.Struct):
    checkpoint: Checkpoint


_sealed_decoder = msgspec.json.Decoder(_Sealed)
_SEALED_TOPIC = get_topic(TrailLog.CheckpointSealed)


def read_checkpoints(service: Any, after: int = 0) -> tuple[list[Checkpoint], list[UnreadableCheckpoint]]:
    """The checkpoints recorded after number `after`, and the records that do not read.

    Read from the stored bytes, not through the mapper, so that a corrupted record is a
    finding of `audit verify` rather than an error that stops it.
    """
    sealed, unreadable = [], []
    # Checkpoint n is version n + 1 of the trail log (version 1 opened it).
    for stored in service.recorder.select_events(TRAIL_LOG_ID, gt=after + 1):
        version = stored.originator_version
        try:
            if stored.topic != _SEALED_TOPIC:
                raise ValueError(f"it is stored as {stored.topic!r}, not as a checkpoint")
            sealed.append(_sealed_decoder.decode(open_envelope(stored.state).data).checkpoint)
        except (msgspec.DecodeError, ValueError) as error:
            unreadable.append(
                UnreadableCheckpoint(number=version - 1, version=version, topic=stored.topic, error=str(error))
            )
    return sealed, unreadable


def checkpoints(service: Any, after: int = 0) -> list[Checkpoint]:
    """The checkpoints recorded in the store after number `after`, in order.

    Raises CheckpointRecordError if a record does not read (`audit verify` names it).
    """
    sealed, unreadable = read_checkpoints(service, after)
    if unreadable:
        bad = unreadable[0]
        raise CheckpointRecordError(
            f"the record of checkpoint {bad.number} (trail log version {bad.version}) cannot be "
            f"read ({bad.error}): the trail was changed; run `econcierge audit verify`"
        )
    return sealed


def latest(service: Any) -> Checkpoint | None:
    found = checkpoints(service)
    return found[-1] if found else None
