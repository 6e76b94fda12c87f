"""Failures become problem details: 503 with Retry-After for a store outage, 500 otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import psycopg_pool
import pytest
from eventsourcing import persistence
from litestar.testing import TestClient

from infra.bootstrap import EConcierge
from tests.api.contract_requests import application, is_problem

OUTAGES: list[Callable[[], Exception]] = [
    lambda: psycopg.OperationalError("connection refused"),
    lambda: psycopg.InterfaceError("the connection is closed"),
    lambda: psycopg_pool.PoolTimeout("couldn't get a connection after 5.00 sec"),
    lambda: persistence.OperationalError("server closed the connection unexpectedly"),
    lambda: persistence.InterfaceError("connection already closed"),
]


def _failing(error: Exception) -> Callable[..., Any]:
    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise error

    return fail


@pytest.mark.parametrize("outage", OUTAGES, ids=lambda make: type(make()).__name__)
def test_a_store_outage_is_a_503_with_retry_after(
    client: TestClient,
    service: EConcierge,
    monkeypatch: pytest.MonkeyPatch,
    outage: Callable[[], Exception],
) -> None:
    monkeypatch.setattr(service, "apply_for_contract", _failing(outage()))
    answer = client.post("/v1/contracts", json=application())
    body = is_problem(answer, 503)
    assert answer.headers["retry-after"] == "2"
    assert body["type"].endswith("/store-unavailable")
    assert "same Idempotency-Key" in body["detail"]


def test_an_unexpected_error_is_a_500_problem_without_a_traceback(
    client: TestClient, service: EConcierge, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "apply_for_contract", _failing(KeyError("internal-secret-detail")))
    answer = client.post("/v1/contracts", json=application())
    body = is_problem(answer, 500)
    assert body["title"] == "Internal server error"
    assert body["correlation_id"] == answer.headers["x-correlation-id"]
    assert "Traceback" not in answer.text and "internal-secret-detail" not in answer.text
    assert "KeyError" not in answer.text and ".py" not in answer.text
