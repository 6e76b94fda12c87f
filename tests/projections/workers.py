"""Driving `econcierge worker projections` as real processes, for the PostgreSQL drills."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from domain.meta import Cause, EventMeta, Role
from infra.bootstrap import EConcierge
from infra.settings import Settings
from projections.catalog import VIEWS, views_of
from projections.election import active_runners
from projections.positions import read
from tests.projections.steps import Note, apply_contract

ROOT = Path(__file__).resolve().parents[2]


def many_events(
    service: EConcierge, contracts: int = 60, notes_per_contract: int = 5, amendments: int = 9
) -> None:
    """A store with contracts and many events on aggregates opened on them, saved in bulk."""
    meta = EventMeta("cc-suzuki", Role.CONCIERGE, "corr-bulk", "req-bulk")
    for n in range(contracts):
        contract = apply_contract(service, f"Customer {n}", key=f"bulk-{n}")
        notes = []
        for k in range(notes_per_contract):
            note = Note.open(Cause(meta=meta, at=service.clock.now()), contract.id, f"note {k}")
            for a in range(amendments):
                note.amend(Cause(meta=meta, at=service.clock.now()), f"note {k}, amendment {a}")
            notes.append(note)
        service.save(*notes)


class Worker:
    """One `econcierge worker projections` process on the test's schema."""

    def __init__(self, settings: Settings, log: Path, batch_size: int = 25) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "ECONCIERGE_DATABASE_URL": settings.database_url or "",
            "ECONCIERGE_DB_SCHEMA": settings.db_schema or "",
            "ECONCIERGE_DATA_DIR": str(settings.data_dir),
        }
        command = [
            sys.executable,
            "-c",
            "from api.cli import main; main()",
            "worker",
            "projections",
        ]
        command += ["--batch-size", str(batch_size), "--poll-interval", "0.1"]
        self.log = log
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(15)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def position(service: EConcierge) -> int:
    """How far every view has come: the smallest of their positions."""
    with views_of(service).read() as tx:
        return min(read(tx, view.name) for view in VIEWS)


def active_pid(service: EConcierge) -> int | None:
    """The OS pid of the worker holding the audit view's election lock."""
    runner = active_runners(views_of(service), ["audit"]).get("audit")
    return int(runner.rsplit(":", 1)[1]) if runner else None


def wait_until(
    condition: Callable[[], bool],
    timeout: float,
    why: str,
    poll: float = 0.01,
    logs: Callable[[], str] | None = None,
) -> None:
    """Poll `condition` until it holds; on time-out fail with `why` (and the workers' logs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = f"\n--- worker log ---\n{logs()}" if logs else ""
            raise AssertionError(f"timed out waiting until {why}{shown}")
        time.sleep(poll)
