"""Paging of list endpoints: `?limit=&cursor=`, with the limit capped by Settings.max_page_size.

A list handler declares `page: Paging` and gets a `Page` (the `page` dependency is
registered on the app). A limit above the maximum is a 422, never a silently huge page.
A handler that pages a list it holds in memory (in its answer order) takes its slice with
`slice_page`; a cursor that no page gave is a 422 (`bad_cursor`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

import msgspec
from litestar import Request
from litestar.di import NamedDependency, Provide
from litestar.exceptions import ValidationException
from litestar.params import QueryParameter

from domain.errors import InvalidInput

DEFAULT_LIMIT = 50
MAX_CURSOR_LENGTH = 500


class Page(msgspec.Struct, frozen=True):
    """Which slice of a list to answer: at most `limit` items after the opaque `cursor`."""

    limit: int
    cursor: str | None = None


def max_page_size(request: Request) -> int:
    return int(request.app.state.service.settings.max_page_size)


def provide_page(
    request: Request,
    limit: Annotated[
        int | None,
        QueryParameter(
            ge=1,
            description=f"Items per page (default {DEFAULT_LIMIT}; at most the server's "
            "max page size, ECONCIERGE_MAX_PAGE_SIZE, 200 unless configured).",
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        QueryParameter(
            max_length=MAX_CURSOR_LENGTH,
            description="Opaque cursor from the previous page's `next_cursor`.",
        ),
    ] = None,
) -> Page:
    """The page a list request asks for (422 when the limit exceeds the maximum)."""
    maximum = max_page_size(request)
    if limit is None:
        return Page(limit=min(DEFAULT_LIMIT, maximum), cursor=cursor)
    if limit > maximum:
        raise ValidationException(
            detail=f"limit must be at most {maximum}",
            extra=[{"key": "limit", "source": "query", "message": f"must be <= {maximum}"}],
        )
    return Page(limit=limit, cursor=cursor)


page_dependency = Provide(provide_page, sync_to_thread=False)

# The marker a list handler uses: `def list_x(self, page: Paging) -> ...`.
Paging = NamedDependency[Page]


T = TypeVar("T")


def bad_cursor(cursor: str) -> InvalidInput:
    """The 422 for a cursor that is not the `next_cursor` of a previous page."""
    return InvalidInput("cursor must be the `next_cursor` of a previous page", cursor=cursor)


def slice_page(ordered: Sequence[T], page: Page, start: int = 0) -> tuple[list[T], bool]:
    """At most `page.limit` items of a list in answer order, from index `start`; and whether
    more follow (then the last item's key is the `next_cursor`)."""
    return list(ordered[start : start + page.limit]), start + page.limit < len(ordered)
