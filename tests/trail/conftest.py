"""Fixtures of the trail tests: NATS streams of one test, keys forgotten without waiting."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import msgspec
import nats
import pytest
from nats.js.errors import NotFoundError

from infra.bootstrap import EConcierge
from infra.digests import digest_stream
from infra.settings import Settings
from projections.catalog import close_views

NATS_URL = os.environ.get("ECONCIERGE_TEST_NATS_URL", "nats://127.0.0.1:4222")


@pytest.fixture(autouse=True)
def _quick_erasures(request: pytest.FixtureRequest) -> Iterator[None]:
    """One process here: erasures need not wait for other processes' key caches."""
    service = request.node.funcargs.get("service")
    if isinstance(service, EConcierge):
        service.mapper.keys.refresh_seconds = 0.01  # type: ignore[attr-defined]
    yield
    if isinstance(service, EConcierge):
        close_views(service)


async def _delete_streams(settings: Settings) -> None:
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        for stream in (settings.nats_stream, digest_stream(settings)):
            try:
                await js.delete_stream(stream)
            except NotFoundError:
                pass
    finally:
        await nc.close()


@pytest.fixture
def trail_nats(settings: Settings) -> Iterator[Settings]:
    """The test's store settings with its own event and digest streams on the shared NATS."""
    parts = urlsplit(NATS_URL)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 4222), timeout=2).close()
    except OSError as error:
        pytest.fail(f"NATS is not reachable at {NATS_URL} ({error}): start nats-server -js")
    tag = uuid.uuid4().hex[:12]
    configured = msgspec.structs.replace(
        settings,
        nats_url=NATS_URL,
        nats_stream=f"TRAIL_{tag}",
        nats_subject_prefix=f"trail{tag}.events",
        nats_relay_poll_seconds=0.05,
        nats_ack_timeout_seconds=2.0,
    )
    yield configured
    asyncio.run(_delete_streams(configured))
