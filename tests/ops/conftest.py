"""Fixtures of the operations tests: a database of their own, and JSON log capture."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from infra.logs import JsonFormatter
from projections.catalog import close_views
from tests.conftest import PG_ADMIN_URL, _url_for


@pytest.fixture
def own_database() -> Iterator[str]:
    """A whole database (not a schema): an outage test refuses connections to it."""
    name = f"econcierge_ops_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield _url_for(name)
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class JsonLines:
    """The JSON lines the service logged while the fixture was active."""

    def __init__(self, stream: io.StringIO) -> None:
        self.stream = stream

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self, **match: Any) -> list[dict[str, Any]]:
        parsed = [json.loads(line) for line in self.text.splitlines() if line.strip()]
        return [p for p in parsed if all(p.get(k) == v for k, v in match.items())]


@pytest.fixture
def json_logs() -> Iterator[JsonLines]:
    """Route every log record through the service's JSON formatter into memory."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield JsonLines(stream)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@pytest.fixture(autouse=True)
def _close_view_stores(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    service = request.node.funcargs.get("service")
    if service is not None:
        close_views(service)  # its PostgreSQL pool, so the test's schema can be dropped
