"""A digest published on NATS proves what the log held, even against a consistent rewrite."""

from __future__ import annotations

import asyncio

import nats
import pytest

from infra.bootstrap import EConcierge
from infra.checkpoints import TRAIL_LOG_ID, seal
from infra.digests import digest_prefix, digest_stream, publish_checkpoints, published_checkpoints
from infra.settings import Settings
from infra.verify import verify
from tests.trail.forgery import rewrite_history
from tests.trail.steps import ctx, first_break, record_history, sealed, verified

pytestmark = pytest.mark.nats


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


def test_history_rewritten_with_every_hash_and_checkpoint_recomputed_is_found_against_nats(
    service: EConcierge, trail_nats: Settings
) -> None:
    # Given two checkpoints, both published on NATS
    history = record_history(service)
    first = sealed(service)
    service.record_client_count(ctx(), history.first, "hq", 40, 1)
    second = sealed(service)
    assert publish_checkpoints(service, trail_nats) == 2

    # When someone with write access rewrites version 2 of a contract behind the first one
    # and re-computes its later versions' links and hashes, both checkpoint records (roots,
    # links, own hashes) and the checkpoint chain's hashes
    rewritten = history.positions_of(history.first)[1]
    rewrite_history(history.rows, rewritten, lambda data: data.update(clients=5))

    # Then the store alone tells a consistent, false story
    verified(service)
    # but the digests kept on NATS contradict both checkpoints
    report = verify(service, published=published_checkpoints(trail_nats))
    assert [(b.kind, b.checkpoint) for b in report.breaks] == [("published", 1), ("published", 2)]
    assert f"positions {first.first_position}–{first.last_position}" in report.breaks[0].detail
    assert "the log behind it was rewritten" in report.breaks[0].detail
    assert second.number == 2


def test_history_rewritten_and_its_checkpoint_records_removed_is_found_against_nats(
    service: EConcierge, trail_nats: Settings
) -> None:
    # Given a published checkpoint
    history = record_history(service)
    checkpoint = sealed(service)
    publish_checkpoints(service, trail_nats)

    # When an event behind it is rewritten (its chain re-computed) and the checkpoint
    # chain is deleted from the store, so that nothing in the store remembers the seal
    rewrite_history(history.rows, history.positions_of(history.second)[1], lambda data: data.update(clients=5))
    for position, aggregate_id, *_ in history.rows.rows():
        if aggregate_id == TRAIL_LOG_ID:
            history.rows.delete(position)

    verified(service)
    found = first_break(service, published=published_checkpoints(trail_nats))
    assert (found.kind, found.checkpoint) == ("published", checkpoint.number)
    assert "but the store has none" in found.detail


def test_store_checkpoints_missing_from_nats_are_breaks_against_nats(
    service: EConcierge, trail_nats: Settings
) -> None:
    # Given a store with a checkpoint, and a digests stream without it (missing, or replaced)
    record_history(service)
    checkpoint = sealed(service)

    found = first_break(service, published=published_checkpoints(trail_nats))

    assert (found.kind, found.checkpoint) == ("published", checkpoint.number)
    assert "none is published" in found.detail
