"""Drill: the relay process is killed with SIGKILL mid-batch and restarted."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import msgspec

from infra.bootstrap import EConcierge
from infra.settings import Settings
from tests.nats.processes import start_relay_process
from tests.nats.streams import consume, stream_count, wait_until
from tests.nats.world import assert_exactly_once_in_order, published_log, record_events


def test_a_relay_killed_mid_batch_and_restarted_leaves_no_gap_and_no_duplicate(
    service: EConcierge, nats_settings: Settings, tmp_path: Path
) -> None:
    # Many small windows, several in flight: slow enough that the kill lands mid-run.
    settings = msgspec.structs.replace(nats_settings, nats_relay_batch=2)
    record_events(service, contracts=12, changes=15)
    expected = len(published_log(service))
    log = tmp_path / "relay.log"

    relay = start_relay_process(settings, log)
    try:
        wait_until(
            lambda: stream_count(settings) >= 15 or relay.poll() is not None,
            timeout=30,
            interval=0.005,
        )
        relay.send_signal(signal.SIGKILL)
        relay.wait(timeout=10)
    finally:
        relay.kill()
    killed_at = stream_count(settings)
    assert 0 < killed_at < expected, (
        f"not killed mid-run ({killed_at} of {expected}): {log.read_text()}"
    )
    # A consumer that read before the crash keeps its place on the server.
    first = consume(settings, "drill", at_least=killed_at)

    relay = start_relay_process(settings, log)
    try:
        record_events(service, contracts=2, changes=2)  # more writes while it catches up
        expected = len(published_log(service))
        wait_until(lambda: stream_count(settings) >= expected, timeout=30)
        rest = consume(settings, "drill", at_least=expected - len(first))
        time.sleep(0.3)  # anything extra would show up now
        assert stream_count(settings) == expected
    finally:
        relay.send_signal(signal.SIGTERM)
        assert relay.wait(timeout=15) == 0, log.read_text()

    assert_exactly_once_in_order(first + rest, service)
