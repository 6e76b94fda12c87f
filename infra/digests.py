"""Checkpoints on NATS JetStream: a copy of every digest outside our database.

Each checkpoint (infra/checkpoints.py) is published as JSON on
`<base>.digests.<number>` (`econcierge.digests.<n>` with the default subject prefix) in
its own stream `<events stream>_DIGESTS`, created with file storage and with deleting
and purging messages denied. Someone who keeps these digests (or reads them later from
the stream) can check that the log still holds what was sealed: `econcierge audit
verify --against-nats`. A re-published checkpoint keeps its message id
(`checkpoint:<n>:<hash>`), so the stream de-duplicates it; a different checkpoint under
the same number is kept beside the first, as evidence.
"""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from infra.checkpoints import Checkpoint, checkpoints
from infra.nats import MSG_ID_HEADER, connect
from infra.settings import Settings

CHECKPOINT_HEADER = "Econcierge-Checkpoint"
_decoder = msgspec.json.Decoder(Checkpoint)


def digest_stream(settings: Settings) -> str:
    return f"{settings.nats_stream}_DIGESTS"


def digest_prefix(settings: Settings) -> str:
    """`econcierge.digests` beside `econcierge.events` (never inside the events' subjects)."""
    prefix = settings.nats_subject_prefix
    if prefix.endswith(".events"):
        return prefix[: -len(".events")] + ".digests"
    return f"{prefix}_digests"


async def ensure_digest_stream(js: JetStreamContext, settings: Settings) -> None:
    try:
        await js.stream_info(digest_stream(settings))
    except NotFoundError:
        await js.add_stream(
            StreamConfig(
                name=digest_stream(settings),
                description="e-Concierge trail checkpoints (econcierge audit digest)",
                subjects=[f"{digest_prefix(settings)}.>"],
                storage=StorageType.FILE,
                num_replicas=settings.nats_replicas,
                duplicate_window=settings.nats_duplicate_window_seconds,
                deny_delete=True,
                deny_purge=True,
            )
        )


async def _last_number(js: JetStreamContext, settings: Settings) -> int:
    info = await js.stream_info(digest_stream(settings))
    if not info.state.last_seq:
        return 0
    msg = await js.get_msg(digest_stream(settings), seq=info.state.last_seq)
    return int((msg.headers or {}).get(CHECKPOINT_HEADER, "0"))


async def publish_checkpoints_async(service: Any, settings: Settings) -> int:
    """Publish the store's checkpoints the digests stream does not have yet; how many."""
    nc = await connect(settings, name="econcierge-digests", reconnect=False)
    try:
        js = nc.jetstream(timeout=settings.nats_ack_timeout_seconds)
        await ensure_digest_stream(js, settings)
        last = await _last_number(js, settings)
        sent = 0
        for checkpoint in await asyncio.to_thread(checkpoints, service, last):
            await js.publish(
                f"{digest_prefix(settings)}.{checkpoint.number}",
                msgspec.json.encode(checkpoint),
                stream=digest_stream(settings),
                headers={
                    MSG_ID_HEADER: f"checkpoint:{checkpoint.number}:{checkpoint.hash}",
                    CHECKPOINT_HEADER: str(checkpoint.number),
                },
            )
            sent += 1
        return sent
    finally:
        await nc.close()


async def published_checkpoints_async(settings: Settings) -> list[Checkpoint]:
    """Every digest on the stream, in stream order (empty if there is no stream)."""
    nc = await connect(settings, name="econcierge-digests-reader", reconnect=False)
    try:
        js = nc.jetstream(timeout=settings.nats_ack_timeout_seconds)
        try:
            info = await js.stream_info(digest_stream(settings))
        except NotFoundError:
            return []
        found = []
        for seq in range(info.state.first_seq or 1, info.state.last_seq + 1):
            try:
                msg = await js.get_msg(digest_stream(settings), seq=seq)
            except NotFoundError:
                continue
            found.append(_decoder.decode(msg.data))
        return found
    finally:
        await nc.close()


def publish_checkpoints(service: Any, settings: Settings) -> int:
    return asyncio.run(publish_checkpoints_async(service, settings))


def published_checkpoints(settings: Settings) -> list[Checkpoint]:
    return asyncio.run(published_checkpoints_async(settings))
