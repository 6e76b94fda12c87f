"""Running the installed `econcierge` console script as a real process, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
#: The venv's console script (pyproject [project.scripts]), next to the running python.
ECONCIERGE = Path(sys.executable).with_name("econcierge")


def missing(reason: str) -> None:
    """A tool these tests need is absent: skip on a developer's machine, fail in CI."""
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def require_console_script() -> None:
    """The project must be installed in this interpreter's venv."""
    if not ECONCIERGE.exists():
        missing(f"{ECONCIERGE} is not installed (pip install -e .)")


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """The process environment: this machine's, minus any ECONCIERGE_* of the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECONCIERGE_")}
    env["ECONCIERGE_DATA_DIR"] = str(settings.data_dir)
    if settings.database_url:
        env["ECONCIERGE_DATABASE_URL"] = settings.database_url
        env["ECONCIERGE_DB_SCHEMA"] = settings.db_schema or "public"
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving(settings: Settings, log: Path, timeout: float = 20.0) -> Iterator[str]:
    """`econcierge serve` on a free port until the block ends; yields its base URL."""
    port = free_port()
    env = environment(settings, ECONCIERGE_HOST="127.0.0.1", ECONCIERGE_PORT=str(port))
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ECONCIERGE), "serve"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            assert process.poll() is None, f"serve exited early:\n{log.read_text()}"
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"serve did not answer /healthz:\n{log.read_text()}"
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            process.wait(timeout=25)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
