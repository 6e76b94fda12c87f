"""One figure of the suite: a value, its same-run baseline, their ratio and the target."""

from __future__ import annotations

import operator
import statistics
from collections.abc import Sequence
from typing import Any

_COMPARE = {">=": operator.ge, "<=": operator.le}


def figure(
    name: str,
    value: float,
    unit: str,
    baseline: float,
    target: str | None,
    **extra: Any,
) -> dict[str, Any]:
    """A figure as the JSON reports it; `target` is e.g. ">= 0.6" (None: for the record)."""
    ratio = value / baseline if baseline else 0.0
    met: bool | None = None
    if target:
        sign, number = target.split()
        met = _COMPARE[sign](ratio, float(number))
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "met": met,
        **extra,
    }


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50 and p99 in milliseconds (empty input: zeros)."""
    if not seconds:
        return {"p50_ms": 0.0, "p99_ms": 0.0}
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(p99 * 1000, 3),
    }


def normalised(found: dict[str, Any]) -> dict[str, Any]:
    """A figure from another module: a bare-number target reads as ">= number"."""
    target = found.get("target")
    if isinstance(target, int | float):
        found = {**found, "target": f">= {target}"}
    return found
