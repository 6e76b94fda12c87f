"""The relay is alive while its loops make progress, not merely while nobody stopped it."""

from __future__ import annotations

import threading
import time

from infra.bootstrap import EConcierge
from infra.settings import Settings
from tests.nats.streams import wait_until
from tests.nats.world import record_events
from workers.relay import Relay
from workers.relay_runner import RelayHandle


class StuckElection:
    """An election check that does not return (a hung connection, say) until released."""

    def __init__(self) -> None:
        self.entered, self.gate = threading.Event(), threading.Event()

    def holds(self) -> bool:
        self.entered.set()
        self.gate.wait(30)
        return True

    def release(self) -> None:
        return None


def test_an_idle_relay_keeps_stepping_and_stays_alive(
    service: EConcierge, nats_settings: Settings
) -> None:
    # Given a relay with a short stall bound that has published everything
    record_events(service, contracts=2, changes=1)
    handle = RelayHandle(Relay(service, nats_settings, stall_seconds=0.5)).start()
    try:
        wait_until(lambda: handle.status().connected and handle.status().lag == 0)

        # When nothing happens for longer than the bound, then it is still alive (it polls)
        time.sleep(1.5)
        assert handle.alive()
    finally:
        handle.stop()
    assert not handle.alive()  # stopped: its thread is gone


def test_a_relay_stuck_in_a_call_that_never_returns_is_reported_not_alive(
    service: EConcierge, nats_settings: Settings
) -> None:
    # Given a relay whose loop hangs in a call (here its election check)
    election = StuckElection()
    handle = RelayHandle(Relay(service, nats_settings, election=election, stall_seconds=0.3))
    handle.start()
    try:
        assert election.entered.wait(10)
        assert handle.alive()  # nothing is known to be wrong yet

        # When the hang outlasts the stall bound, then /healthz's check says not alive
        wait_until(lambda: not handle.alive(), timeout=5)
        assert handle._thread.is_alive()  # although its thread still runs
    finally:
        election.gate.set()
        handle.stop()
