"""The evidence of a dispute export: each event's stored bytes, hashes, and inclusion proof.

`trail_evidence(service, positions)` gives, for each event of an export, what a reviewer
needs to check it without our database (scripts/verify_export.py): the stored `data`
exactly as hashed, `prev` and `hash`, and, once a checkpoint covers the event, that
checkpoint and the RFC 9162 audit path from the event's leaf to its root. A checkpoint's
hash can then be compared with the digest published on NATS or printed by
`econcierge audit digest`. Events after the last checkpoint carry no proof yet.

`with_evidence(entries, evidence)` writes the audit export's JSON Lines with one more
member per line, `"trail"`; readers of the plain export ignore it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from infra.chain import canonical_id, open_envelope
from infra.checkpoints import Checkpoint, checkpoints, scan
from infra.merkle import Tree


class EventEvidence(msgspec.Struct, frozen=True, kw_only=True):
    """How to recompute one event's hash and find it in a sealed checkpoint."""

    alg: str
    hash: str
    prev: str
    originator_id: str  # as hashed: lowercase, hyphenated
    version: int
    topic: str
    data: str  # the stored data bytes (UTF-8 JSON), exactly as hashed
    checkpoint: Checkpoint | None  # the checkpoint covering it (None: not sealed yet)
    leaf_index: int | None = None  # its place in the checkpoint's tree
    proof: list[str] = []  # RFC 9162 audit path, leaf to root


def _evidence(n: Any, checkpoint: Checkpoint | None, index: int | None, proof: list[str]) -> EventEvidence:
    envelope = open_envelope(n.state)
    return EventEvidence(
        alg=envelope.alg,
        hash=envelope.hash,
        prev=envelope.prev,
        originator_id=canonical_id(n.originator_id),
        version=n.originator_version,
        topic=n.topic,
        data=bytes(envelope.data).decode(),
        checkpoint=checkpoint,
        leaf_index=index,
        proof=proof,
    )


def trail_evidence(service: Any, positions: Iterable[int]) -> dict[int, EventEvidence]:
    """The evidence of the events at these log positions."""
    wanted = sorted(set(positions))
    found: dict[int, EventEvidence] = {}
    sealed = checkpoints(service)
    for cp in sealed:
        inside = [p for p in wanted if cp.first_position <= p <= cp.last_position]
        if not inside:
            continue
        notes = [n for batch in scan(service, cp.first_position, cp.last_position) for n in batch]
        tree = Tree([open_envelope(n.state).hash for n in notes])
        at = {n.id: i for i, n in enumerate(notes)}
        for position in inside:
            if position in at:
                i = at[position]
                found[position] = _evidence(notes[i], cp, i, tree.proof(i))
    rest = [p for p in wanted if not sealed or p > sealed[-1].last_position]
    if rest:
        unsealed = set(rest)
        for batch in scan(service, rest[0], rest[-1]):
            for n in batch:
                if n.id in unsealed:
                    found[n.id] = _evidence(n, None, None, [])
    return found


_encoder = msgspec.json.Encoder()


def with_evidence(entries: Iterable[Any], evidence: Mapping[int, EventEvidence]) -> bytes:
    """JSON Lines of export entries (msgspec structs with `position`), each with `"trail"`."""
    lines = []
    for entry in entries:
        line = _encoder.encode(entry)
        proof = evidence.get(entry.position)
        if proof is not None:  # a JSON object ends with "}": add one member before it
            line = line[:-1] + b',"trail":' + _encoder.encode(proof) + b"}"
        lines.append(line + b"\n")
    return b"".join(lines)


def export_with_evidence(service: Any, entries: Iterable[Any]) -> bytes:
    """The audit export's JSON Lines with the trail evidence of every entry."""
    entries = list(entries)
    return with_evidence(entries, trail_evidence(service, (e.position for e in entries)))
