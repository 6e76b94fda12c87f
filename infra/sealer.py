"""The sealer: seal a checkpoint every N seconds and publish what NATS does not have yet.

Run one per deployment (`econcierge audit seal --every 60`); two at once are harmless
(the second one's checkpoint loses the race on the TrailLog's version). The interval
bounds how long an event can be rewritten without contradicting a published digest.
A round that has not ended after ROUND_SECONDS is hung: the worker's /healthz says so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from infra.checkpoints import Checkpoint, seal
from infra.settings import Settings

log = logging.getLogger("econcierge.trail")

#: A round (seal, then publish) that has not ended after this long is hung.
ROUND_SECONDS = 600.0


def seal_and_publish(service: Any, settings: Settings) -> tuple[Checkpoint | None, int]:
    """One round: the new checkpoint (if any) and how many digests were published."""
    checkpoint = seal(service)
    published = 0
    if settings.nats_url:
        from infra.digests import publish_checkpoints

        try:
            published = publish_checkpoints(service, settings)
        except Exception as error:  # noqa: BLE001 - NATS down: the next round publishes them
            log.warning("cannot publish checkpoints to NATS (%s); retrying next round", error)
    return checkpoint, published


def run_sealer(
    service: Any,
    settings: Settings,
    every: float,
    stop: threading.Event,
    report: Callable[[Checkpoint], None] | None = None,
    heartbeat: Callable[[], None] = lambda: None,
) -> None:
    """Seal and publish every `every` seconds until `stop` is set; `heartbeat()` is called
    before and after each round (the worker's liveness)."""
    while True:
        heartbeat()
        try:
            checkpoint, _ = seal_and_publish(service, settings)
        except Exception:  # the store may be down: try again next round
            log.exception("sealing failed; retrying in %.0fs", every)
        else:
            if checkpoint is not None and report is not None:
                report(checkpoint)
        heartbeat()
        if stop.wait(every):
            return
