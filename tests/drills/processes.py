"""The processes a drill starts: `econcierge serve`, a relay worker, a private PostgreSQL.

Everything listens on loopback ports chosen free at start, and is stopped by the drill.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
JWT_SECRET = "drill-secret-" + "x" * 40  # the drill signs its own tokens with it


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def service_env(database_url: str, data_dir: Path, **more: str) -> dict[str, str]:
    """The environment of a service process: its database, secret, and nothing inherited."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECONCIERGE_")}
    env.update(
        PYTHONPATH=str(REPO),
        ECONCIERGE_DATABASE_URL=database_url,
        ECONCIERGE_DATA_DIR=str(data_dir),
        ECONCIERGE_JWT_SECRET=JWT_SECRET,
        ECONCIERGE_LOG_LEVEL="WARNING",  # the drill reads figures, not request lines
    )
    env.update({f"ECONCIERGE_{k.upper()}": v for k, v in more.items()})
    return env


class Econcierge:
    """One `econcierge <args>` child process, with its output in a log file."""

    def __init__(self, args: list[str], env: Mapping[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, dict(env), log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Econcierge:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-c", "from api.cli import main; main()", *self.args],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return self

    def signal(self, signum: int) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signum)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout`."""
        if self.process is None:
            return None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers (cleanup only: drills signal on purpose)."""
        self.signal(signal.SIGTERM)
        if self.wait(25) is None:
            self.signal(signal.SIGKILL)
            self.wait(5)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


class Api(Econcierge):
    """`econcierge serve` on a free loopback port.

    With `workers` (the default) the process also runs the projections, the scheduled jobs
    and, when the environment names a NATS server, the relay, as `serve` does on one host.
    """

    def __init__(
        self, env: Mapping[str, str], log: Path, port: int | None = None, workers: bool = True
    ) -> None:
        self.port = port or free_port()
        mode = "--with-workers" if workers else "--no-workers"
        super().__init__(["serve", "--port", str(self.port), mode], env, log)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Api:
        super().start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"econcierge serve exited:\n{self.tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/readyz", timeout=1.0).status_code == 200:
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"econcierge serve did not become ready:\n{self.tail()}")


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else (shutil.which(name) or name)


class PrivatePostgres:
    """A throwaway PostgreSQL server (initdb + pg_ctl) that a drill may stop and start."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="econcierge-drill-pg-"))
        self.data = self.dir / "data"
        self._as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def _run(self, *args: str) -> None:
        command = list(args)
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def init(self) -> PrivatePostgres:
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(
            _pg_bin("initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync"
        )
        return self

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=60"
        self._run(
            _pg_bin("pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.dir / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
