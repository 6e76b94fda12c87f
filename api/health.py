"""Liveness and readiness probes (no token: a load balancer or an orchestrator calls them)."""

from __future__ import annotations

import anyio.to_thread
from litestar import Request, Response, get

from api.context import Service
from infra.outage import RETRY_AFTER_SECONDS, StoreGuard


@get("/healthz", summary="The process is alive", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", summary="The event store answers and its schema is in place", sync_to_thread=True)
def readyz(request: Request, service: Service) -> Response[dict[str, str]]:
    """200 when commands can be served; 503 with Retry-After while the store is unreachable."""
    guard: StoreGuard | None = getattr(request.app.state, "store_guard", None)
    if guard is not None and guard.watched:
        reason = guard.probe()  # a direct connection: bounded by its connect timeout
    else:
        reason = None if service.is_ready() else "unreachable"
    if reason is None:
        return Response({"status": "ready"})
    return Response(
        {"status": "not ready", "store": reason},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def refuse_while_store_down(request: Request) -> None:
    """Before each /v1 request: while the store is known down, answer 503 without waiting."""
    guard: StoreGuard | None = getattr(request.app.state, "store_guard", None)
    if guard is not None and not guard.up:
        await anyio.to_thread.run_sync(guard.check)  # raises StoreUnavailable → 503
