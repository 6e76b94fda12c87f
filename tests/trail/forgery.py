"""A careful forger with write access to the database: events whose hashes and links are right.

Whoever can write the events table can compute SHA-256 too. These steps forge as well as
that allows, so that the specifications show what still finds the forgery: a sealed
checkpoint's size and root, and the digests published outside the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import msgspec

from infra.chain import GENESIS, envelope_bytes, event_hash, open_envelope
from infra.checkpoints import TRAIL_LOG_ID, checkpoint_hash
from infra.merkle import merkle_root
from tests.trail.store_sql import StoredRows

Change = Callable[[dict[str, Any]], None]


def next_event(
    rows: StoredRows, aggregate_id: UUID, change: Change, prev: str | None = None
) -> tuple[int, str, bytes]:
    """A new last version of the aggregate, made from its last event with `change` applied:
    (version, topic, state), linked to that event's hash (or to `prev`) and hashed right."""
    *_, version, topic, state = max(
        (r for r in rows.rows() if r[1] == aggregate_id), key=lambda r: r[2]
    )
    envelope = open_envelope(state)
    data = msgspec.json.decode(envelope.data)
    change(data)
    new = msgspec.json.encode(data)
    link = envelope.hash if prev is None else prev
    return (
        version + 1,
        topic,
        envelope_bytes(link, event_hash(link, aggregate_id, version + 1, topic, new), new),
    )


def rewrite_history(
    rows: StoredRows, position: int, change: Change, *, reseal: bool = True
) -> None:
    """Change the event at `position`, then recompute everything after it as the application
    would have: every later hash of its aggregate's chain, and (with `reseal`) every
    checkpoint record (its Merkle root over the rewritten hashes, its link to the rewritten
    previous checkpoint, its own hash), and the checkpoint chain's own event hashes. The
    store alone then verifies; without `reseal`, only the checkpoints' roots show it."""
    heads: dict[UUID, str] = {}  # aggregate -> the (rewritten) hash of its last version
    hashes: dict[int, str] = {}  # position -> the (rewritten) hash of its event
    previous_checkpoint = GENESIS
    for at, aggregate_id, version, topic, state in rows.rows():
        envelope = open_envelope(state)
        data = bytes(envelope.data)
        resealing = reseal and aggregate_id == TRAIL_LOG_ID and version > 1
        if at == position or resealing:
            fields = msgspec.json.decode(data)
            if at == position:
                change(fields)
            if resealing:
                c = fields["checkpoint"]
                c["root"] = merkle_root(
                    h for p, h in hashes.items() if c["first_position"] <= p <= c["last_position"]
                )
                c["prev"] = previous_checkpoint
                c["hash"] = checkpoint_hash(
                    c["number"],
                    c["first_position"],
                    c["last_position"],
                    c["size"],
                    c["root"],
                    c["prev"],
                )
                previous_checkpoint = c["hash"]
            data = msgspec.json.encode(fields)
        prev = heads.get(aggregate_id, GENESIS) if version > 1 else GENESIS
        digest = event_hash(prev, aggregate_id, version, topic, data)
        if (prev, digest) != (envelope.prev, envelope.hash):
            rows.set_state(at, envelope_bytes(prev, digest, data))
        heads[aggregate_id] = hashes[at] = digest
