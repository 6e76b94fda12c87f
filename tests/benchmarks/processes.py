"""The service's own processes (`econcierge serve`, `econcierge worker ...`) for benchmarks."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from infra.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
ECONCIERGE = str(Path(sys.executable).with_name("econcierge"))


def environment(settings: Settings, **extra: str) -> dict[str, str]:
    """This machine's environment minus the caller's ECONCIERGE_*, plus the settings'."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECONCIERGE_")}
    env["ECONCIERGE_DATA_DIR"] = str(settings.data_dir)
    env["ECONCIERGE_JWT_SECRET"] = settings.jwt_secret or ""
    env["ECONCIERGE_LOG_LEVEL"] = "WARNING"
    env["ECONCIERGE_CACHE_FASTFORWARD"] = "true" if settings.cache_fastforward else "false"
    if settings.database_url:
        env["ECONCIERGE_DATABASE_URL"] = settings.database_url
        if settings.db_schema:
            env["ECONCIERGE_DB_SCHEMA"] = settings.db_schema
    if settings.nats_url:
        env["ECONCIERGE_NATS_URL"] = settings.nats_url
    return {**env, **extra}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def token(settings: Settings, role: str, sub: str, *options: str) -> str:
    """A bearer token from `econcierge token`, signed with the same secret as the server."""
    return subprocess.run(
        [ECONCIERGE, "token", "--role", role, "--sub", sub, *options],
        env=environment(settings), cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip


@contextmanager
def process(command: Sequence[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A child process until the block ends (SIGTERM, then SIGKILL)."""
    with log.open("wb") as out:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=25)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(timeout=5)


@contextmanager
def http_server(command: Sequence[str], env: dict[str, str], port: int, log: Path,
                ready_path: str = "/healthz", timeout: float = 60.0) -> Iterator[tuple[str, int]]:  # fmt: skip
    """A process serving HTTP on `port`; yields (base URL, pid) once it answers."""
    base = f"http://127.0.0.1:{port}"
    with process(command, env, log) as child:
        deadline = time.monotonic() + timeout
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{command[0]} exited early:\n{log.read_text()[-3000:]}")
            try:
                if httpx.get(base + ready_path, timeout=2).status_code < 500:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not answer:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, child.pid


@contextmanager
def serving(settings: Settings, log: Path) -> Iterator[tuple[str, int]]:
    """`econcierge serve` (no workers) on a free port: (base URL, pid)."""
    port = free_port()
    command = [ECONCIERGE, "serve", "--no-workers", "--port", str(port)]
    with http_server(command, environment(settings), port, log) as answer:
        yield answer


def rss_mib(pid: int) -> float:
    """Resident memory of a process, in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, in seconds (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
