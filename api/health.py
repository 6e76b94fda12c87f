"""Liveness and readiness probes."""

from __future__ import annotations

from litestar import Response, get

from api.context import Service


@get("/healthz", summary="The process is alive", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", summary="The event store answers", sync_to_thread=True)
def readyz(service: Service) -> Response[dict[str, str]]:
    if service.is_ready():
        return Response({"status": "ready"})
    return Response({"status": "store unreachable"}, status_code=503, headers={"Retry-After": "5"})
