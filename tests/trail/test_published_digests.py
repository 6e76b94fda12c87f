"""A digest published on NATS proves what the log held, even against a consistent rewrite."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import msgspec
import nats
import pytest

from infra.bootstrap import EConcierge
from infra.chain import envelope_bytes, event_hash, open_envelope
from infra.checkpoints import TRAIL_LOG_ID, checkpoint_hash, seal
from infra.digests import digest_prefix, digest_stream, publish_checkpoints, published_checkpoints
from infra.merkle import merkle_root
from infra.settings import Settings
from tests.trail.steps import ctx, first_break, record_history, sealed, verified
from tests.trail.store_sql import StoredRows

pytestmark = pytest.mark.nats


def _rewrite(rows: StoredRows, position: int, change: Callable[[dict[str, Any]], None]) -> None:
    """Change an event's data and store it with a hash that matches: a careful forger."""
    _, aggregate_id, version, topic, state = rows.row(position)
    envelope = open_envelope(state)
    data = msgspec.json.decode(envelope.data)
    change(data)
    new = msgspec.json.encode(data)
    rows.set_state(position, envelope_bytes(envelope.prev, event_hash(envelope.prev, aggregate_id, version, topic, new), new))


def _reseal(rows: StoredRows) -> None:
    """Recompute checkpoint 1 over the rewritten log and rewrite its record to match."""
    sealing = next(r for r in rows.rows() if r[1] == TRAIL_LOG_ID and r[2] == 2)

    def new_root(data: dict[str, Any]) -> None:
        c = data["checkpoint"]
        covered = [r for r in rows.rows() if c["first_position"] <= r[0] <= c["last_position"]]
        c["root"] = merkle_root(open_envelope(r[4]).hash for r in covered)
        c["hash"] = checkpoint_hash(c["number"], c["first_position"], c["last_position"], c["size"], c["root"], c["prev"])

    _rewrite(rows, sealing[0], new_root)


def _digest_subjects(settings: Settings) -> list[str]:
    async def read() -> list[str]:
        nc = await nats.connect(settings.nats_url)
        try:
            js = nc.jetstream()
            info = await js.stream_info(digest_stream(settings))
            return [(await js.get_msg(digest_stream(settings), seq=s)).subject for s in range(1, info.state.last_seq + 1)]
        finally:
            await nc.close()

    return asyncio.run(read())


def test_each_checkpoint_is_published_once_on_its_digest_subject(service: EConcierge, trail_nats: Settings) -> None:
    history = record_history(service)
    sealed(service)
    assert publish_checkpoints(service, trail_nats) == 1
    assert seal(service) is None  # an idle log (only the checkpoint's own record) waits
    service.record_client_count(ctx(), history.first, "hq", 36, 1)
    sealed(service)  # covers the new event and the first checkpoint's own record

    assert publish_checkpoints(service, trail_nats) == 1
    assert publish_checkpoints(service, trail_nats) == 0
    prefix = digest_prefix(trail_nats)
    assert _digest_subjects(trail_nats) == [f"{prefix}.1", f"{prefix}.2"]
    assert prefix.endswith(".digests")
    verified(service, published=published_checkpoints(trail_nats))


def test_a_row_rewritten_consistently_behind_a_published_checkpoint_is_found(
    service: EConcierge, trail_nats: Settings
) -> None:
    history = record_history(service)
    checkpoint = sealed(service)
    publish_checkpoints(service, trail_nats)
    fee_change = history.positions_of(history.first)[-1]

    _rewrite(history.rows, fee_change, lambda data: data.update(monthly_fee=1))
    _reseal(history.rows)

    verified(service)  # the store alone now tells a consistent, false story
    found = first_break(service, published=published_checkpoints(trail_nats))
    assert (found.kind, found.checkpoint) == ("published", checkpoint.number)
    assert f"positions {checkpoint.first_position}–{checkpoint.last_position}" in found.detail
