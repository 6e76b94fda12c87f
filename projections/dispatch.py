"""The dispatch view: each concierge's open tickets, by urgency then age (O3).

A ticket is on the board of every concierge who may act on it: the dedicated concierge
and team of its site cluster (K2, K3) and the backups dispatched to it (O4). It leaves
the board when resolved or closed. Whether it is past the 24-hour target depends on
"now", so the flag is computed when the board is read (projections/dispatch_query.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from domain.aggregates.concierge_assignment import ConciergeAssignment as _A
from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket as _T
from projections.audit import epoch_us
from projections.store import Tx
from projections.view import Builder, Envelope, View

TICKETS, ASSIGNMENTS, CUSTOMERS, BOARD = (
    "dispatch_tickets", "dispatch_assignments", "dispatch_customers", "dispatch_board",
)  # fmt: skip
TICKET_COLUMNS = (
    "ticket_id", "contract_id", "cluster", "urgency", "urgency_rank", "summary", "opened_at",
    "opened_us", "remote_only", "first_arrival_at", "backups",
)  # fmt: skip
ASSIGNMENT_COLUMNS = ("assignment_id", "contract_id", "cluster", "accepted_id", "team", "ended")


class _Rows:
    """Rows of one table touched by a batch: loaded once, changed in memory, written once."""

    def __init__(self, tx: Tx, table: str, columns: tuple[str, ...]) -> None:
        self.tx, self.table, self.columns = tx, table, columns
        self.rows: dict[str, dict[str, Any] | None] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self.rows:
            row = self.tx.fetchone(
                f"SELECT {', '.join(self.columns)} FROM {self.table} WHERE {self.columns[0]} = ?",
                (key,),
            )
            self.rows[key] = dict(zip(self.columns, row, strict=True)) if row else None
        return self.rows[key]

    def put(self, key: str, row: dict[str, Any] | None) -> None:
        self.rows[key] = row

    def flush(self) -> None:
        keys = list(self.rows)
        for key in keys:
            self.tx.execute(f"DELETE FROM {self.table} WHERE {self.columns[0]} = ?", (key,))
        live = [tuple(r[c] for c in self.columns) for r in self.rows.values() if r is not None]
        self.tx.insert_rows(self.table, self.columns, live)


class _Kept(_Rows):
    """A rebuild's rows, kept in memory until the end as tuples; a row a batch changes is a
    dict until the batch is `settle`d. A row that is gone reads as None, as a deleted row
    reads live: later events on a closed ticket change nothing."""

    def __init__(self, columns: tuple[str, ...], repeated: tuple[str, ...]) -> None:
        self.columns = columns
        self.rows = {}  # changed by the current batch
        self.kept: dict[str, tuple[Any, ...]] = {}
        self._repeated = {columns.index(c) for c in repeated}  # e.g. a contract's id: kept once
        self._same: dict[str, str] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        if key not in self.rows:
            kept = self.kept.get(key)
            self.rows[key] = None if kept is None else dict(zip(self.columns, kept, strict=True))
        return self.rows[key]

    def settle(self) -> None:
        for key, row in self.rows.items():
            if row is None:
                self.kept.pop(key, None)
            else:
                self.kept[key] = tuple(
                    self._same.setdefault(row[c], row[c]) if n in self._repeated else row[c]
                    for n, c in enumerate(self.columns)
                )
        self.rows.clear()


class DispatchView(View):
    """Open tickets per concierge (O3, K2, K3, O4)."""

    name = "dispatch"
    version = 1
    tables = (BOARD, TICKETS, ASSIGNMENTS, CUSTOMERS)
    ddl = (
        (
            f"CREATE TABLE IF NOT EXISTS {TICKETS} (ticket_id TEXT PRIMARY KEY,"
            " contract_id TEXT NOT NULL, cluster TEXT NOT NULL, urgency TEXT NOT NULL,"
            " urgency_rank INTEGER NOT NULL, summary TEXT NOT NULL, opened_at TEXT NOT NULL,"
            " opened_us BIGINT NOT NULL, remote_only INTEGER NOT NULL, first_arrival_at TEXT,"
            " backups TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {TICKETS}_cluster ON {TICKETS} (contract_id, cluster)",
        f"CREATE INDEX IF NOT EXISTS {TICKETS}_order ON {TICKETS} (urgency_rank, opened_us)",
        (
            f"CREATE TABLE IF NOT EXISTS {ASSIGNMENTS} (assignment_id TEXT PRIMARY KEY,"
            " contract_id TEXT NOT NULL, cluster TEXT NOT NULL, accepted_id TEXT,"
            " team TEXT NOT NULL, ended INTEGER NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {ASSIGNMENTS}_cluster ON {ASSIGNMENTS} (contract_id, cluster)",
        (
            f"CREATE TABLE IF NOT EXISTS {CUSTOMERS} (contract_id TEXT PRIMARY KEY,"
            " customer_name TEXT NOT NULL)"
        ),
        (
            f"CREATE TABLE IF NOT EXISTS {BOARD} (concierge_id TEXT NOT NULL,"
            " ticket_id TEXT NOT NULL, PRIMARY KEY (concierge_id, ticket_id))"
        ),
        f"CREATE INDEX IF NOT EXISTS {BOARD}_ticket ON {BOARD} (ticket_id)",
    )

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        tickets = _Rows(tx, TICKETS, TICKET_COLUMNS)
        assignments = _Rows(tx, ASSIGNMENTS, ASSIGNMENT_COLUMNS)
        clusters: set[tuple[str, str]] = set()
        customers = []
        for envelope in batch:
            event, key = envelope.event, envelope.key
            if isinstance(event, Contract.ContractApplied):
                customers.append((key, event.customer_name))
            elif _ticket(tickets, key, envelope):
                continue  # the ticket is redrawn on the boards below
            elif _assignment(assignments, key, event):
                row = assignments.get(key)
                assert row is not None
                clusters.add((row["contract_id"], row["cluster"]))  # its tickets change hands
        tx.insert_rows(CUSTOMERS, ("contract_id", "customer_name"), customers,
                       "ON CONFLICT (contract_id) DO NOTHING")  # fmt: skip
        tickets.flush()
        assignments.flush()
        self._board(tx, clusters, set(tickets.rows))

    def builder(self, shared: dict[str, Any]) -> Builder:
        return _DispatchBuilder(self)

    def _board(self, tx: Tx, clusters: set[tuple[str, str]], touched: set[str]) -> None:
        """Who has each ticket of the changed clusters (and the changed tickets) on its board."""
        for contract_id, cluster in sorted(clusters):
            rows = tx.fetchall(
                f"SELECT ticket_id FROM {TICKETS} WHERE contract_id = ? AND cluster = ?",
                (contract_id, cluster),
            )
            touched |= {row[0] for row in rows}
        serving: dict[tuple[str, str], set[str]] = {}
        entries = []
        for ticket_id in sorted(touched):
            tx.execute(f"DELETE FROM {BOARD} WHERE ticket_id = ?", (ticket_id,))
            row = tx.fetchone(
                f"SELECT contract_id, cluster, backups FROM {TICKETS} WHERE ticket_id = ?",
                (ticket_id,),
            )
            if row is None:
                continue  # closed: off every board
            where = (row[0], row[1])
            if where not in serving:
                serving[where] = _serving(tx, *where)
            for concierge in serving[where] | set(msgspec.json.decode(row[2])):
                entries.append((concierge, ticket_id))
        tx.insert_rows(BOARD, ("concierge_id", "ticket_id"), entries)


class _DispatchBuilder(Builder):
    """A rebuild: tickets and assignments in memory, written once at the end with the boards
    (who has a ticket on the board is a function of the ticket and its cluster's
    assignments, redrawn live whenever either changes)."""

    defer_indexes = True
    finish_reads = False

    def __init__(self, view: View) -> None:
        super().__init__(view)
        self.tickets = _Kept(TICKET_COLUMNS, ("contract_id", "cluster", "urgency", "backups"))
        self.assignments = _Kept(ASSIGNMENT_COLUMNS, ("contract_id", "cluster"))
        self.customers: dict[str, str] = {}

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        for envelope in batch:
            event, key = envelope.event, envelope.key
            if isinstance(event, Contract.ContractApplied):
                self.customers.setdefault(key, event.customer_name)  # ON CONFLICT DO NOTHING
            elif not _ticket(self.tickets, key, envelope):
                _assignment(self.assignments, key, event)
        self.tickets.settle()
        self.assignments.settle()

    def finish(self, tx: Tx) -> None:
        tx.copy_rows(CUSTOMERS, ("contract_id", "customer_name"), list(self.customers.items()))
        tx.copy_rows(TICKETS, TICKET_COLUMNS, list(self.tickets.kept.values()))
        tx.copy_rows(ASSIGNMENTS, ASSIGNMENT_COLUMNS, list(self.assignments.kept.values()))
        serving: dict[tuple[str, str], set[str]] = {}
        for _, contract_id, cluster, accepted_id, team, ended in self.assignments.kept.values():
            if ended == 0:
                found = serving.setdefault((contract_id, cluster), set())
                found |= _served_by(accepted_id, team)
        where, backups = TICKET_COLUMNS.index("contract_id"), TICKET_COLUMNS.index("backups")
        entries = []
        for ticket_id, row in sorted(self.tickets.kept.items()):
            on_board = serving.get((row[where], row[where + 1]), set())  # (contract, cluster)
            for concierge in on_board | set(msgspec.json.decode(row[backups])):
                entries.append((concierge, ticket_id))
        tx.copy_rows(BOARD, ("concierge_id", "ticket_id"), entries)


def _served_by(accepted: str | None, team: str) -> set[str]:
    """An assignment's concierges: the accepted dedicated one and the team (K2, K3)."""
    return set(msgspec.json.decode(team)) | ({accepted} if accepted else set())


def _serving(tx: Tx, contract_id: str, cluster: str) -> set[str]:
    found: set[str] = set()
    for accepted, team in tx.fetchall(
        f"SELECT accepted_id, team FROM {ASSIGNMENTS}"
        " WHERE contract_id = ? AND cluster = ? AND ended = 0",
        (contract_id, cluster),
    ):
        found |= _served_by(accepted, team)
    return found


def _ticket(tickets: _Rows, key: str, envelope: Envelope) -> bool:
    """Apply a ticket event to its row; True if it was one the board cares about."""
    event = envelope.event
    if isinstance(event, _T.TicketOpened):
        tickets.put(key, {
            "ticket_id": key, "contract_id": str(event.contract_id), "cluster": event.cluster,
            "urgency": event.urgency.value, "urgency_rank": event.urgency.rank,
            "summary": event.summary, "opened_at": event.timestamp.isoformat(),
            "opened_us": epoch_us(event.timestamp), "remote_only": int(event.remote_only),
            "first_arrival_at": None, "backups": "[]",
        })  # fmt: skip
        return True
    if not isinstance(event, _T.VisitLogged | _T.BackupDispatched | _T.TicketResolved
                      | _T.TicketClosedUnresolved):  # fmt: skip
        return False
    row = tickets.get(key)
    if row is None:
        return False
    if isinstance(event, _T.VisitLogged):
        first = row["first_arrival_at"]
        if first is None or event.arrival < datetime.fromisoformat(first):
            row["first_arrival_at"] = event.arrival.isoformat()
    elif isinstance(event, _T.BackupDispatched):
        row["backups"] = msgspec.json.encode(
            sorted({*msgspec.json.decode(row["backups"]), event.concierge_id})
        ).decode()
    else:
        tickets.put(key, None)  # resolved or closed: off the board
    return True


def _assignment(assignments: _Rows, key: str, event: Any) -> bool:
    """Apply an assignment event to its row; True if it changes who serves the cluster."""
    if isinstance(event, _A.AssignmentOpened):
        assignments.put(key, {"assignment_id": key, "contract_id": str(event.contract_id),
                              "cluster": event.cluster, "accepted_id": None, "team": "[]",
                              "ended": 0})  # fmt: skip
        return True
    kinds = (_A.ConciergeAccepted, _A.TeamMemberAdded, _A.TeamMemberRemoved, _A.AssignmentEnded)
    row = assignments.get(key) if isinstance(event, kinds) else None
    if row is None:
        return False
    team = set(msgspec.json.decode(row["team"]))
    if isinstance(event, _A.ConciergeAccepted):
        row["accepted_id"] = str(event.concierge_id)
        team.discard(str(event.concierge_id))
    elif isinstance(event, _A.TeamMemberAdded):
        team.add(str(event.concierge_id))
    elif isinstance(event, _A.TeamMemberRemoved):
        team.discard(str(event.concierge_id))
    else:
        row["ended"] = 1
    row["team"] = msgspec.json.encode(sorted(team)).decode()
    return True
