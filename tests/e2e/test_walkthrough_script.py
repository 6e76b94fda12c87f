"""The README walk-through works: examples/ticket_walkthrough.sh against a real server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService
from tests.e2e.processes import (
    ECONCIERGE,
    ROOT,
    environment,
    missing,
    require_console_script,
    serving,
)

SCRIPT = ROOT / "examples" / "ticket_walkthrough.sh"


def _require_tools() -> None:
    for tool in ("bash", "curl"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")
    version = subprocess.run(["curl", "--version"], check=False, capture_output=True, text=True)
    found = re.search(r"curl (\d+)\.(\d+)", version.stdout)
    if found is None or (int(found[1]), int(found[2])) < (7, 76):
        missing("curl is older than 7.76 (no --fail-with-body)")


def _walk(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the script as a reader of the README would (bash, not sourced)."""
    command = ["bash", str(SCRIPT)]
    return subprocess.run(command, check=False, env=env, capture_output=True, text=True, timeout=60)


def test_the_walkthrough_takes_a_ticket_from_opening_to_resolution(tmp_path: Path) -> None:
    require_console_script()
    _require_tools()
    settings = Settings(data_dir=tmp_path / "data")  # SQLite, like a new user's first run
    with serving(settings, tmp_path / "serve.log") as base:
        env = environment(settings, BASE=base, ECONCIERGE=str(ECONCIERGE), PYTHON=sys.executable)
        run = _walk(env)
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
        [ticket_id] = re.findall(r"^ticket_id=(\S+)$", run.stdout, re.MULTILINE)
        # Read it back independently of the script, as the operator.
        token = TokenService(settings).issue(sub="op-check", role=Role.OPERATOR)
        answer = httpx.get(
            f"{base}/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    ticket = answer.json()
    assert ticket["status"] == "resolved"
    assert [w["completion"] for w in ticket["work_slips"]] == ["completed"]
    assert [r["status"] for r in ticket["risks"]] == ["acknowledged"]
    assert run.stdout.rstrip().endswith(f"ticket {ticket_id} is resolved")


def test_the_walkthrough_stops_at_the_first_refused_step(tmp_path: Path) -> None:
    require_console_script()
    _require_tools()
    settings = Settings(data_dir=tmp_path / "data")
    with serving(settings, tmp_path / "serve.log") as base:
        # A token signed with another secret: the very first call is a 401.
        env = environment(
            settings, BASE=base, ECONCIERGE=str(ECONCIERGE), PYTHON=sys.executable,
            ECONCIERGE_JWT_SECRET="not-the-server-secret-" + "x" * 32,
        )
        run = _walk(env)
    assert run.returncode != 0
    assert "refused:" in run.stderr and "401" in run.stderr
    assert "==> 2." not in run.stdout
