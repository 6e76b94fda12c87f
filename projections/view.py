"""What a view is: tables, and a function from a batch of events to row changes.

To add a view: subclass `View` with a unique `name`, its `tables` and `ddl` (portable SQL,
see projections/store.py), and `apply(tx, batch)`; then list it in projections/catalog.py.
The runner gives `apply` the events after the view's position in log order (ignored
bookkeeping events already removed) and commits the row changes and the new position in
the same transaction. Bump `version` when the tables or the logic change: the runner then
drops the tables and rebuilds the view from position 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
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


class Envelope(msgspec.Struct, frozen=True):
    """One decoded event and where it sits in the log."""

    position: int
    topic: str
    event: Any

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
        return self.topic.partition(":")[2]

    @property
    def kind(self) -> str:
        """The aggregate's class name, e.g. `Contract`, `Ticket`."""
        return self.qualname.rpartition(".")[0] or self.qualname

    @property
    def event_type(self) -> str:
        """The event's class name, e.g. `ContractApplied`."""
        return self.qualname.rpartition(".")[2]

    @property
    def is_created(self) -> bool:
        return self.event.originator_version == 1

    def fields(self) -> dict[str, Any]:
        """The event's own data (no identity, time, actor, or storage bookkeeping such as
        the trail's `_chain_hash`)."""
        return {
            k: v
            for k, v in vars(self.event).items()
            if k not in ENVELOPE_FIELDS and not k.startswith("_")
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
