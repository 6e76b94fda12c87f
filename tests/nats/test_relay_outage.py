"""Drill: NATS stops while events are being written, and comes back: every event arrives."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from infra.bootstrap import EConcierge
from infra.settings import Settings
from tests.nats.processes import PrivateNats, free_port
from tests.nats.streams import stream_count, stream_messages, wait_until
from tests.nats.world import assert_exactly_once_in_order, published_log, record_events
from workers.relay import Relay
from workers.relay_runner import RelayHandle, start_relay_in_background


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    server = PrivateNats(tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


def test_events_written_while_nats_is_down_all_arrive_once_it_is_back(
    service: EConcierge, nats_settings: Settings, private_nats: PrivateNats
) -> None:
    settings = msgspec.structs.replace(
        nats_settings, nats_url=private_nats.url, nats_ack_timeout_seconds=1.0
    )
    handle = RelayHandle(Relay(service, settings, retry_max_seconds=0.3)).start()
    try:
        record_events(service, contracts=4, changes=2)
        wait_until(lambda: stream_count(settings) == len(published_log(service)))

        private_nats.stop()
        record_events(service, contracts=3, changes=3)  # nowhere to publish these now
        wait_until(lambda: not handle.status().connected and handle.status().lag > 0)
        assert handle.status().last_error

        private_nats.start()
        record_events(service, contracts=1, changes=1)
        wait_until(lambda: stream_count(settings) == len(published_log(service)))
        wait_until(lambda: handle.status().connected and handle.status().lag == 0)
    finally:
        handle.stop()
    assert_exactly_once_in_order(stream_messages(settings), service)


def test_the_in_process_relay_waits_without_nats_and_stops_cleanly(
    service: EConcierge, nats_settings: Settings
) -> None:
    settings = msgspec.structs.replace(nats_settings, nats_url=f"nats://127.0.0.1:{free_port()}")
    record_events(service, contracts=1, changes=1)
    handle = start_relay_in_background(service, settings, retry_max_seconds=0.2)
    try:
        wait_until(lambda: handle.status().last_error is not None)
        status = handle.status()
        assert not status.connected and status.lag == service.recorder.max_notification_id()
    finally:
        handle.stop(timeout=5)
    assert not handle._thread.is_alive()
