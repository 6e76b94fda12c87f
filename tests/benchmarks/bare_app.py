"""The HTTP baseline: a bare litestar endpoint doing one raw INSERT per request.

Served by uvicorn exactly as `econcierge serve` serves the API (api/server.py): same
stack, a sync handler on litestar's thread pool, a psycopg pool of the same size.
`python -m tests.benchmarks.bare_app URL PORT`.
"""

from __future__ import annotations

import sys

import uvicorn
from litestar import Litestar, get, post
from psycopg_pool import ConnectionPool

from tests.benchmarks.raw import CREATE, INSERT, PAYLOAD


def create_app(url: str, pool_size: int = 8) -> Litestar:
    pool = ConnectionPool(url, min_size=pool_size, max_size=pool_size, kwargs={"autocommit": True},
                          open=True)  # fmt: skip
    with pool.connection() as conn:
        conn.execute(CREATE)

    @post("/bare", sync_to_thread=True, status_code=201)
    def insert() -> dict[str, int]:
        with pool.connection() as conn:
            row = conn.execute(INSERT + " RETURNING id", (PAYLOAD,), prepare=True).fetchone()
        return {"id": row[0] if row else 0}

    @get("/healthz", sync_to_thread=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar([insert, healthz], on_shutdown=[pool.close])


if __name__ == "__main__":
    url, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(create_app(url), host="127.0.0.1", port=port, log_config=None, access_log=False,
                timeout_keep_alive=5)  # fmt: skip
