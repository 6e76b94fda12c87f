"""The projection worker process: `econcierge worker projections`.

Runs every view (or the named ones) from its tracked position until SIGTERM/SIGINT. On
PostgreSQL, run several for availability: each view is run by one elected process at a
time, and a standby takes over within about a second when the active one dies.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from types import FrameType

from infra.bootstrap import build
from infra.settings import Settings
from projections.catalog import VIEWS, close_views, view_named, views_of
from projections.runner import BATCH_SIZE
from projections.supervisor import start_projections
from workers.health import worker_health

log = logging.getLogger("econcierge.projections")


def run_worker(
    settings: Settings,
    names: Sequence[str] = (),
    *,
    batch_size: int = BATCH_SIZE,
    poll_interval: float | None = None,
) -> None:
    """Run the projections until a termination signal; returns after a clean stop."""
    views = [view_named(name) for name in names] if names else list(VIEWS)
    service = build(settings)
    store = views_of(service)
    projections = start_projections(
        service, store, views, batch_size=batch_size, poll_interval=poll_interval
    )
    log.info("projection worker started: %s", ", ".join(v.name for v in views))

    def shutdown(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current batch", signum)
        projections.stop(timeout=0)

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    try:
        # /metrics, /healthz, /readyz on ECONCIERGE_WORKER_HEALTH_PORT (workers/health.py)
        alive = lambda: all(runner.is_alive() for runner in projections.runners)
        with worker_health(settings, service, "projections", alive, sample_projections=True):
            projections.wait()
    finally:
        projections.stop()
        close_views(service)
        service.close()
        log.info("projection worker stopped")


def rebuild_views(settings: Settings, names: Sequence[str] = ()) -> None:
    """Rebuild the named views (all by default) from position 0, with a progress bar.

    One shared read of the log feeds every view (projections/rebuild.py); readers keep the
    old views until the new ones are complete and swapped in.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from projections.rebuild import rebuild_views as rebuild_all
    from projections.runner import head

    views = [view_named(name) for name in names] if names else list(VIEWS)
    service = build(settings)
    store = views_of(service)
    try:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        label = f"rebuild {', '.join(view.name for view in views)}"
        with Progress(*columns) as progress:
            task = progress.add_task(label, total=head(service) or 1)

            def advance(position: int, top: int) -> None:
                progress.update(task, completed=position, total=max(top, 1))

            def phase(name: str) -> None:
                if name != "read":  # statements, decisions, boards, indexes; then the swap
                    progress.update(task, description=f"{label}: {name}")

            final = rebuild_all(service, store, views, on_progress=advance, on_phase=phase)
            progress.update(task, description=label, completed=final, total=max(final, 1))
    finally:
        close_views(service)
        service.close()


def show_status(settings: Settings) -> None:
    """Print each view's position, the log's head, the gap, and (PostgreSQL) who runs it."""
    from datetime import datetime

    from rich.console import Console
    from rich.table import Table

    from infra.clock import JST
    from projections.election import active_runners
    from projections.runner import status

    service = build(settings)
    store = views_of(service)
    try:
        rows = status(service, store, VIEWS)
        runners = active_runners(store, [row.name for row in rows])
        table = Table(
            "view", "position", "head", "behind", "version", "last commit (JST)", "active runner"
        )
        for row in rows:
            when = (
                datetime.fromtimestamp(row.updated_at, JST).strftime("%Y-%m-%d %H:%M:%S")
                if row.updated_at
                else "never"
            )
            runner = runners.get(row.name) or (
                "in-process / none" if not runners else "none (no worker)"
            )
            table.add_row(
                row.name,
                str(row.position),
                str(row.head),
                str(row.behind),
                str(row.version),
                when,
                runner,
            )
        Console().print(table)
    finally:
        close_views(service)
        service.close()
