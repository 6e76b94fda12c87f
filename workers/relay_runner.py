"""Running the relay: as its own process (`econcierge worker relay`) or inside `serve`."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading

from infra.application import ServiceApplication
from infra.metrics import watch_relay
from infra.settings import Settings
from workers.health import worker_health
from workers.relay import Relay, RelayStatus

log = logging.getLogger("econcierge.relay")


def run_relay(settings: Settings, from_position: int | None = None) -> None:
    """Relay until SIGINT or SIGTERM; the windows in flight are finished and tracked first."""
    from infra.bootstrap import build

    service = build(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        relay = Relay(service, settings, from_position=from_position)
        watch_relay(relay.name, relay.status)  # lag and position in /metrics (infra/metrics.py)
        # /metrics, /healthz, /readyz on ECONCIERGE_WORKER_HEALTH_PORT (workers/health.py);
        # alive while its loops make progress, not merely while it was not told to stop.
        with worker_health(settings, service, "relay", lambda: not stop.is_set() and relay.alive()):
            await relay.run(stop)

    try:
        asyncio.run(main())
    finally:
        service.close()


class RelayHandle:
    """A relay running on its own thread and event loop; `stop()` ends it cleanly."""

    def __init__(self, relay: Relay) -> None:
        self.relay = relay
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="nats-relay", daemon=True)

    def start(self) -> RelayHandle:
        self._thread.start()
        self._ready.wait()
        return self

    def status(self) -> RelayStatus:
        return self.relay.status()

    def alive(self) -> bool:
        """Its thread runs and its loops make progress (Relay.alive)."""
        return self._thread.is_alive() and self.relay.alive()

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop after the windows in flight are acked and tracked; whether it ended in time."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _main(self) -> None:
        async def main() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._ready.set()
            await self.relay.run(self._stop)

        try:
            asyncio.run(main())
        except Exception:  # pragma: no cover - run() handles its own failures
            log.exception("the in-process NATS relay stopped")
        finally:
            self._ready.set()


def start_relay_in_background(
    service: ServiceApplication, settings: Settings, **options: float | None
) -> RelayHandle:
    """Start the relay inside this process (for `serve`); it keeps retrying while NATS is down."""
    if not settings.nats_url:
        raise ValueError("start_relay_in_background needs ECONCIERGE_NATS_URL")
    return RelayHandle(Relay(service, settings, **options)).start()  # type: ignore[arg-type]
