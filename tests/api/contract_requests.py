"""Request builders shared by the contract API tests."""

from __future__ import annotations

from typing import Any

from httpx import Response
from litestar.testing import TestClient

from infra.bootstrap import EConcierge


def site(cluster: str = "hq", clients: int = 30, **more: Any) -> dict[str, Any]:
    """One Tokyo office as the API takes it."""
    return {"prefecture": "Tokyo", "city": "Minato", "cluster": cluster, "clients": clients, **more}


def application(*sites: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A contract application body (30 clients in one cluster unless told otherwise)."""
    return {
        "customer_name": "Sakura Trading",
        "quote": {"sites": list(sites or (site(),))},
        **fields,
    }


def create(client: TestClient, **fields: Any) -> dict[str, Any]:
    """Apply for a contract and return the 201 body."""
    answer = client.post("/v1/contracts", json=application(**fields))
    assert answer.status_code == 201, answer.text
    return answer.json()


def is_problem(answer: Response, status: int) -> dict[str, Any]:
    """Assert an RFC 9457 problem of that status and return its body."""
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["status"] == status
    return body


def log_size(service: EConcierge) -> int:
    """How many events the log holds (every aggregate, idempotency records included).

    Counted, not read off the highest id: a PostgreSQL insert that lost a race still used
    up a sequence number, so ids may have gaps.
    """
    return len(service.recorder.select_notifications(start=None, limit=1_000_000))
