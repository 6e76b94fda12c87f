"""Which contract an aggregate belongs to, learnt from the events as they pass.

A contract's own events carry it as originator; tickets and assignments name their
`contract_id` in their created event, and later events only carry their own id. Each view
that needs the link keeps its own table (so views stay independently rebuildable): pass a
table name, include `ddl()` in the view's DDL, and call `resolve(tx, batch)` per batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.store import Tx
from projections.view import Envelope

_CHUNK = 500  # ids per IN (...) query: far below SQLite's and PostgreSQL's limits


def _contract_field(event: Any) -> str | None:
    value = getattr(event, "contract_id", None)
    if value is not None:
        return str(value)
    # A data subject's erasure names its subject "contract:<id>" (domain/aggregates/data_subject.py):
    # it belongs to that contract's trail.
    subject = getattr(event, "subject", None)
    if isinstance(subject, str) and subject.startswith("contract:"):
        return subject.removeprefix("contract:")
    return None


class Ownership:
    """The aggregate -> (kind, contract) table of one view."""

    def __init__(self, table: str) -> None:
        self.table = table

    def ddl(self) -> tuple[str, ...]:
        return (
            (
                f"CREATE TABLE IF NOT EXISTS {self.table} ("
                " aggregate_id TEXT PRIMARY KEY, kind TEXT NOT NULL, contract_id TEXT)"
            ),
            f"CREATE INDEX IF NOT EXISTS {self.table}_contract ON {self.table} (contract_id)",
        )

    def resolve(self, tx: Tx, batch: Sequence[Envelope]) -> list[str | None]:
        """The contract id of each event of the batch (None for e.g. a concierge's profile)."""
        known = self._load(tx, {e.key for e in batch})
        answer, changed = self.assign(known, batch)
        tx.insert_rows(
            self.table,
            ("aggregate_id", "kind", "contract_id"),
            [(a, k, c) for a, (k, c) in changed.items()],
            "ON CONFLICT (aggregate_id) DO UPDATE SET kind = excluded.kind,"
            " contract_id = excluded.contract_id",
        )
        return answer

    @staticmethod
    def assign(
        known: dict[str, tuple[str, str | None]], batch: Sequence[Envelope]
    ) -> tuple[list[str | None], dict[str, tuple[str, str | None]]]:
        """Each event's contract id, learning links into `known` as they pass; and the
        aggregates whose row changed (a rebuild keeps `known` in memory for the whole log)."""
        changed: dict[str, tuple[str, str | None]] = {}
        answer: list[str | None] = []
        for envelope in batch:
            aggregate_id = envelope.key
            kind, contract_id = known.get(aggregate_id, (envelope.kind, None))
            if envelope.kind == "Contract":
                contract_id = aggregate_id
            else:
                contract_id = _contract_field(envelope.event) or contract_id
            if known.get(aggregate_id) != (kind, contract_id):
                known[aggregate_id] = changed[aggregate_id] = (kind, contract_id)
            answer.append(contract_id)
        return answer, changed

    def write_all(self, tx: Tx, known: dict[str, tuple[str, str | None]]) -> None:
        """Write a rebuild's whole table at once (into its fresh, empty table)."""
        tx.copy_rows(
            self.table,
            ("aggregate_id", "kind", "contract_id"),
            [(a, k, c) for a, (k, c) in known.items()],
        )

    def _load(self, tx: Tx, ids: set[str]) -> dict[str, tuple[str, str | None]]:
        found: dict[str, tuple[str, str | None]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), _CHUNK):
            chunk = ordered[start : start + _CHUNK]
            marks = ", ".join("?" * len(chunk))
            rows = tx.fetchall(
                f"SELECT aggregate_id, kind, contract_id FROM {self.table}"
                f" WHERE aggregate_id IN ({marks})",
                chunk,
            )
            found.update({row[0]: (row[1], row[2]) for row in rows})
        return found


class Links:
    """A rebuild's aggregate -> (kind, contract) links, in memory for the whole log and
    learnt once per batch for every view that keeps an ownership table (they all learn
    the same links from the same events)."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, str | None]] = {}
        self._last: tuple[Sequence[Envelope], list[str | None]] | None = None

    @classmethod
    def of(cls, shared: dict[str, Any]) -> Links:
        """The links of this rebuild (`shared`: see projections/view.py `View.builder`)."""
        links = shared.get("ownership")
        if links is None:
            links = shared["ownership"] = cls()
        assert isinstance(links, cls)
        return links

    def contracts(self, batch: Sequence[Envelope]) -> list[str | None]:
        """The contract id of each event of the batch (the batch after the last one, or it)."""
        last = self._last
        if last is not None and last[0] is batch:
            return last[1]
        answer, _ = Ownership.assign(self.known, batch)
        self._last = (batch, answer)
        return answer
