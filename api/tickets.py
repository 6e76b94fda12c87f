"""HTTP resources of tickets (issue 3). Being built."""

from __future__ import annotations

ROUTES: list[object] = []
