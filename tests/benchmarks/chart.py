"""The suite's chart: command latency against store size, throughput against concurrency.

Drawn from the figures alone, so a saved JSON can be drawn again:
`python -m tests.benchmarks.chart FIGURES.json CHART.png`.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display: write the PNG only

import matplotlib.pyplot as plt

_RATE = re.compile(r"^(?P<series>.+)\.c(?P<threads>\d+)$")


def draw(figures: Sequence[dict[str, Any]], path: Path, title: str) -> None:
    """Two panels; a panel with no data in this run says so."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for f in figures:
        if f["name"].endswith("command_p50") and "store_events" in f:
            xs = [f["baseline_store_events"], f["store_events"]]
            left.plot(xs, [f["baseline"], f["value"]], marker="o", label=f["name"])
    left.set(title="Command latency (p50) against store size", xlabel="events stored",
             ylabel="ms")  # fmt: skip
    left.set_ylim(bottom=0)
    series: dict[str, list[tuple[int, float, float]]] = {}
    for f in figures:
        match = _RATE.match(f["name"])
        if match and f["unit"] in ("commands/s", "requests/s"):
            series.setdefault(match["series"], []).append((int(match["threads"]), f["value"],
                                                            f["baseline"]))  # fmt: skip
    for name, points in series.items():
        points.sort()
        xs = [p[0] for p in points]
        line = right.plot(xs, [p[1] for p in points], marker="o", label=name)[0]
        right.plot(xs, [p[2] for p in points], marker="x", linestyle="--", color=line.get_color(),
                   label=f"{name} baseline")  # fmt: skip
    right.set(title="Throughput against concurrency (dashed: same-run baseline)",
              xlabel="concurrent clients", ylabel="per second (log)", yscale="log")  # fmt: skip
    right.set_xticks([1, 2, 3, 4])
    for axes in (left, right):
        if axes.lines:
            axes.legend(fontsize=7)
        else:
            axes.text(0.5, 0.5, "not measured in this run", ha="center", transform=axes.transAxes)
        axes.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    draw(json.loads(source.read_text()), target, f"e-Concierge benchmarks ({source.name})")
