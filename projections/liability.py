"""The liability view: for each claim, who is liable under L1–L7, the rule, and the events
the decision rests on (instruction, risk disclosure and acknowledgement, Second referral,
findings), so a compliance reviewer can follow it back through the audit trail.

The view keeps the ticket events a decision may rest on, for every ticket (a claim may be
filed long after), and each claim's own events; when either changes it decides again with
the pure function of domain/liability.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.aggregates.liability_claim import LiabilityClaim
from domain.aggregates.ticket import Ticket
from domain.liability import ClaimKind, FindingKind, Liable, decide
from projections import liability_summaries  # noqa: F401 - registers the audit summaries
from projections.liability_facts import claim_facts, ticket_facts
from projections.store import Tx
from projections.view import Builder, Envelope, View

TICKET_FACTS, CLAIM_EVENTS, CLAIMS = (
    "liability_ticket_facts",
    "liability_claim_events",
    "liability_claims",
)
_T = Ticket
TICKET_EVENTS = (
    _T.WorkInstructed, _T.RiskDisclosed, _T.RiskAcknowledged, _T.WorkStarted,
    _T.SecondJobReferred, _T.WorkSlipIssued, _T.TicketClosedUnresolved,
)  # fmt: skip
_encoder = msgspec.json.Encoder()


class FindingRecord(msgspec.Struct, frozen=True, kw_only=True):
    finding: FindingKind
    value: bool
    note: str | None
    event_id: str
    at: datetime
    by: str


class ClaimRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A claim and its decision, as the API and the console read it."""

    claim_id: UUID
    ticket_id: UUID
    contract_id: UUID
    kind: ClaimKind
    description: str
    filed_at: datetime
    filed_by: str
    findings: tuple[FindingRecord, ...]  # every finding recorded, in order
    decision: Liable  # who is liable
    rule: str | None  # the rule applied (None while undecided)
    explanation: str
    evidence: tuple[str, ...]  # event ids `<aggregate id>:<version>`
    outweighed: tuple[str, ...]  # rules that also held, set aside by L7's precedence
    awaiting: tuple[FindingKind, ...]  # findings the decision waits for


def _fields(envelope: Envelope) -> str:
    data = {**envelope.fields(), "event_id": envelope.event_id}
    data |= {"at": envelope.at, "by": envelope.event.meta.actor_id}
    return _encoder.encode(msgspec.to_builtins(data, enc_hook=str)).decode()


def _row(envelope: Envelope) -> tuple[str, str, int, str, str]:
    """(event id, aggregate id, position, event type, fields as JSON)."""
    return envelope.event_id, envelope.key, envelope.position, envelope.event_type, _fields(envelope)


class LiabilityView(View):
    """Liability decisions per claim (L1–L7)."""

    name = "liability"
    version = 1
    tables = (CLAIMS, CLAIM_EVENTS, TICKET_FACTS)
    ddl = (
        (
            f"CREATE TABLE IF NOT EXISTS {TICKET_FACTS} (event_id TEXT PRIMARY KEY,"
            " ticket_id TEXT NOT NULL, position BIGINT NOT NULL, event_type TEXT NOT NULL,"
            " data TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {TICKET_FACTS}_ticket ON {TICKET_FACTS} (ticket_id, position)",
        (
            f"CREATE TABLE IF NOT EXISTS {CLAIM_EVENTS} (event_id TEXT PRIMARY KEY,"
            " claim_id TEXT NOT NULL, position BIGINT NOT NULL, event_type TEXT NOT NULL,"
            " data TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {CLAIM_EVENTS}_claim ON {CLAIM_EVENTS} (claim_id, position)",
        (
            f"CREATE TABLE IF NOT EXISTS {CLAIMS} (claim_id TEXT PRIMARY KEY,"
            " ticket_id TEXT NOT NULL, contract_id TEXT NOT NULL, decision TEXT NOT NULL,"
            " rule TEXT, body TEXT NOT NULL)"
        ),
        f"CREATE INDEX IF NOT EXISTS {CLAIMS}_ticket ON {CLAIMS} (ticket_id)",
        f"CREATE INDEX IF NOT EXISTS {CLAIMS}_contract ON {CLAIMS} (contract_id)",
    )

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        tickets: set[str] = set()
        claims: set[str] = set()
        self._record(tx, batch, tickets, claims)
        for ticket_id in sorted(tickets):
            rows = tx.fetchall(f"SELECT claim_id FROM {CLAIMS} WHERE ticket_id = ?", (ticket_id,))
            claims |= {row[0] for row in rows}
        for claim_id in sorted(claims):
            self._decide(tx, claim_id)

    def builder(self, shared: dict[str, Any]) -> Builder:
        return _LiabilityBuilder(self)

    def _record(self, tx: Tx, batch: Sequence[Envelope], tickets: set[str], claims: set[str]) -> None:
        """Append the events decisions rest on; note the tickets and claims they belong to."""
        ticket_rows: list[tuple[str, str, int, str, str]] = []
        claim_rows: list[tuple[str, str, int, str, str]] = []
        for envelope in batch:
            event = envelope.event
            if isinstance(event, TICKET_EVENTS):
                ticket_rows.append(_row(envelope))
                tickets.add(ticket_rows[-1][1])
            elif isinstance(event, LiabilityClaim.ClaimFiled | LiabilityClaim.FindingRecorded):
                claim_rows.append(_row(envelope))
                claims.add(claim_rows[-1][1])
        columns = ("event_id", "ticket_id", "position", "event_type", "data")
        tx.insert_rows(TICKET_FACTS, columns, ticket_rows)
        tx.insert_rows(CLAIM_EVENTS, ("event_id", "claim_id", *columns[2:]), claim_rows)

    def _decide(self, tx: Tx, claim_id: str) -> None:
        events = [
            (row[0], msgspec.json.decode(row[1]))
            for row in tx.fetchall(
                f"SELECT event_type, data FROM {CLAIM_EVENTS} WHERE claim_id = ? ORDER BY position",
                (claim_id,),
            )
        ]
        filed = events[0][1]
        facts = [
            (row[0], msgspec.json.decode(row[1]))
            for row in tx.fetchall(
                f"SELECT event_type, data FROM {TICKET_FACTS} WHERE ticket_id = ?"
                " ORDER BY position",
                (filed["ticket_id"],),
            )
        ]
        decision = decide(claim_facts(events), ticket_facts(facts))
        record = ClaimRecord(
            claim_id=UUID(claim_id),
            ticket_id=UUID(filed["ticket_id"]),
            contract_id=UUID(filed["contract_id"]),
            kind=ClaimKind(filed["kind"]),
            description=filed["description"],
            filed_at=datetime.fromisoformat(filed["at"]),
            filed_by=filed["by"],
            findings=tuple(
                msgspec.convert(data, FindingRecord)
                for event_type, data in events
                if event_type == "FindingRecorded"
            ),
            decision=decision.liable,
            rule=decision.rule,
            explanation=decision.explanation,
            evidence=decision.evidence,
            outweighed=decision.outweighed,
            awaiting=decision.awaiting,
        )
        tx.execute(
            f"INSERT INTO {CLAIMS} (claim_id, ticket_id, contract_id, decision, rule, body)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (claim_id) DO UPDATE SET"
            " decision = excluded.decision, rule = excluded.rule, body = excluded.body",
            (claim_id, filed["ticket_id"], filed["contract_id"], decision.liable.value,
             decision.rule, _encoder.encode(record).decode()),
        )  # fmt: skip


class _LiabilityBuilder(Builder):
    """A rebuild: the events appended in bulk, and every claim decided once at the end (a
    decision is a function of its claim's events and its ticket's facts; live, a claim is
    decided again whenever either changes, so the last decision is the same)."""

    defer_indexes = True

    def __init__(self, view: LiabilityView) -> None:
        super().__init__(view)
        self.liability = view
        self.claims: set[str] = set()

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        self.liability._record(tx, batch, set(), self.claims)

    def finish(self, tx: Tx) -> None:
        for claim_id in sorted(self.claims):
            self.liability._decide(tx, claim_id)


_claim_decoder = msgspec.json.Decoder(ClaimRecord)


def claim(tx: Tx, claim_id: UUID) -> ClaimRecord | None:
    """One claim's decision (None if the view has not seen it)."""
    row = tx.fetchone(f"SELECT body FROM {CLAIMS} WHERE claim_id = ?", (str(claim_id),))
    return _claim_decoder.decode(row[0]) if row else None


def claims_for(
    tx: Tx, *, contract_id: UUID | None = None, ticket_id: UUID | None = None
) -> list[ClaimRecord]:
    """The claims of a contract or a ticket, in the order filed (the console's dispute page)."""
    clauses, params = [], []
    for column, value in (("contract_id", contract_id), ("ticket_id", ticket_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(str(value))
    where = " AND ".join(clauses) or "1 = 1"
    rows = tx.fetchall(f"SELECT body FROM {CLAIMS} WHERE {where}", params)
    found: list[Any] = [_claim_decoder.decode(row[0]) for row in rows]
    return sorted(found, key=lambda c: (c.filed_at, str(c.claim_id)))
