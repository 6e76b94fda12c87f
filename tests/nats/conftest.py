"""NATS fixtures: each test gets its own stream and subject prefix, deleted afterwards."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import msgspec
import pytest

from infra.settings import Settings
from tests.nats.streams import delete_stream

NATS_URL = os.environ.get("ECONCIERGE_TEST_NATS_URL", "nats://127.0.0.1:4222")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/nats/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.nats)


@pytest.fixture(scope="session")
def nats_url() -> str:
    """The shared NATS server (JetStream enabled); the tests fail clearly when it is down."""
    parts = urlsplit(NATS_URL)
    try:
        socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or 4222), timeout=2
        ).close()
    except OSError as error:
        pytest.fail(
            f"NATS is not reachable at {NATS_URL} ({error}). Start it: nats-server -js "
            "(see README), or point ECONCIERGE_TEST_NATS_URL at one."
        )
    return NATS_URL


@pytest.fixture
def nats_settings(settings: Settings, nats_url: str) -> Iterator[Settings]:
    """The test's store settings plus its own stream and subject prefix on the shared server."""
    tag = uuid.uuid4().hex[:12]
    configured = msgspec.structs.replace(
        settings,
        nats_url=nats_url,
        nats_stream=f"TEST_{tag}",
        nats_subject_prefix=f"test{tag}.events",
        nats_relay_batch=40,
        nats_relay_poll_seconds=0.05,
        nats_ack_timeout_seconds=2.0,
    )
    yield configured
    delete_stream(configured)
