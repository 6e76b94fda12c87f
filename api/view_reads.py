"""Read-your-writes for the views' HTTP reads (issue 6): wait, bounded, for `min_position`.

A command's response carries the log `position` it wrote; a query passing it as
`min_position` waits (up to `READ_YOUR_WRITES_TIMEOUT` seconds) until the view it reads
has processed it, with the projection engineer's `wait_for_position`. If the view is
still behind then, the answer is given anyway and says so (`stale: true`, `position`).
"""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

from domain.errors import InvalidInput
from infra.bootstrap import EConcierge
from projections.catalog import views_of
from projections.runner import head, wait_for_position

READ_YOUR_WRITES_TIMEOUT = 5.0

MinPosition = Annotated[
    int | None,
    QueryParameter(ge=0, description="Wait (up to 5 s) until the view has this log position."),
]


def caught_up(service: EConcierge, view: str, min_position: int | None) -> tuple[int, bool]:
    """The view's position, and whether it reached `min_position` (a position never
    written is a 422)."""
    if min_position is not None and min_position > head(service):
        raise InvalidInput(
            f"min_position {min_position} is beyond the last position written ({head(service)})",
            min_position=min_position,
        )
    return wait_for_position(views_of(service), view, min_position, READ_YOUR_WRITES_TIMEOUT)
