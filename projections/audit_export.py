"""One dispute's trail as JSON Lines (for tools) and as an HTML document (for people).

The JSON Lines export writes each `AuditEntry` exactly as the API lists it, one per line,
so it parses back into the same entries. The HTML document is what a compliance
reviewer hands to a lawyer: who the parties are, the period, and every event in order in
Japan time with actor, role, summary and rules, with each event's recorded fields. Given
the trail evidence (infra/evidence.py), it also prints the checkpoints that cover the
events and, per event, its stored bytes as hashed, its hash and link, and its inclusion
proof: what scripts/verify_export.py checks in the JSON Lines export.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from html import escape

import msgspec

from infra.checkpoints import Checkpoint
from infra.clock import JST
from infra.evidence import EventEvidence
from projections.audit_query import AuditEntry

_NOWRAP = '<td class="nowrap">'
_ROLE_ORDER = ("customer", "concierge", "operator", "billing", "compliance", "system")


def to_jsonl(entries: Iterable[AuditEntry]) -> bytes:
    return b"".join(msgspec.json.encode(entry) + b"\n" for entry in entries)


def from_jsonl(data: bytes) -> list[AuditEntry]:
    decoder = msgspec.json.Decoder(AuditEntry)
    return [decoder.decode(line) for line in data.splitlines() if line.strip()]


def _when(instant: datetime) -> str:
    return instant.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S JST")


def _customer_name(entries: Sequence[AuditEntry]) -> str | None:
    for entry in entries:
        name = entry.payload.get("customer_name")
        if entry.aggregate_kind == "Contract" and isinstance(name, str):
            return name
    return None


def _parties(entries: Sequence[AuditEntry]) -> list[tuple[str, list[str]]]:
    by_role: dict[str, list[str]] = {}
    for entry in entries:
        actors = by_role.setdefault(entry.actor_role, [])
        if entry.actor_id not in actors:
            actors.append(entry.actor_id)
    order = {role: i for i, role in enumerate(_ROLE_ORDER)}
    return sorted(by_role.items(), key=lambda item: order.get(item[0], len(order)))


def _row(entry: AuditEntry) -> str:
    cells = (
        str(entry.position),
        _when(entry.at),
        entry.actor_id,
        entry.actor_role,
        f"{entry.aggregate_kind} · {entry.event_type}",
        entry.summary,
        ", ".join(entry.rules) or "–",
    )
    # Position, time, actor and role stay on one line; the summary column takes the rest.
    tds = "".join(
        (_NOWRAP if i < 4 else "<td>") + escape(cell) + "</td>" for i, cell in enumerate(cells)
    )
    return f'<tr id="e{entry.position}">{tds}</tr>'


def _proof(evidence: EventEvidence | None) -> str:
    """The event's trail evidence: what it links to, its stored bytes, its inclusion proof."""
    if evidence is None:
        return ""
    e = evidence
    if e.checkpoint is None:
        inclusion = "not covered by a checkpoint yet (a later checkpoint will seal it)"
    else:
        path = " ".join(f"<code>{escape(h)}</code>" for h in e.proof) or "none (the only leaf)"
        inclusion = f"leaf {e.leaf_index} of checkpoint {e.checkpoint.number}; audit path (RFC 9162): {path}"
    return (
        f'<dl class="evidence"><dt>Hash ({escape(e.alg)})</dt><dd><code>{escape(e.hash)}</code></dd>'
        f"<dt>Previous</dt><dd><code>{escape(e.prev)}</code></dd>"
        f"<dt>Hashed as</dt><dd><code>{escape(e.originator_id)}</code> version {e.version}, topic "
        f"<code>{escape(e.topic)}</code></dd><dt>Inclusion</dt><dd>{inclusion}</dd>"
        f"<dt>Stored data</dt><dd><pre>{escape(e.data)}</pre></dd></dl>"
    )


def _details(entry: AuditEntry, evidence: EventEvidence | None = None) -> str:
    fields = msgspec.json.format(msgspec.json.encode(entry.payload), indent=2).decode()
    return (
        f'<section class="event"><h3><a href="#e{entry.position}">#{entry.position}</a> '
        f"{escape(entry.event_type)} · {escape(_when(entry.at))}</h3>"
        f"<p>Event id <code>{escape(entry.event_id)}</code> · correlation "
        f"<code>{escape(entry.correlation_id)}</code> · causation "
        f"<code>{escape(entry.causation_id)}</code>"
        + (f" · hash <code>{escape(entry.chain_hash)}</code>" if entry.chain_hash and not evidence else "")
        + f"</p><pre>{escape(fields)}</pre>{_proof(evidence)}</section>"
    )


def _checkpoints(evidence: Mapping[int, EventEvidence]) -> str:
    """The checkpoints covering the events, and how to check them."""
    sealed: dict[int, Checkpoint] = {}
    for e in evidence.values():
        if e.checkpoint is not None:
            sealed.setdefault(e.checkpoint.number, e.checkpoint)
    rows = "".join(
        f"<tr><td>{c.number}</td><td>{c.first_position}–{c.last_position}</td><td>{c.size}</td>"
        f"<td><code>{escape(c.root)}</code></td><td><code>{escape(c.prev)}</code></td>"
        f"<td><code>{escape(c.hash)}</code></td>"
        f"<td>{escape(_when(c.sealed_at))}</td></tr>"
        for c in (sealed[n] for n in sorted(sealed))
    )
    table = (
        "<table><thead><tr><th>#</th><th>Positions</th><th>Events</th><th>Merkle root</th>"
        f"<th>Previous</th><th>Hash</th><th>Sealed</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else "<p>No checkpoint covers these events yet.</p>"
    )
    return (
        "<h2>Evidence: checkpoints covering this trail</h2>"
        "<p>Each event's hash is SHA-256 of its stored bytes (shown with the event) and of its "
        "link to the previous event of the same record; each checkpoint seals a range of the "
        "log with the Merkle root of the hashes in it (RFC 9162), and the audit path of each "
        "event leads from its hash to that root. Compare each checkpoint's hash with a digest "
        "kept outside e-Concierge (published on NATS, or printed by <code>econcierge audit "
        "digest</code>). To check everything mechanically, take the JSON Lines export of the "
        "same subject and run <code>python3 scripts/verify_export.py</code> (README, \"How a "
        "reviewer verifies a dispute export\"). Summaries and rule ids are derived for "
        "reading: they are not covered by the hashes.</p>" + table
    )


_STYLE = """
body{font-family:"Noto Sans JP","Hiragino Sans",Arial,sans-serif;margin:2em;color:#111}
h1{font-size:1.5em}table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border:1px solid #999;padding:.3em .5em;vertical-align:top;text-align:left}
th{background:#eee}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}
dt{font-weight:bold}pre{background:#f6f6f6;padding:.5em;white-space:pre-wrap}
section.event h3{font-size:1em;margin-bottom:.2em}td.nowrap{white-space:nowrap}
code{overflow-wrap:anywhere}dl.evidence{font-size:.85em}
@media print{section.event{page-break-inside:avoid}}
"""


def to_html(
    entries: Sequence[AuditEntry],
    *,
    subject: str,
    generated_at: datetime,
    position: int,
    evidence: Mapping[int, EventEvidence] | None = None,
) -> str:
    """A self-contained HTML document of the trail (no scripts, prints cleanly); with the
    trail evidence of its events (by position), their checkpoints and inclusion proofs."""
    proofs = evidence or {}
    customer = _customer_name(entries)
    period = f"{_when(entries[0].at)} – {_when(entries[-1].at)}" if entries else "no events"
    parties = "".join(
        f"<dt>{escape(role.capitalize())}</dt><dd>{escape(', '.join(actors))}</dd>"
        for role, actors in _parties(entries)
    )
    rules = sorted({rule for entry in entries for rule in entry.rules})
    head = (
        f"<dt>Subject</dt><dd>{escape(subject)}</dd>"
        + (f"<dt>Customer</dt><dd>{escape(customer)}</dd>" if customer else "")
        + f"<dt>Period</dt><dd>{escape(period)}</dd><dt>Events</dt><dd>{len(entries)}</dd>"
        + f"<dt>Rules cited</dt><dd>{escape(', '.join(rules) or 'none')}</dd>"
        + f"<dt>Generated</dt><dd>{escape(_when(generated_at))}, from the event log up to "
        f"position {position}</dd>"
    )
    header = "".join(
        f"<th>{h}</th>" for h in ("#", "Time (JST)", "Actor", "Role", "Event", "Summary", "Rules")
    )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Audit trail: {escape(subject)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Audit trail: {escape(subject)}</h1><dl>{head}</dl>"
        f"<h2>Parties (actors who recorded events)</h2><dl>{parties or '<dt>None</dt><dd></dd>'}</dl>"
        "<h2>Events, in the order they were recorded</h2>"
        f"<table><thead><tr>{header}</tr></thead><tbody>"
        + "".join(_row(entry) for entry in entries)
        + "</tbody></table>"
        + (_checkpoints(proofs) if evidence is not None else "")
        + "<h2>Recorded fields of each event</h2>"
        + "".join(_details(entry, proofs.get(entry.position)) for entry in entries)
        + "<p>Every event above is an immutable record of the e-Concierge event store; rule "
        "ids refer to the numbered business rules of the service.</p></body></html>"
    )
