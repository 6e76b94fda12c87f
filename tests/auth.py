"""Sign test clients in as any actor, with real tokens signed by the service's secret."""

from __future__ import annotations

from litestar.testing import TestClient

from domain.meta import Role


def sign_in(
    client: TestClient,
    role: Role | str,
    sub: str | None = None,
    *,
    contracts: tuple[str, ...] = (),
    concierge: str | None = None,
) -> TestClient:
    """Make every later request of `client` carry a token for this actor."""
    tokens = client.app.state.tokens
    token = tokens.issue(sub=sub or f"{role}-user", role=Role(role), contracts=contracts, concierge=concierge)
    client.headers["Authorization"] = f"Bearer {token}"
    return client
