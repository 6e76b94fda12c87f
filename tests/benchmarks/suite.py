"""What the benchmarks share in one run: sizes, figures measured so far."""

from __future__ import annotations

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
