"""The scheduled-job workers serve /metrics, /healthz and /readyz like the other workers.

`econcierge worker response-targets` (rule O3) and `econcierge audit seal --every N` open
ECONCIERGE_WORKER_HEALTH_PORT (workers/health.py), and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from infra.settings import Settings
from tests.e2e.processes import ECONCIERGE, ROOT, environment, free_port, require_console_script


def _get(url: str) -> httpx.Response | None:
    try:
        return httpx.get(url, timeout=2)
    except httpx.HTTPError:
        return None


@pytest.mark.parametrize(
    ("command", "worker"),
    [
        (["worker", "response-targets", "--interval", "0.2"], "response-targets"),
        (["audit", "seal", "--every", "1"], "sealer"),
    ],
    ids=["response-targets", "audit-seal"],
)
def test_a_job_worker_reports_on_its_health_port_and_stops_on_sigterm(
    tmp_path: Path, command: list[str], worker: str
) -> None:
    # Given the worker started with a health port (issue 10: workers report their state)
    require_console_script()
    port = free_port()
    env = environment(Settings(data_dir=tmp_path), ECONCIERGE_WORKER_HEALTH_PORT=str(port))
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(ECONCIERGE), *command], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while (ready := _get(f"{base}/readyz")) is None:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)

        # Then it is alive and ready, and its metrics say so
        assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
        alive = httpx.get(f"{base}/healthz")
        assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
        metrics = httpx.get(f"{base}/metrics").text
        assert f'econcierge_worker_up{{worker="{worker}"}} 1.0' in metrics

        # When it is told to stop, it ends cleanly and its port closes
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0, log.read_text()
        assert _get(f"{base}/healthz") is None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)
