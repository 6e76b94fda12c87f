"""NATS JetStream: the connection, the events stream's configuration, and its last message."""

from __future__ import annotations

import asyncio
import logging

import nats
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig, StreamInfo
from nats.js.errors import NotFoundError

from infra.settings import Settings

log = logging.getLogger(__name__)

#: JetStream drops a second message with the same id inside the duplicate window.
MSG_ID_HEADER = "Nats-Msg-Id"
#: The store position of the event a message carries (the relay resumes after the last one).
POSITION_HEADER = "Econcierge-Position"
CONNECT_TIMEOUT_SECONDS = 2.0
#: JetStream refuses a message unless the stream's last sequence is this one.
EXPECTED_LAST_SEQUENCE_HEADER = "Nats-Expected-Last-Sequence"


def subject_filter(settings: Settings) -> str:
    return f"{settings.nats_subject_prefix}.>"


def stream_config(settings: Settings) -> StreamConfig:
    """The events stream: our subjects, the configured storage, window and replicas."""
    return StreamConfig(
        name=settings.nats_stream,
        description="e-Concierge domain events (docs/asyncapi.json)",
        subjects=[subject_filter(settings)],
        storage=StorageType(settings.nats_storage),  # "file" (default) or "memory"
        num_replicas=settings.nats_replicas,
        duplicate_window=settings.nats_duplicate_window_seconds,
    )


async def connect(settings: Settings, *, name: str, reconnect: bool = True) -> NATS:
    """A connection to the configured servers (comma-separated ECONCIERGE_NATS_URL)."""
    if not settings.nats_url:
        raise RuntimeError("ECONCIERGE_NATS_URL is not set")

    async def quiet(error: Exception) -> None:
        # The caller reports failures itself; nats-py would print every failed attempt.
        log.debug("nats: %s", error)

    servers = [url.strip() for url in settings.nats_url.split(",")]
    connecting = nats.connect(
        servers=servers,
        name=name,
        allow_reconnect=reconnect,
        max_reconnect_attempts=-1 if reconnect else 1,
        reconnect_time_wait=0.2,
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        error_cb=quiet,
    )
    # nats-py keeps retrying the first connection itself; give up in bounded time instead,
    # so the caller can report the outage (and its lag) and back off.
    try:
        return await asyncio.wait_for(connecting, CONNECT_TIMEOUT_SECONDS * len(servers) + 1)
    except TimeoutError:
        raise ConnectionError(f"no NATS server answered at {settings.nats_url}") from None


async def ensure_stream(js: JetStreamContext, settings: Settings) -> StreamInfo:
    """Create the events stream, or bring an existing one to the configured settings.

    Settings the operator added by hand (limits, max age) are kept. JetStream cannot change
    an existing stream's storage: a different ECONCIERGE_NATS_STORAGE is only warned about
    (move the stream by hand, or delete it and re-feed with `econcierge worker relay --from 1`).
    """
    wanted = stream_config(settings)
    try:
        info = await js.stream_info(settings.nats_stream)
    except NotFoundError:
        log.info("creating JetStream stream %s on %s", wanted.name, wanted.subjects)
        return await js.add_stream(wanted)
    current = info.config
    if current.storage != wanted.storage:
        log.warning(
            "stream %s uses %s storage, not the configured %s storage (JetStream cannot "
            "change it; the stream is used as it is)",
            wanted.name,
            _storage_name(current.storage),
            _storage_name(wanted.storage),
        )
    updated = current.evolve(
        subjects=wanted.subjects,
        num_replicas=wanted.num_replicas,
        duplicate_window=wanted.duplicate_window,
        description=wanted.description,
    )
    if updated.as_dict() == current.as_dict():
        return info
    log.info("updating JetStream stream %s", wanted.name)
    return await js.update_stream(updated)


def _storage_name(storage: StorageType | None) -> str:
    return storage.value if isinstance(storage, StorageType) else str(storage)


async def last_published(js: JetStreamContext, stream: str) -> tuple[int, int | None]:
    """The stream's last sequence number and the store position its message carries."""
    info = await js.stream_info(stream)
    seq = info.state.last_seq
    if not seq:
        return 0, None
    try:
        msg = await js.get_msg(stream, seq=seq)
    except NotFoundError:
        return seq, None
    header = (msg.headers or {}).get(POSITION_HEADER)
    return seq, int(header) if header else None
