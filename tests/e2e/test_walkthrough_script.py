"""The README walk-through works, as written: its block and examples/ticket_walkthrough.sh
(which runs that same block, step by step) against a real `econcierge serve`.

The README's block is the only copy of the steps, and its times are computed from the
present, so these tests run it on whatever day they run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService
from tests.e2e.processes import ROOT, environment, missing, require_console_script, serving

README = ROOT / "README.md"
SCRIPT = ROOT / "examples" / "ticket_walkthrough.sh"
VENV = ROOT / ".venv" / "bin"  # the block calls .venv/bin/econcierge and .venv/bin/python
BLOCK = re.compile(r"<!-- walkthrough\b[^>]*-->\n```sh\n(.*?)\n```\n", re.DOTALL)
DONE = re.compile(r"^ticket (\S+) is resolved$", re.MULTILINE)


def readme_block() -> str:
    """The README's walk-through block, as a reader copies it."""
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found is not None, (
        "README.md lost its walk-through block (the <!-- walkthrough --> marker)"
    )
    return found[1]


def _require_tools() -> None:
    require_console_script()
    for tool in ("bash", "curl"):
        if shutil.which(tool) is None:
            missing(f"{tool} is not installed")
    for program in ("econcierge", "python"):
        if not (VENV / program).exists():
            missing(f"{VENV / program} is missing (./dev sets it up)")


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=ROOT, env=env, check=False, capture_output=True, text=True, timeout=90
    )


def _ticket(settings: Settings, base: str, ticket_id: str) -> dict[str, Any]:
    """Read the ticket back independently of the walk-through, as an operator."""
    token = TokenService(settings).issue(sub="op-check", role=Role.OPERATOR)
    answer = httpx.get(
        f"{base}/v1/tickets/{ticket_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_readme_block_as_written_takes_a_ticket_to_its_resolution(tmp_path: Path) -> None:
    # Given a new user's server (SQLite) and the README's block, copied as it stands
    _require_tools()
    settings = Settings(data_dir=tmp_path / "data")
    with serving(settings, tmp_path / "serve.log") as base:
        # When it is run in a shell that stops at the first failure
        run = _run(
            ["bash", "-euo", "pipefail", "-c", readme_block()], environment(settings, BASE=base)
        )
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
        [ticket_id] = DONE.findall(run.stdout)
        ticket = _ticket(settings, base, ticket_id)
    # Then the ticket went through every step, with the channel the customer used (O2)
    assert (ticket["status"], ticket["channel"]) == ("resolved", "business_mobile")
    assert [r["status"] for r in ticket["risks"]] == ["acknowledged"]  # O6
    assert [w["completion"] for w in ticket["work_slips"]] == ["completed"]  # O7
    [visit] = ticket["visits"]  # O1, O3: after the opening, ended before it was logged
    times = [ticket["opened_at"], visit["arrival"], visit["departure"], ticket["closed_at"]]
    assert [datetime.fromisoformat(t) for t in times] == sorted(map(datetime.fromisoformat, times))
    assert "refused:" not in run.stderr


def test_the_script_runs_the_readme_block_step_by_step_and_stops_at_a_refusal(
    tmp_path: Path,
) -> None:
    _require_tools()
    steps = re.findall(r"^# (\d+(?:-\d+)?)\. ", readme_block(), re.MULTILINE)
    assert len(steps) >= 8, steps
    settings = Settings(data_dir=tmp_path / "data")
    with serving(settings, tmp_path / "serve.log") as base:
        # When the script runs against the server, it says every step of the README's block
        run = _run(["bash", str(SCRIPT)], environment(settings, BASE=base))
        assert run.returncode == 0, f"{run.stdout}\n{run.stderr}"
        assert re.findall(r"^==> (\d+(?:-\d+)?)\. ", run.stdout, re.MULTILINE) == steps
        [ticket_id] = DONE.findall(run.stdout)
        assert _ticket(settings, base, ticket_id)["status"] == "resolved"
        # And with a token the server did not sign, the very first call is refused: it stops
        forged = environment(
            settings, BASE=base, ECONCIERGE_JWT_SECRET="not-the-server-secret-" + "x" * 32
        )
        refused = _run(["bash", str(SCRIPT)], forged)
    assert refused.returncode != 0
    assert "refused:" in refused.stderr and '"status": 401' in refused.stderr
    assert re.findall(r"^==> (\S+) ", refused.stdout, re.MULTILINE) == [f"{steps[0]}."]
