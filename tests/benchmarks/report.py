"""The suite's outputs: a rich table on the terminal and the same figures as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

FIELDS = ("name", "value", "unit", "baseline", "ratio", "target", "met")


def table(figures: Sequence[dict[str, Any]], title: str) -> Table:
    out = Table(title=title)
    for column in ("figure", "value", "unit", "baseline", "ratio", "target", "met", "p50 ms", "p99 ms"):
        out.add_column(column, justify="left" if column in ("figure", "unit") else "right")
    for f in figures:
        met = {True: "[green]yes", False: "[red]no", None: "-"}[f["met"]]
        out.add_row(
            f["name"], _num(f["value"]), f["unit"], _num(f["baseline"]), f"{f['ratio']:.3f}",
            str(f["target"] or "-"), met, _num(f.get("p50_ms")), _num(f.get("p99_ms")),
        )  # fmt: skip
    return out


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:.3f}"


def print_table(figures: Sequence[dict[str, Any]], title: str) -> None:
    Console(width=140).print(table(figures, title))


def write_json(figures: Sequence[dict[str, Any]], path: Path) -> None:
    """The JSON list: every figure's FIELDS first, then its details (p50/p99, sizes)."""
    ordered = [{**{k: f[k] for k in FIELDS}, **f} for f in figures]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(ordered, indent=2, default=str) + "\n")


def markdown(figures: Sequence[dict[str, Any]]) -> str:
    """The figures as a Markdown table (for the README's performance section)."""
    rows = ["| figure | value | unit | baseline | ratio | target | met | p50 ms | p99 ms |",
            "|---|---:|---|---:|---:|---|---|---:|---:|"]  # fmt: skip
    for f in figures:
        met = {True: "yes", False: "**no**", None: "-"}[f["met"]]
        rows.append(
            f"| {f['name']} | {_num(f['value'])} | {f['unit']} | {_num(f['baseline'])} | "
            f"{f['ratio']:.3f} | {f['target'] or '-'} | {met} | {_num(f.get('p50_ms'))} | "
            f"{_num(f.get('p99_ms'))} |"
        )
    return "\n".join(rows)
