"""Snapshots of long-lived aggregates, stored with msgspec and sealed like personal data.

A snapshot is the library's own `Snapshot` (eventsourcing.domain), taken by
`Application.take_snapshot` into the application's snapshot store (a table of its own,
`stored_snapshots` on SQLite, `econcierge_snapshots` on PostgreSQL): see
infra/snapshotting.py for when. This module maps it to and from stored bytes.

Snapshots are derived, disposable data, never part of the provable trail (issue 9): they
are not in the notification log, carry no hash, are not covered by checkpoints nor by
`audit verify`, and no event's chain link is ever taken from one (infra/replay.py). Any
of them may be deleted at any time (`drop_all`); loading then replays events.

Stored state: one JSON header line, then the payload.
- header: `{"key": <key id or null>, "topic": <aggregate topic>, "schema": <fingerprint>,
  "at": <when taken>}`; the key comes first, so an erasure finds the snapshots sealed
  with a key by a prefix of the stored bytes (`drop_sealed_with`).
- payload: the aggregate's state as msgspec JSON, typed by the kind's state struct below
  (decoding gives back the same values replaying gives: enums, datetimes with their
  offset, frozen value objects), compressed with zlib at level 1 (a ticket's visits
  repeat their concierge and dates: 10 000 visits are 1.6 MB of JSON and ~60 kB
  compressed, which PostgreSQL sends in under a millisecond instead of ~10). For a kind
  whose events carry personal fields (Ticket) the compressed payload is sealed with
  AES-GCM under the data subject's key (infra/keys.py): once the subject is erased, no
  snapshot of it can be read, exactly as its events' personal fields cannot, so a
  snapshot never keeps erased data alive. Erasure also deletes them (infra/erasure.py).
- `schema` fingerprints the state struct (its JSON Schema), this format and the kind's
  `version`: a snapshot taken by code with another fingerprint is not used. Bump
  `version` when an event's `apply` changes what it computes from the same fields.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.aggregates.ticket import Ticket
from domain.tickets_values import (
    Channel,
    Classification,
    ExtraWorkQuote,
    Instruction,
    Job,
    Referral,
    Risk,
    Sale,
    TicketStatus,
    Urgency,
    VendorCall,
    Visit,
    WorkKind,
    WorkSlip,
)
from infra.checkpoints import Checkpoint, TrailLog
from infra.keys import KeyRing, new_nonce
from infra.personal_data import personal_fields
from infra.replay import SnapshotUnusable
from infra.transcoding import MsgspecTranscoder

SNAPSHOT_TOPIC = get_topic(Snapshot)
FORMAT = b"json+zlib1"  # of the payload before sealing; part of every fingerprint
#: Attributes never stored: the trail's link is re-read from the events (infra/replay.py).
_NOT_STORED = ("_chain_head",)


class TicketState(msgspec.Struct, kw_only=True):
    """Everything a Ticket holds (domain/aggregates/ticket.py), field for field."""

    _created_on: datetime
    _modified_on: datetime
    contract_id: UUID
    cluster: str
    kind: WorkKind
    urgency: Urgency
    channel: Channel
    summary: str
    remote_only: bool
    opened_at: datetime
    opened_by: str
    status: TicketStatus
    instructions: tuple[Instruction, ...]
    classification: Classification | None
    risks: dict[str, Risk]
    jobs: tuple[Job, ...]
    visits: tuple[Visit, ...]
    first_arrival_at: datetime | None
    vendor_calls: tuple[VendorCall, ...]
    backups: frozenset[str]
    quotes: tuple[ExtraWorkQuote, ...]
    referrals: tuple[Referral, ...]
    sales: tuple[Sale, ...]
    work_slips: tuple[WorkSlip, ...]
    unslipped_work: bool
    closed_at: datetime | None
    closure_note: str | None
    response_target_missed_at: datetime | None


class TrailLogState(msgspec.Struct, kw_only=True):
    """The checkpoint chain's aggregate (infra/checkpoints.py): one event per seal, forever."""

    _created_on: datetime
    _modified_on: datetime
    last: Checkpoint | None


@dataclass(frozen=True)
class Kind:
    """One aggregate kind that is snapshotted: its state struct and how it is stored."""

    aggregate: type[Aggregate]
    state: type[msgspec.Struct]
    version: int = 1  # bump when an apply's meaning changes (old snapshots are then unused)

    @cached_property
    def topic(self) -> str:
        return get_topic(self.aggregate)

    @cached_property
    def fields(self) -> frozenset[str]:
        return frozenset(self.state.__struct_fields__)

    @cached_property
    def decoder(self) -> msgspec.json.Decoder[Any]:
        return msgspec.json.Decoder(self.state)

    @cached_property
    def fingerprint(self) -> str:
        schema = msgspec.json.encode(msgspec.json.schema(self.state), order="sorted")
        return hashlib.sha256(b"%d\n%s\n%s" % (self.version, FORMAT, schema)).hexdigest()[:32]

    @cached_property
    def sealed(self) -> bool:
        """Whether its state may hold personal text: some event of it has a personal field."""
        events = (getattr(self.aggregate, name) for name in dir(self.aggregate))
        return any(
            isinstance(e, type) and issubclass(e, Aggregate.Event) and personal_fields(e)
            for e in events
        )


#: The kinds that grow long: a ticket (visits have no cap, rule S2), the checkpoint chain.
KINDS = (Kind(Ticket, TicketState), Kind(TrailLog, TrailLogState))
_BY_TOPIC = {kind.topic: kind for kind in KINDS}


class Header(msgspec.Struct, frozen=True):
    key: str | None  # first: see drop_sealed_with
    topic: str
    schema: str
    at: datetime


_header_decoder = msgspec.json.Decoder(Header)


class SnapshotSchemaError(ValueError):
    """An aggregate's attributes differ from its kind's state struct (update the struct)."""


def _associated(key_id: str, originator_id: UUID, version: int) -> bytes:
    return f"snapshot\n{key_id}\n{originator_id}\n{version}".encode()


class SnapshotMapper(Mapper[UUID]):
    """Maps the library's `Snapshot` objects of the kinds above to stored bytes and back."""

    def __init__(self, keys: KeyRing | None) -> None:
        super().__init__(MsgspecTranscoder())
        self.keys = keys
        self._encoder = msgspec.json.Encoder()

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        snapshot: Snapshot = domain_event
        kind = _BY_TOPIC.get(snapshot.topic)
        if kind is None:
            raise SnapshotSchemaError(f"{snapshot.topic} is not a snapshotted kind")
        state = {k: v for k, v in snapshot.state.items() if k not in _NOT_STORED}
        if state.keys() != kind.fields:
            raise SnapshotSchemaError(
                f"{snapshot.topic}: attributes {sorted(state.keys() ^ kind.fields)} differ from "
                f"{kind.state.__name__} (infra/snapshots.py)"
            )
        payload = zlib.compress(self._encoder.encode(kind.state(**state)), 1)
        key_id = None
        if kind.sealed:
            if self.keys is None:
                raise SnapshotSchemaError(f"{snapshot.topic} holds personal data: no key ring")
            subject = snapshot.mutate(None).privacy_subject()
            key_id, cipher = self.keys.sealing_key(subject)
            nonce = new_nonce()
            associated = _associated(key_id, snapshot.originator_id, snapshot.originator_version)
            payload = nonce + cipher.encrypt(nonce, payload, associated)
        header = Header(key_id, kind.topic, kind.fingerprint, snapshot.timestamp)
        return StoredEvent(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            topic=SNAPSHOT_TOPIC,
            state=self._encoder.encode(header) + b"\n" + payload,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Snapshot:
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            originator_id = UUID(str(originator_id))
        version = stored_event.originator_version
        try:
            header, payload = self._open(stored_event.state, originator_id, version)
            kind = _BY_TOPIC[header.topic]
            values = msgspec.structs.asdict(kind.decoder.decode(zlib.decompress(payload)))
        except SnapshotUnusable:
            raise
        except Exception as error:  # any undecodable snapshot is replaced by replay
            raise SnapshotUnusable(f"v{version} does not decode: {error}") from error
        return Snapshot(  # type: ignore[call-arg]
            originator_id=originator_id,
            originator_version=version,
            timestamp=header.at,
            topic=header.topic,
            state=values,
        )

    def _open(self, data: bytes, originator_id: UUID, version: int) -> tuple[Header, Any]:
        view = memoryview(data)
        end = data.index(b"\n")
        header = _header_decoder.decode(view[:end])
        kind = _BY_TOPIC.get(header.topic)
        if kind is None or header.schema != kind.fingerprint:
            raise SnapshotUnusable(f"v{version} was taken by another version of the code")
        payload = view[end + 1 :]
        if header.key is None:
            return header, payload
        cipher = self.keys.opening_key(header.key) if self.keys else None
        if cipher is None:
            raise SnapshotUnusable(f"v{version} is sealed with an erased key")
        try:
            opened = cipher.decrypt(
                payload[:12], payload[12:], _associated(header.key, originator_id, version)
            )
        except InvalidTag:
            raise SnapshotUnusable(
                f"v{version} does not open with its key (changed bytes)"
            ) from None
        return header, opened


# ---- housekeeping: the snapshot table -------------------------------------------------


def _run(recorder: Any, statement: str, params: tuple[Any, ...]) -> int:
    """Run one statement on the snapshot recorder's own database; rows affected."""
    schema = getattr(recorder.datastore, "schema", None)  # PostgreSQL only
    table = f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name
    statement = statement.replace("{table}", table)
    if schema:
        statement = statement.replace("?", "%s")
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(statement, params)
        counted = getattr(cursor, "sqlite_cursor", cursor)  # the library wraps sqlite3's cursor
        return max(int(counted.rowcount or 0), 0)


def _stored_id(recorder: Any, aggregate_id: UUID) -> Any:
    # As the library stores it: a uuid column on PostgreSQL, 32 hex digits on SQLite.
    return aggregate_id if getattr(recorder.datastore, "schema", None) else aggregate_id.hex


def prune(recorder: Any, aggregate_id: UUID, below: int) -> int:
    """Delete an aggregate's snapshots older than version `below` (only the latest is read)."""
    return _run(
        recorder,
        "DELETE FROM {table} WHERE originator_id = ? AND originator_version < ?",
        (_stored_id(recorder, aggregate_id), below),
    )


def drop_sealed_with(recorder: Any, key_ids: tuple[str, ...]) -> int:
    """Delete every snapshot sealed with one of these keys (after an erasure); how many."""
    deleted = 0
    for key_id in key_ids:
        prefix = msgspec.json.encode({"key": key_id})[:-1]  # b'{"key":"<id>"'
        deleted += _run(
            recorder,
            "DELETE FROM {table} WHERE substr(state, 1, ?) = ?",
            (len(prefix), prefix),
        )
    return deleted


def drop_all(recorder: Any) -> int:
    """Delete every snapshot (they are disposable: loading replays events meanwhile)."""
    return _run(recorder, "DELETE FROM {table} WHERE 1 = ?", (1,))
