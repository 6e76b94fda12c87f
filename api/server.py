"""Running the API process (`econcierge serve`): uvicorn, background workers, clean shutdown.

The configuration is checked first (token settings: production refuses a generated
secret), before anything is built or written. Then the store is built and the background
parts start: projections, the NATS relay (with ECONCIERGE_NATS_URL), the scheduled jobs
(24-hour response check, sealer), the projection metrics sampler.

On SIGTERM (or Ctrl-C) uvicorn stops accepting connections, lets the requests in flight
finish, and returns; then the background parts stop in reverse order of start (each
finishes its batch in hand and commits its position), and the store closes last, once
nothing uses it any more. The whole stop, from the signal on, takes at most
`shutdown_timeout_seconds`: a part that has not stopped by then is left to the process
exit, and the store is then not closed under it. A request the service accepted is
answered; one it never accepted was never applied.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from types import FrameType
from typing import Any

import uvicorn

from infra.bootstrap import EConcierge, build
from infra.metrics import ProjectionSampler, unwatch, watch_relay, watch_worker
from infra.settings import Settings

log = logging.getLogger("econcierge.serve")

#: stop(deadline) -> whether it stopped by then (`deadline`: a time.monotonic() value)
Stopper = Callable[[float], bool]


def check_configuration(settings: Settings) -> None:
    """Refuse a configuration the service cannot run with, before anything is created.

    The token settings are checked by building the token service the API will use
    (infra/tokens.py): in production without a configured secret or key it raises
    SystemExit with the reason, before the store exists.
    """
    from infra.tokens import TokenService

    TokenService(settings)


class Background:
    """What `serve` runs beside the API, stopped in reverse order of start, the store last."""

    def __init__(self, service: EConcierge, settings: Settings) -> None:
        self.service = service
        self.timeout = settings.shutdown_timeout_seconds
        self._stoppers: list[tuple[str, Stopper]] = []
        self._lock = threading.Lock()
        self._stopped: bool | None = None  # the outcome of the one stop

    def started(self, name: str, stopper: Stopper) -> None:
        """Register a part that has just started; it stops before every earlier one."""
        self._stoppers.append((name, stopper))

    def stop(self, deadline: float | None = None) -> bool:
        """Stop every part, newest first, by `deadline` (default: the shutdown timeout from
        now), then close the store. Returns whether all stopped in time; if one did not,
        the store stays open (a thread may still use it) and the process exit ends both.
        Safe to call more than once (the app's shutdown hook, then uvicorn's return)."""
        with self._lock:
            if self._stopped is not None:
                return self._stopped
            if deadline is None:
                deadline = time.monotonic() + self.timeout
            stopped = True
            while self._stoppers:
                name, stopper = self._stoppers.pop()
                try:
                    if not stopper(deadline):
                        log.warning("%s did not stop within the shutdown timeout", name)
                        stopped = False
                except Exception:
                    log.exception("stopping %s failed", name)
                    stopped = False
            if stopped:
                _close(self.service)
            else:
                log.warning("the store is left open for the parts still running; exiting")
            self._stopped = stopped
            return stopped


def start_background(service: EConcierge, settings: Settings, with_workers: bool) -> Background:
    """Start the workers (if asked) and the projection metrics sampler, in this order."""
    background = Background(service, settings)
    try:
        if with_workers:
            _start_workers(background, service, settings)
        sampler = _start_sampler(service)
        background.started("projection metrics", sampler)
    except BaseException:
        background.stop()
        raise
    return background


def serve_api(settings: Settings, host: str, port: int, with_workers: bool) -> None:
    """Serve until a termination signal, then stop everything in order."""
    from api.app import create_app

    check_configuration(settings)  # before the store is built: nothing created on refusal
    service = build(settings)
    background = start_background(service, settings, with_workers)
    signalled = _SignalTime()

    def stop_all() -> None:
        # Once: from the app's shutdown hook, or below when uvicorn returns.
        began = signalled.at or time.monotonic()
        background.stop(began + settings.shutdown_timeout_seconds)
        log.info("API stopped")

    try:
        app = create_app(service)
        app.on_startup.append(signalled.install)  # after uvicorn installed its handlers
        # uvicorn runs this after the requests in flight are answered, then re-raises SIGTERM.
        app.on_shutdown.append(stop_all)
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


class _SignalTime:
    """When the first termination signal came: the start of the bounded stop.

    Installed in front of uvicorn's own handlers (which it restores when it returns), from
    the app's startup hook, so that the workers' share of the stop counts from the signal.
    """

    def __init__(self) -> None:
        self.at: float | None = None

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return  # signals are only delivered to the main thread's handlers
        for signum in (signal.SIGTERM, signal.SIGINT):
            handler = signal.getsignal(signum)
            if callable(handler):
                signal.signal(signum, self._noting(handler))

    def _noting(self, handler: Callable[[int, FrameType | None], Any]) -> Callable[..., None]:
        def noted(signum: int, frame: FrameType | None) -> None:
            if self.at is None:
                self.at = time.monotonic()
            handler(signum, frame)

        return noted


def _remaining(deadline: float) -> float:
    return max(deadline - time.monotonic(), 0.0)


def _joined(threads: Iterable[threading.Thread], deadline: float) -> bool:
    """Wait for the threads until `deadline`; whether all of them ended."""
    threads = list(threads)
    for thread in threads:
        thread.join(_remaining(deadline))
    return not any(thread.is_alive() for thread in threads)


def _start_sampler(service: EConcierge) -> Stopper:
    from workers.health import projection_figures

    sampler = ProjectionSampler(lambda: projection_figures(service))
    sampler.start()

    def stop(deadline: float) -> bool:
        sampler.stop()
        return _joined([sampler], deadline)  # it may be reading the views right now

    return stop


def _start_workers(background: Background, service: EConcierge, settings: Settings) -> None:
    """The projections, the NATS relay (when configured) and the scheduled jobs, on threads."""
    from projections.supervisor import start_projections_in_background

    projections = start_projections_in_background(service)
    watch_worker("projections", lambda: all(r.is_alive() for r in projections.runners))

    def stop_projections(deadline: float) -> bool:
        projections.stop(timeout=0)  # each runner finishes and commits its batch in hand
        unwatch("projections")
        return _joined(projections.runners, deadline)

    background.started("projections", stop_projections)
    if settings.nats_url:
        from workers.relay import start_relay_in_background

        relay = start_relay_in_background(service, settings)
        watch_relay(relay.relay.name, relay.status)
        watch_worker("relay", relay.alive)  # progress, not only a live thread

        def stop_relay(deadline: float) -> bool:
            stopped = relay.stop(_remaining(deadline))  # the windows in flight are tracked first
            unwatch(relay.relay.name)
            unwatch("relay")
            return stopped

        background.started("the NATS relay", stop_relay)
    background.started("the scheduled jobs", _start_scheduled_jobs(service, settings))


def _start_scheduled_jobs(service: EConcierge, settings: Settings) -> Stopper:
    """The 24-hour response check (O3) and the trail's checkpoints, on daemon threads."""
    from infra.sealer import run_sealer
    from workers.response_target import run_forever

    stop = threading.Event()
    jobs = [
        threading.Thread(target=run_forever, args=(service, 60.0, stop), name="response-targets", daemon=True),
        threading.Thread(target=run_sealer, args=(service, settings, 60.0, stop), name="sealer", daemon=True),
    ]
    for job in jobs:
        job.start()

    def stop_jobs(deadline: float) -> bool:
        stop.set()
        return _joined(jobs, deadline)  # a pass under way finishes first

    return stop_jobs


def _close(service: EConcierge) -> None:
    from projections.catalog import close_views

    close_views(service)
    service.close()
