"""The 24-hour response check (rule O3), run periodically: records ResponseTargetMissed
on every open ticket with no arrival 24 hours after opening, at most once per ticket.

`run_once` is one pass (safe to repeat, or to run in two processes at once: the Ticket
refuses a second record and optimistic concurrency lets one writer win). `run_forever`
repeats it until `stop_event` is set; the CLI wires it to a command and to signals.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from infra.services.response_targets import ResponseTargetCommands

log = logging.getLogger("econcierge.response_target")

#: How often the check runs by default: a late ticket is flagged within this much.
DEFAULT_INTERVAL_SECONDS = 60.0
#: A pass that has not ended after this long is hung (the first one reads the whole log).
PASS_SECONDS = 600.0


def run_once(service: ResponseTargetCommands) -> int:
    """One pass at the service clock's current time; returns how many targets it recorded."""
    recorded = service.record_missed_response_targets(service.clock.now())
    if recorded:
        log.info("recorded %d missed 24-hour response target(s)", recorded)
    return recorded


def run_forever(
    service: ResponseTargetCommands,
    interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
    stop_event: threading.Event | None = None,
    heartbeat: Callable[[], None] = lambda: None,
) -> None:
    """Run a pass every `interval_seconds` until `stop_event` is set; `heartbeat()` is
    called before and after each pass (the worker's liveness, workers/health.py)."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    stop = stop_event or threading.Event()
    while not stop.is_set():
        heartbeat()
        try:
            run_once(service)
        except Exception:
            log.exception("response target check failed; retrying in %.0f s", interval_seconds)
        heartbeat()
        stop.wait(interval_seconds)
