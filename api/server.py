"""Running the API process (`econcierge serve`): uvicorn, background workers, clean shutdown.

On SIGTERM (or Ctrl-C) uvicorn stops accepting connections, lets the requests in flight
finish (at most `shutdown_timeout_seconds`), and returns; then the background workers
finish their batch in hand and commit their positions, and the store closes. A request
the service accepted is answered; one it never accepted was never applied.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable

from infra.bootstrap import EConcierge, build
from infra.metrics import ProjectionSampler, unwatch, watch_relay, watch_worker
from infra.settings import Settings

log = logging.getLogger("econcierge.serve")


def serve_api(settings: Settings, host: str, port: int, with_workers: bool) -> None:
    """Serve until a termination signal, then stop everything in order."""
    import uvicorn

    from api.app import create_app
    from workers.health import projection_figures

    service = build(settings)
    stoppers: list[Callable[[], None]] = _start_workers(service, settings) if with_workers else []
    sampler = ProjectionSampler(lambda: projection_figures(service))
    sampler.start()
    stoppers.append(sampler.stop)
    stoppers.append(lambda: _close(service))

    def stop_all() -> None:
        while stoppers:  # once: from the app's shutdown, or below when uvicorn returns
            with contextlib.suppress(Exception):
                stoppers.pop()()
        log.info("API stopped")

    app = create_app(service)
    # uvicorn runs this after the requests in flight are answered, then re-raises SIGTERM.
    app.on_shutdown.append(stop_all)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_config=None,  # keep our JSON logging (infra/logs.py)
            access_log=False,  # our request line replaces it (api/observability.py)
            timeout_graceful_shutdown=settings.shutdown_timeout_seconds,
            timeout_keep_alive=5,
        )
    finally:
        stop_all()


def _start_workers(service: EConcierge, settings: Settings) -> list[Callable[[], None]]:
    """The projections, the NATS relay (when configured) and the scheduled jobs, on threads."""
    from projections.supervisor import start_projections_in_background

    projections = start_projections_in_background(service)
    watch_worker("projections", lambda: all(r.is_alive() for r in projections.runners))

    def stop_projections() -> None:
        projections.stop()  # each runner finishes and commits its batch in hand
        unwatch("projections")

    stoppers = [stop_projections]
    if settings.nats_url:
        from workers.relay import start_relay_in_background

        relay = start_relay_in_background(service, settings)
        watch_relay(relay.relay.name, relay.status)

        def stop_relay() -> None:
            relay.stop()  # the window in flight is acked and tracked first
            unwatch(relay.relay.name)

        stoppers.append(stop_relay)
    stoppers.extend(_start_scheduled_jobs(service, settings))
    return stoppers


def _start_scheduled_jobs(service: EConcierge, settings: Settings) -> list[Callable[[], None]]:
    """The 24-hour response check (O3) and the trail's checkpoints, on daemon threads."""
    import threading

    from infra.sealer import run_sealer
    from workers.response_target import run_forever

    stop = threading.Event()
    jobs = [
        threading.Thread(target=run_forever, args=(service, 60.0, stop), name="response-targets", daemon=True),
        threading.Thread(target=run_sealer, args=(service, settings, 60.0, stop), name="sealer", daemon=True),
    ]
    for job in jobs:
        job.start()

    def stop_jobs() -> None:
        stop.set()
        for job in jobs:
            job.join(timeout=10)

    return [stop_jobs]


def _close(service: EConcierge) -> None:
    from projections.catalog import close_views

    close_views(service)
    service.close()
