"""The billing view: every contract's monthly statements, with lines that name their events.

The view keeps the billing facts of each contract (domain/billing_facts.py), the month
closes, and a horizon (the latest month any event was recorded in); after each batch it
recomputes the statements of the contracts the batch touched with the pure function of
domain/billing.py, or of every contract when a month was closed or a new month began.
A closed statement is computed from the facts its close sealed, so it never changes; a
late fact becomes an adjustment on the next open statement. Statements are rows shaped
for P15 searches (transaction dates, amount, counterparty) with the whole statement as
JSON; reads are in projections/billing_query.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import msgspec

from domain.aggregates.billing_period import BillingPeriods, StatementSeal
from domain.billing import Closure, Statement, statements
from domain.billing_facts import FACT_EVENTS, BillingFact, fact_of
from domain.billing_lines import japan_day, month_of
from domain.rates import Rates
from infra.settings import Settings
from projections import billing_summaries  # noqa: F401 - registers the audit summaries
from projections.billing_query import month_closed, statements_for_month  # for the console
from projections.billing_tables import (
    CLOSURES,
    FACTS,
    STATE,
    STATEMENTS,
    counterparty_key,
)
from projections.ownership import Links, Ownership
from projections.store import Tx
from projections.view import Builder, Envelope, View

OWNERS = Ownership("billing_owners")
STATEMENT_COLUMNS = (
    "statement_id", "contract_id", "month", "customer_name", "counterparty", "total",
    "date_from", "date_to", "closed_by", "review_suggested", "seal_total", "seal_digest", "body",
)  # fmt: skip

_fact_decoder = msgspec.json.Decoder(BillingFact)
_encoder = msgspec.json.Encoder()
_seals_decoder = msgspec.json.Decoder(tuple[StatementSeal, ...])


class BillingView(View):
    """Monthly statements per contract (P1–P15, C1–C4); see the module docstring."""

    name = "billing"
    version = 1
    tables = (STATEMENTS, FACTS, CLOSURES, STATE, OWNERS.table)
    ddl = (
        (
            f"CREATE TABLE IF NOT EXISTS {FACTS} (event_id TEXT PRIMARY KEY,"
            " contract_id TEXT NOT NULL, position BIGINT NOT NULL, fact TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {FACTS}_contract ON {FACTS} (contract_id, position)",
        (
            f"CREATE TABLE IF NOT EXISTS {CLOSURES} (position BIGINT PRIMARY KEY,"
            " event_id TEXT NOT NULL, through TEXT NOT NULL, as_of_position BIGINT NOT NULL,"
            " closed_at TEXT NOT NULL, issuer_name TEXT NOT NULL,"
            " registration_number TEXT NOT NULL, seals TEXT NOT NULL)"
        ),
        f"CREATE TABLE IF NOT EXISTS {STATE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        (
            f"CREATE TABLE IF NOT EXISTS {STATEMENTS} (statement_id TEXT PRIMARY KEY,"
            " contract_id TEXT NOT NULL, month TEXT NOT NULL, customer_name TEXT NOT NULL,"
            " counterparty TEXT NOT NULL, total BIGINT NOT NULL, date_from TEXT NOT NULL,"
            " date_to TEXT NOT NULL, closed_by TEXT, review_suggested INTEGER NOT NULL,"
            " seal_total BIGINT, seal_digest TEXT, body TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {STATEMENTS}_month ON {STATEMENTS} (month, statement_id)",
        f"CREATE INDEX IF NOT EXISTS {STATEMENTS}_contract ON {STATEMENTS} (contract_id, month)",
        f"CREATE INDEX IF NOT EXISTS {STATEMENTS}_dates ON {STATEMENTS} (date_from, date_to)",
        f"CREATE INDEX IF NOT EXISTS {STATEMENTS}_total ON {STATEMENTS} (total)",
        *OWNERS.ddl(),
    )

    def __init__(self, rates: Rates | None = None) -> None:
        self._rates = rates

    @property
    def rates(self) -> Rates:
        """The tariff for the P8 flag: the worker's settings (as the service's)."""
        if self._rates is None:
            self._rates = msgspec.convert(Settings.from_env().rates, Rates, strict=False)
        return self._rates

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        owners = OWNERS.resolve(tx, batch)
        touched: set[str] = set()
        everyone = self._record_facts(tx, batch, owners, touched)
        if self._advance_horizon(tx, batch):
            everyone = True  # a new month began: every contract in service gets its statement
        if everyone:
            touched = {row[0] for row in tx.fetchall(f"SELECT DISTINCT contract_id FROM {FACTS}")}
        if touched:
            self._recompute(tx, sorted(touched))

    def builder(self, shared: dict[str, Any]) -> Builder:
        return _BillingBuilder(self, Links.of(shared))

    def _record_facts(
        self, tx: Tx, batch: Sequence[Envelope], owners: Sequence[str | None], touched: set[str]
    ) -> bool:
        """Append the batch's facts and month closes; True if a month was closed."""
        closed = False
        facts: list[tuple[str, str, int, str]] = []
        for envelope, contract_id in zip(batch, owners, strict=True):
            event = envelope.event
            if isinstance(event, BillingPeriods.MonthClosed):
                self._record_close(tx, envelope)
                closed = True
            elif isinstance(event, FACT_EVENTS) and contract_id is not None:
                fact = fact_of(event, envelope.position)
                if fact is not None:
                    encoded = _encoder.encode(fact).decode()
                    facts.append((fact.event_id, contract_id, envelope.position, encoded))
                    touched.add(contract_id)
        tx.insert_rows(FACTS, ("event_id", "contract_id", "position", "fact"), facts)
        return closed

    def _record_close(self, tx: Tx, envelope: Envelope) -> None:
        event = envelope.event
        tx.insert_rows(
            CLOSURES,
            ("position", "event_id", "through", "as_of_position", "closed_at", "issuer_name",
             "registration_number", "seals"),
            [(envelope.position, envelope.event_id,
              event.month.isoformat(), event.as_of_position, envelope.at.isoformat(),
              event.issuer_name, event.registration_number,
              msgspec.json.encode(event.statements).decode())],
        )  # fmt: skip

    def _advance_horizon(self, tx: Tx, batch: Sequence[Envelope]) -> bool:
        """Move the horizon to the latest month an event was recorded in; True if it moved."""
        latest = latest_month(batch)
        current = horizon(tx)
        if current is not None and latest <= current:
            return False
        _set_horizon(tx, latest)
        return True

    def _recompute(self, tx: Tx, contract_ids: list[str]) -> None:
        closures, seals = load_closures(tx)
        until = horizon(tx)
        assert until is not None
        rows: list[tuple[Any, ...]] = []
        for contract_id in contract_ids:
            facts = [
                _fact_decoder.decode(row[0])
                for row in tx.fetchall(
                    f"SELECT fact FROM {FACTS} WHERE contract_id = ? ORDER BY position",
                    (contract_id,),
                )
            ]
            tx.execute(f"DELETE FROM {STATEMENTS} WHERE contract_id = ?", (contract_id,))
            for s in statements(contract_id, facts, closures, until, self.rates):
                rows.append(_row(s, seals.get((s.closed_by, s.statement_id))))
        tx.insert_rows(STATEMENTS, STATEMENT_COLUMNS, rows)


class _BillingBuilder(Builder):
    """A rebuild: owners and the horizon in memory, facts appended in bulk, and every
    contract's statements computed once at the end. The statements are a function of the
    facts, the closes and the horizon (the live view recomputes a contract whenever one of
    them changes), so computing them once from the whole log gives the same rows."""

    defer_indexes = True

    def __init__(self, view: BillingView, links: Links) -> None:
        super().__init__(view)
        self.billing = view
        self.links = links
        self.contracts: set[str] = set()
        self.latest: date | None = None

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        self.billing._record_facts(tx, batch, self.links.contracts(batch), self.contracts)
        latest = latest_month(batch)
        if self.latest is None or latest > self.latest:
            self.latest = latest

    def finish(self, tx: Tx) -> None:
        OWNERS.write_all(tx, self.links.known)
        if self.latest is not None:
            _set_horizon(tx, self.latest)
        if self.contracts:
            self.billing._recompute(tx, sorted(self.contracts))


def latest_month(batch: Sequence[Envelope]) -> date:
    """The month of the batch's latest event (Japan time; the month is monotonic in time)."""
    return month_of(japan_day(max(e.at for e in batch)))


def _set_horizon(tx: Tx, month: date) -> None:
    tx.execute(
        f"INSERT INTO {STATE} (name, value) VALUES ('horizon', ?)"
        " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        (month.isoformat(),),
    )


def _row(s: Statement, seal: StatementSeal | None) -> tuple[Any, ...]:
    return (
        s.statement_id, s.contract_id, s.month.isoformat(), s.customer_name,
        counterparty_key(s.customer_name), s.total, s.date_from.isoformat(),
        s.date_to.isoformat(), s.closed_by, int(s.review_suggested),
        seal.total if seal else None, seal.digest if seal else None,
        msgspec.json.encode(s).decode(),
    )  # fmt: skip


def horizon(tx: Tx) -> date | None:
    """The latest month the view has seen an event in (statements run up to it)."""
    row = tx.fetchone(f"SELECT value FROM {STATE} WHERE name = 'horizon'")
    return date.fromisoformat(row[0]) if row else None


def load_closures(
    tx: Tx,
) -> tuple[list[Closure], dict[tuple[str, str], StatementSeal]]:
    """The month closes in log order, and each close's seals by (close, statement)."""
    closures: list[Closure] = []
    seals: dict[tuple[str, str], StatementSeal] = {}
    rows = tx.fetchall(
        f"SELECT event_id, through, as_of_position, closed_at, issuer_name,"
        f" registration_number, seals FROM {CLOSURES} ORDER BY position"
    )
    for event_id, through, as_of, closed_at, issuer, number, sealed in rows:
        closures.append(
            Closure(
                through=date.fromisoformat(through),
                as_of_position=int(as_of),
                event_id=event_id,
                closed_at=datetime.fromisoformat(closed_at),
                issuer_name=issuer,
                registration_number=number,
            )
        )
        for seal in _seals_decoder.decode(sealed):
            seals[(event_id, seal.statement_id)] = seal
    return closures, seals


__all__ = ["BillingView", "month_closed", "statements_for_month"]
