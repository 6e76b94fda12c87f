"""Processes the drills start: the relay as `econcierge worker relay`, and a private nats-server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from infra.settings import Settings

REPO = Path(__file__).resolve().parents[2]
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


def settings_env(settings: Settings) -> dict[str, str]:
    """The ECONCIERGE_* environment that points a process at the test's store and stream."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECONCIERGE_")}
    env["PYTHONPATH"] = str(REPO)
    values = {
        "data_dir": str(settings.data_dir),
        "database_url": settings.database_url,
        "db_schema": settings.db_schema,
        "db_pool_size": str(settings.db_pool_size),
        "nats_url": settings.nats_url,
        "nats_stream": settings.nats_stream,
        "nats_subject_prefix": settings.nats_subject_prefix,
        "nats_relay_batch": str(settings.nats_relay_batch),
        "nats_relay_poll_seconds": str(settings.nats_relay_poll_seconds),
        "nats_ack_timeout_seconds": str(settings.nats_ack_timeout_seconds),
    }
    env.update({f"ECONCIERGE_{k.upper()}": v for k, v in values.items() if v is not None})
    return env


def start_relay_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`econcierge worker relay` in a child process (the CLI's own entry point)."""
    return subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", "worker", "relay"],
        cwd=REPO,
        env=settings_env(settings),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PrivateNats:
    """A throwaway nats-server with JetStream on its own port and store directory."""

    def __init__(self, store: Path) -> None:
        self.port = free_port()
        self.store = store
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-js", "-sd", str(self.store)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not start on port {self.port}")

    def stop(self) -> None:
        """A clean shutdown (SIGTERM): JetStream flushes its files, as on a planned restart."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=10)
        self.process = None


class ServeProcess:
    """`econcierge serve` (embedded SQLite, in-process workers) on a free loopback port."""

    def __init__(self, settings: Settings, log: Path, **env: str) -> None:
        self.port = free_port()
        self.log = log
        self.env = settings_env(settings)
        self.env.update(ECONCIERGE_HOST="127.0.0.1", ECONCIERGE_PORT=str(self.port), **env)
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> ServeProcess:
        import httpx

        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from api.cli import main; main()", "serve"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"serve exited:\n{self.text()}"
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"serve is not ready:\n{self.text()}"
            time.sleep(0.1)

    def terminate(self, timeout: float = 30.0) -> int:
        """SIGTERM and wait; the exit status (uvicorn re-raises SIGTERM after its stop)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def text(self) -> str:
        return self.log.read_text(errors="replace")
