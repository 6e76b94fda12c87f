"""What the benchmarks share in one run: sizes, figures measured so far."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Bench:
    """One run of the suite; `quick` shrinks every size and duration."""

    quick: bool
    figures: list[dict[str, Any]] = field(default_factory=list)
    #: Numbers one benchmark hands to another (e.g. benchmark 1's sustained write rate).
    shared: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def seconds(self, full: float) -> float:
        """How long one timed run lasts."""
        return 1.5 if self.quick else full

    def size(self, quick: int, full: int) -> int:
        return quick if self.quick else full

    def add(self, *figures: dict[str, Any]) -> None:
        self.figures.extend(figures)

    def progress(self, label: str, every: float = 2.0) -> Callable[[int, int], None]:
        """A callback for long loads: prints `label: done/total (rate/s)` to stderr now and then."""
        began = last = time.monotonic()
        first: list[int] = []  # the count at the first report: the rate is of this run's work

        def report(done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            first[:] = first or [done]
            if now - last >= every or done >= total:
                last = now
                rate = (done - first[0]) / max(now - began, 1e-9)
                print(f"   {label}: {done:,}/{total:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)

        return report
