"""`audit verify`: recompute every hash chain and checkpoint of the store; name each break.

One pass over the notification log (from a position, or from the start) checks, per event:
- the envelope decodes and names a known algorithm;
- its stored hash equals the hash recomputed from the stored bytes (a changed byte);
- it is the next version of its aggregate in log order (a deleted or moved event), and
  its `prev` is the stored hash of that previous version (a forged or swapped event);
and per checkpoint: that it chains to the previous one, that its own hash is right, and
that the events now in its range give the size and Merkle root it sealed (a change
even a full re-computation of the chains cannot hide). With published digests
(`--against-nats`), each must equal the store's checkpoint of the same number, and every
checkpoint of the store up to the last one published must have been published.

What it cannot see (README, "What verification cannot see"): whoever can write the
table can compute SHA-256 too. An event appended after its aggregate's last one, linked
and hashed right, after the latest checkpoint, looks like a genuine write; so do the
newest events removed or rewritten with their chain re-computed. Inside a sealed range
such a forgery changes the checkpoint's size or root; if the forger re-computes the
checkpoint records as well, only digests kept outside the database (`--against-nats`)
find it. That is why checkpoints are sealed and published often.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Notification

from domain.aggregates.data_subject import data_subject_id
from infra.chain import ALG, EVENT_DOMAIN, GENESIS, canonical_id
from infra.chain import open_envelope as _open
from infra.checkpoints import (
    TRAIL_LOG_ID,
    Checkpoint,
    UnreadableCheckpoint,
    expected_hash,
    read_checkpoints,
    scan,
)
from infra.merkle import merkle_root

Progress = Callable[[int, int], None]
_sha256 = hashlib.sha256


class Break(msgspec.Struct, frozen=True, kw_only=True):
    """One place where the trail is not what was recorded."""

    position: int
    kind: str  # envelope | hash | missing | order | link | checkpoint | published
    detail: str
    aggregate_id: UUID | None = None
    version: int | None = None
    topic: str | None = None
    checkpoint: int | None = None


class Report(msgspec.Struct, kw_only=True):
    ok: bool
    head: int  # the log's last position when the scan began
    start: int  # the first position scanned
    events: int  # events whose chain was checked
    aggregates: int
    checkpoints: int  # checkpoints whose range was recomputed
    published: int | None  # published digests compared (None: not asked)
    breaks: list[Break]  # in log order, the first ones found (at most `max_breaks`)
    latest: Checkpoint | None


class _Owner(msgspec.Struct):
    contract_id: UUID | None = None


_owner = msgspec.json.Decoder(_Owner)


def _checkpoint_chain(sealed: Sequence[Checkpoint], unreadable: Collection[int] = ()) -> list[Break]:
    """Numbering, links and own hashes of the checkpoints (after an unreadable record, the
    next one's link and start cannot be checked: that record is a break of its own)."""
    found: list[Break] = []
    prev: str | None = GENESIS
    first: int | None = 1
    expected = 1
    for cp in sealed:
        while expected in unreadable:
            expected, prev, first = expected + 1, None, None
        problems = []
        if cp.number != expected:
            problems.append(f"is numbered {cp.number}, expected {expected}")
        if prev is not None and cp.prev != prev:
            problems.append(f"names previous hash {cp.prev[:16]}…, expected {prev[:16]}…")
        if first is not None and cp.first_position != first:
            problems.append(f"starts at position {cp.first_position}, expected {first}")
        if expected_hash(cp) != cp.hash:
            problems.append(f"has hash {cp.hash[:16]}…, its fields give {expected_hash(cp)[:16]}…")
        if problems:
            detail = f"checkpoint {cp.number} " + "; ".join(problems)
            found.append(Break(position=cp.first_position, kind="checkpoint", checkpoint=cp.number, detail=detail))
        prev, first, expected = cp.hash, cp.last_position + 1, expected + 1
    return found


def _unreadable_records(service: Any, sealed: Sequence[Checkpoint], bad: Sequence[UnreadableCheckpoint]) -> list[Break]:
    """A break at each checkpoint record that does not read, at its log position."""
    found = []
    for record in bad:
        # The record of checkpoint n follows its range: look after the previous checkpoint.
        before = [cp.last_position for cp in sealed if cp.number < record.number]
        position = _position_of(service, TRAIL_LOG_ID, record.version, (before[-1] + 1) if before else 1)
        detail = (f"the record of checkpoint {record.number} does not read as a checkpoint "
                  f"({record.error}): it was changed, so its range cannot be recomputed")  # fmt: skip
        found.append(Break(position=position or 0, kind="checkpoint", checkpoint=record.number, detail=detail,
                           aggregate_id=TRAIL_LOG_ID, version=record.version, topic=record.topic))  # fmt: skip
    return found


def _position_of(service: Any, aggregate_id: UUID, version: int, start: int) -> int | None:
    """The log position of one stored event, searched from `start` (None: not in the log)."""
    for batch in scan(service, start):
        for n in batch:
            if n.originator_id == aggregate_id and n.originator_version == version:
                return n.id
    return None


def compare_published(sealed: Sequence[Checkpoint], published: Sequence[Checkpoint]) -> list[Break]:
    """Each published digest against the store's checkpoint of the same number."""
    mine = {cp.number: cp for cp in sealed}
    found = []
    for theirs in published:
        ours = mine.get(theirs.number)
        if ours is not None and ours.hash == theirs.hash:
            continue
        if ours is None:
            detail = (f"checkpoint {theirs.number} was published (positions {theirs.first_position}–"
                      f"{theirs.last_position}, root {theirs.root[:16]}…) but the store has none")  # fmt: skip
        else:
            detail = (
                f"checkpoint {theirs.number} in the store differs from the digest published on "
                f"NATS: published {theirs.size} events in positions {theirs.first_position}–"
                f"{theirs.last_position} with root {theirs.root[:16]}…, the store says "
                f"{ours.size} in {ours.first_position}–{ours.last_position} with root "
                f"{ours.root[:16]}…: the log behind it was rewritten"
            )
        found.append(Break(position=theirs.first_position, kind="published", checkpoint=theirs.number, detail=detail))
    # Digests are published in order, each once: the store's checkpoints up to the last one
    # published must all be there. None at all leaves nothing outside to compare with.
    numbers = {theirs.number for theirs in published}
    top = max(numbers, default=0)
    for ours in sealed:
        if ours.number not in numbers and (ours.number < top or not numbers):
            detail = (
                f"checkpoint {ours.number} of the store is not among the digests published on NATS "
                + (f"(which go up to {top})" if numbers else "(none is published: the digests stream is missing or empty)")
                + ": nothing outside the database vouches for its range"
            )
            found.append(Break(position=ours.first_position, kind="published", checkpoint=ours.number, detail=detail))
    return found


class _Scan:
    """The state of one verification pass."""

    def __init__(self, service: Any, start: int, contract_id: UUID | None) -> None:
        self.service = service
        self.start = start
        # Per aggregate (keyed by its id's integer, which hashes fast): the last version
        # seen, its stored hash, and the id as hashed.
        self.heads: dict[Any, tuple[int, str, str]] = {}
        self.breaks: list[Break] = []
        self.events = 0
        self.members: set[UUID] | None = None
        self.outsiders: set[UUID] = set()
        if contract_id is not None:
            self.members = {contract_id, data_subject_id(f"contract:{contract_id}")}

    def in_scope(self, oid: UUID, version: int, data: Any) -> bool:
        if self.members is None or oid in self.members:
            return True
        if oid in self.outsiders:
            return False
        if version != 1:  # created before the scan began: read its first event
            first = self.service.recorder.select_events(oid, lte=1, limit=1)
            data = _open(first[0].state).data if first else b"{}"
        try:
            owner = _owner.decode(data).contract_id
        except msgspec.DecodeError:
            owner = None
        if owner is not None and owner in self.members:
            self.members.add(oid)
            return True
        self.outsiders.add(oid)
        return False

    def event(self, n: Notification) -> str | None:
        """Check one event; its stored hash (for the checkpoints), None if unreadable."""
        oid, version = n.originator_id, n.originator_version
        ident = oid.int if isinstance(oid, UUID) else oid
        try:
            envelope = _open(n.state)
        except (msgspec.DecodeError, ValueError) as error:
            self._broke(n, "envelope", f"the stored state is not a trail envelope: {error}")
            self.heads.pop(ident, None)
            return None
        if self.members is not None and not self.in_scope(oid, version, envelope.data):
            return envelope.hash
        self.events += 1
        prior = self.heads.get(ident)
        key = prior[2] if prior is not None else canonical_id(oid)
        if envelope.alg != ALG:
            self._broke(n, "hash", f"unknown hash algorithm {envelope.alg!r}")
        # event_hash() inlined (the hot loop): the canonical bytes of infra/chain.py.
        head = f"{envelope.prev}\n{key}\n{version}\n{n.topic}\n".encode()
        computed = _sha256(b"".join((EVENT_DOMAIN, head, envelope.data))).hexdigest()
        if computed != envelope.hash:
            self._broke(n, "hash", f"stored hash {envelope.hash[:16]}… but the stored bytes hash to "
                                   f"{computed[:16]}…: the event was changed after it was recorded")  # fmt: skip
        if prior is not None and version == prior[0] + 1:  # the usual case: the next version
            expected_prev: str | None = prior[1]
        else:
            expected_prev = self._unusual(n, prior)
        if expected_prev is not None and envelope.prev != expected_prev:
            self._broke(n, "link", f"names previous hash {envelope.prev[:16]}… but version {version - 1} "
                                   f"was stored with {expected_prev[:16]}…: the chain is broken here")  # fmt: skip
        last = version if prior is None or version > prior[0] else prior[0]
        self.heads[ident] = (last, envelope.hash, key)
        return envelope.hash

    def _unusual(self, n: Notification, prior: tuple[int, str, str] | None) -> str | None:
        """The hash the event must name when it is not the next version seen, or None."""
        version = n.originator_version
        if prior is not None:
            last = prior[0]
            if version <= last:
                self._broke(n, "order", f"version {version} comes after version {last} in the log: "
                                        "events were swapped or re-inserted")  # fmt: skip
            else:
                self._broke(n, "missing", f"version {version} follows version {last}: version {last + 1} "
                                          "is missing here (deleted, or moved later in the log)")  # fmt: skip
            return None
        if version == 1:
            return GENESIS
        if self.start > 1:  # its history lies before the scan: read the version before
            return self._stored_prev(n)
        self._broke(n, "missing", f"version {version} is the first of its aggregate in the log: "
                                  "earlier versions are missing")  # fmt: skip
        return None

    def _broke(self, n: Notification, kind: str, detail: str) -> None:
        where = {"aggregate_id": n.originator_id, "version": n.originator_version, "topic": n.topic}
        self.breaks.append(Break(position=n.id, kind=kind, detail=detail, **where))

    def _stored_prev(self, n: Notification) -> str | None:
        """The hash of the version before, stored before the scan's start (`--from`)."""
        version = n.originator_version
        found = self.service.recorder.select_events(n.originator_id, gt=version - 2, lte=version - 1, limit=1)
        if not found:
            self._broke(n, "missing", f"version {version - 1} of this aggregate is missing")
            return None
        try:
            return _open(found[0].state).hash
        except (msgspec.DecodeError, ValueError):
            return None


def verify(
    service: Any,
    *,
    from_position: int | None = None,
    contract_id: UUID | None = None,
    published: Sequence[Checkpoint] | None = None,
    on_progress: Progress | None = None,
    max_breaks: int = 50,
) -> Report:
    """Check the trail (module doc); `ok` when nothing differs."""
    head = service.recorder.max_notification_id() or 0
    sealed, unreadable = read_checkpoints(service)
    breaks = _checkpoint_chain(sealed, {u.number for u in unreadable})
    breaks += _unreadable_records(service, sealed, unreadable)
    if published is not None:
        breaks += compare_published(sealed, published)
    start = max(from_position or 1, 1)
    covering = [cp for cp in sealed if cp.last_position >= start]
    if covering and covering[0].first_position < start:
        start = covering[0].first_position  # a checkpoint is recomputed whole
    state = _Scan(service, start, contract_id)
    pending = iter(covering)
    current, leaves, recomputed = next(pending, None), [], 0

    def close(cp: Checkpoint, hashes: list[str]) -> None:
        root = merkle_root(hashes)
        if len(hashes) == cp.size and root == cp.root:
            return
        if len(hashes) != cp.size:
            what = (f"sealed {cp.size} events but positions {cp.first_position}–{cp.last_position} now "
                    f"hold {len(hashes)}: events were removed or inserted")  # fmt: skip
        else:
            what = (f"sealed root {cp.root[:16]}… but the events in positions {cp.first_position}–"
                    f"{cp.last_position} now give {root[:16]}…: an event there was changed, replaced or moved")  # fmt: skip
        state.breaks.append(Break(position=cp.first_position, kind="checkpoint", checkpoint=cp.number,
                                  detail=f"checkpoint {cp.number} {what}"))  # fmt: skip

    check = state.event
    for batch in scan(service, start, head):
        for n in batch:
            while current is not None and n.id > current.last_position:
                close(current, leaves)
                recomputed += 1
                current, leaves = next(pending, None), []
            stored = check(n)
            if current is not None and n.id >= current.first_position:
                leaves.append(stored or GENESIS)  # an unreadable event cannot match the root
        if on_progress is not None:
            on_progress(batch[-1].id, head)
    while current is not None:
        close(current, leaves)
        recomputed += 1
        current, leaves = next(pending, None), []
    found = sorted(breaks + state.breaks, key=lambda b: (b.position, b.kind))
    return Report(
        ok=not found,
        head=head,
        start=start,
        events=state.events,
        aggregates=len(state.heads),
        checkpoints=recomputed,
        published=len(published) if published is not None else None,
        breaks=found[:max_breaks],
        latest=sealed[-1] if sealed else None,
    )
