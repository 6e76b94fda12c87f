"""What a view is: tables, and a function from a batch of events to row changes.

To add a view: subclass `View` with a unique `name`, its `tables` and `ddl` (portable SQL,
see projections/store.py), and `apply(tx, batch)`; then list it in projections/catalog.py.
The runner gives `apply` the events after the view's position in log order (ignored
bookkeeping events already removed) and commits the row changes and the new position in
the same transaction. Bump `version` when the tables or the logic change: the runner then
drops the tables and rebuilds the view from position 0.

A rebuild (projections/rebuild.py) feeds every view it rebuilds from one shared read of the
log, through each view's `builder()`: by default `apply` itself, batch by batch; a view may
return a `Builder` that keeps its state in memory, appends rows in bulk, and leaves the rows
derived from the whole log (statements, decisions, boards) to `finish`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.persistence import Mapper, Notification

from projections.store import Tx

#: Bookkeeping aggregates whose events no view shows (they still advance positions).
IGNORED_TOPIC_PREFIXES = ("infra.idempotency:",)

#: Attributes of every event that are not its own data.
ENVELOPE_FIELDS = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "meta"}
)


@lru_cache(maxsize=1024)
def _names(topic: str) -> tuple[str, str, str]:
    """(qualname, kind, event type) of a topic, worked out once per topic."""
    qualname = topic.partition(":")[2]
    return qualname, qualname.rpartition(".")[0] or qualname, qualname.rpartition(".")[2]


class Envelope(msgspec.Struct, frozen=True):
    """One decoded event and where it sits in the log."""

    position: int
    topic: str
    event: Any
    #: The aggregate's id as text (views key their rows by it), and the audit trail's id of
    #: the event, `<aggregate id>:<version>`: both set from the event, once.
    key: str = ""
    event_id: str = ""

    def __post_init__(self) -> None:
        identity = getattr(self.event, "originator_id", None)
        if identity is not None and not self.key:  # (a sample event may have none)
            key = str(identity)
            msgspec.structs.force_setattr(self, "key", key)
            version = self.event.originator_version
            msgspec.structs.force_setattr(self, "event_id", f"{key}:{version}")

    @property
    def aggregate_id(self) -> UUID:
        return self.event.originator_id

    @property
    def version(self) -> int:
        return self.event.originator_version

    @property
    def at(self) -> datetime:
        return self.event.timestamp

    @property
    def qualname(self) -> str:
        """`Contract.ContractApplied`: the aggregate class and the event class."""
        return _names(self.topic)[0]

    @property
    def kind(self) -> str:
        """The aggregate's class name, e.g. `Contract`, `Ticket`."""
        return _names(self.topic)[1]

    @property
    def event_type(self) -> str:
        """The event's class name, e.g. `ContractApplied`."""
        return _names(self.topic)[2]

    @property
    def is_created(self) -> bool:
        return self.event.originator_version == 1

    def fields(self) -> dict[str, Any]:
        """The event's own data (no identity, time, actor, or storage bookkeeping such as
        the trail's `_chain_hash`)."""
        return {
            k: v
            for k, v in vars(self.event).items()
            if k not in ENVELOPE_FIELDS and k[0] != "_"
        }


def is_ignored(topic: str) -> bool:
    return topic.startswith(IGNORED_TOPIC_PREFIXES)


def decode(mapper: Mapper[UUID], notifications: Sequence[Notification]) -> list[Envelope]:
    """The notifications views see, decoded (bookkeeping events dropped)."""
    return [
        Envelope(n.id, n.topic, mapper.to_domain_event(n))
        for n in notifications
        if not is_ignored(n.topic)
    ]


class Builder:
    """How a rebuild feeds one view: every batch in log order into fresh tables, then `finish`.

    The default applies each batch as a live runner does. A subclass may keep state in
    memory, append rows in bulk and compute rows that depend on the whole log once in
    `finish`; the tables after `finish` must equal the view built live, batch by batch
    (tests/projections/test_shared_rebuild.py checks it on both backends).
    """

    #: Create the tables' secondary indexes only at `finish` (bulk loads run faster without
    #: them); only for builders whose `apply` neither reads by them nor upserts against a
    #: unique index that is not the primary key.
    defer_indexes: bool = False
    #: Whether `finish` reads the view's tables: the deferred indexes are then created
    #: before it, else after it (indexing rows in bulk is faster than row by row).
    finish_reads: bool = True

    def __init__(self, view: View) -> None:
        self.view = view

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        self.view.apply(tx, batch)

    def finish(self, tx: Tx) -> None:
        """Write what was kept back until the whole log was read (the indexes exist now)."""


class View:
    """Base of every projection: a name, its tables, and how a batch of events changes them."""

    name: str = ""
    version: int = 1
    #: Tables the view owns (dropped on rebuild, in this order).
    tables: tuple[str, ...] = ()
    #: Statements that create the tables and indexes (IF NOT EXISTS); run when the view is
    #: first created or its `version` changes, never on live tables.
    ddl: tuple[str, ...] = ()

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        """Write the row changes of these events (in log order) in the open transaction."""
        raise NotImplementedError

    def builder(self, shared: dict[str, Any]) -> Builder:
        """What a rebuild feeds this view's batches to (one builder per rebuild). `shared` is
        the same dict for every builder of the rebuild: what several views learn the same
        way from the log can be learnt once (projections/ownership.py `Links`)."""
        return Builder(self)
