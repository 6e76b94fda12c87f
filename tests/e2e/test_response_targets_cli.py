"""`econcierge worker response-targets` runs the 24-hour check (rule O3) as a real process."""

from __future__ import annotations

import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from litestar.testing import TestClient

from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from infra.settings import Settings
from tests.api.ticket_steps import ok
from tests.auth import sign_in
from tests.e2e.processes import ECONCIERGE, ROOT, environment, require_console_script


def _worker(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(ECONCIERGE), "worker", "response-targets", *args]
    env = environment(settings)
    return subprocess.run(
        command, check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def _late_ticket(client: TestClient, clock: FixedClock) -> str:
    """A ticket opened three days ago (by the wall clock) that nobody has visited yet."""
    clock.set(datetime.now(JST) - timedelta(days=3))
    sign_in(client, Role.OPERATOR, "op-tanaka")
    site = {"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 5}
    # rule C1: a customer who insists starts mid-month, here on the day of application.
    application = {"customer_name": "Sakura", "quote": {"sites": [site]}, "insists_mid_month": True}
    contract_id = ok(client.post("/v1/contracts", json=application))["id"]
    body = {"name": "Sato", "kind": "sole_proprietor", "regions": ["Tokyo"]}
    concierge_id = ok(client.post("/v1/concierges", json=body))["id"]
    proposal = {"contract_id": contract_id, "cluster": "hq", "concierge_id": concierge_id}
    assignment_id = ok(client.post("/v1/assignments", json=proposal))["id"]
    interview = {"interview_at": clock.now().isoformat()}
    ok(client.post(f"/v1/assignments/{assignment_id}/interview", json=interview))
    sign_in(client, Role.CUSTOMER, "cust-yamada", contracts=(contract_id,))
    ok(client.post(f"/v1/assignments/{assignment_id}/accept"))
    sign_in(client, Role.OPERATOR, "op-tanaka")
    ok(client.post(f"/v1/contracts/{contract_id}/start"))
    ticket = {"contract_id": contract_id, "cluster": "hq", "kind": "trouble", "summary": "No mail",
              "channel": "business_mobile"}  # fmt: skip
    return ok(client.post("/v1/tickets", json=ticket))["id"]


def test_one_pass_on_a_new_data_directory_records_nothing(tmp_path: Path) -> None:
    require_console_script()
    run = _worker(Settings(data_dir=tmp_path), "--once")
    assert run.returncode == 0, run.stderr
    assert "recorded 0 missed response target(s)" in run.stdout


def test_one_pass_records_a_missed_target_once(
    client: TestClient, service: EConcierge, settings: Settings, clock: FixedClock
) -> None:
    require_console_script()
    ticket_id = _late_ticket(client, clock)
    first, second = _worker(settings, "--once"), _worker(settings, "--once")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert "recorded 1 missed response target(s)" in first.stdout
    assert "recorded 0 missed response target(s)" in second.stdout  # rule O3: once per ticket
    assert service.get_ticket(UUID(ticket_id)).response_target_missed_at is not None


def test_the_worker_runs_until_sigterm(tmp_path: Path) -> None:
    require_console_script()
    command = [str(ECONCIERGE), "worker", "response-targets", "--interval", "0.2"]
    env = environment(Settings(data_dir=tmp_path))
    process = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:  # wait until the stop handler is installed (slow starts)
            seen.append(line)
            if "worker running" in line:
                break
        assert process.poll() is None, "".join(seen)
        time.sleep(0.5)  # a few passes
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


def test_a_non_positive_interval_is_a_usage_error(tmp_path: Path) -> None:
    require_console_script()
    run = _worker(Settings(data_dir=tmp_path), "--interval", "0")
    assert run.returncode == 2 and "--interval" in run.stderr
