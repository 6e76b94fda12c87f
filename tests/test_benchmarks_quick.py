"""CI keeps the benchmark suite alive: `--quick` runs and reports every figure (issue 7).

Only the shape is checked — each figure has its name, value, unit, same-run baseline,
ratio, target and met — never a threshold: these machines are shared and noisy.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIGURES = [
    "command_path.pg.c1", "command_path.pg.c4",
    "http_path.pg.c1", "http_path.pg.c4",
    "relay.nats",
    "projections.pg.catch_up", "projections.pg.rebuild",
    "flat_cost.pg.command_p50", "flat_cost.pg.ticket_load",
    "memory.pg.serve", "memory.pg.worker_projections",
    "command_path.sqlite.c1", "command_path.sqlite.c4",
    "projections.sqlite.catch_up", "projections.sqlite.rebuild",
]  # fmt: skip
WITH_LATENCY = ["command_path.pg.c1", "command_path.pg.c4", "http_path.pg.c1", "http_path.pg.c4"]
FIELDS = ("name", "value", "unit", "baseline", "ratio", "target", "met")

pytestmark = [pytest.mark.postgres, pytest.mark.nats, pytest.mark.slow]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> list[dict]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--quick",
         "--json", str(out / "figures.json"), "--chart", str(out / "chart.png")],
        check=False, cwd=ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    assert (out / "chart.png").stat().st_size > 0
    return json.loads((out / "figures.json").read_text())


def test_quick_run_reports_every_figure(report: list[dict]) -> None:
    names = [f["name"] for f in report]
    assert [n for n in FIGURES if n not in names] == []
    if (ROOT / "tests" / "benchmarks" / "trail.py").exists():
        assert any(n.startswith("trail.") for n in names)


def test_every_figure_has_a_same_run_baseline_ratio_and_target(report: list[dict]) -> None:
    for f in report:
        assert all(k in f for k in FIELDS), f
        assert isinstance(f["value"], int | float) and isinstance(f["baseline"], int | float), f
        assert f["baseline"] > 0, f  # measured in this run, not absent
        assert isinstance(f["ratio"], int | float), f
        if f["target"] is None:  # for the record only (the SQLite figures)
            assert f["met"] is None, f
        else:
            assert f["target"].split()[0] in (">=", "<="), f
            assert isinstance(f["met"], bool), f


def test_latency_figures_carry_p50_and_p99(report: list[dict]) -> None:
    by_name = {f["name"]: f for f in report}
    for name in WITH_LATENCY:
        assert by_name[name]["p50_ms"] > 0 and by_name[name]["p99_ms"] >= by_name[name]["p50_ms"]
