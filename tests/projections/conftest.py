"""Fixtures of the read-side tests: view stores are closed after each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from projections.catalog import close_views


@pytest.fixture(autouse=True)
def _close_view_stores(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    service = request.node.funcargs.get("service")
    if service is not None:
        close_views(service)  # its PostgreSQL pool, so schemas can be dropped
