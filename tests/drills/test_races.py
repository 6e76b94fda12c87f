"""Drill 4: 32 clients race on one contract over HTTP.

With `If-Match: <version>` exactly one writer wins each version and the others get 409;
32 concurrent retries of one request with one Idempotency-Key have exactly one effect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.drills.conftest import SITE
from tests.drills.processes import Api
from tests.drills.store import Figures, read_store

CLIENTS = 32
ROUNDS = 5


def _together(
    clients: list[httpx.Client], requests: list[Callable[[httpx.Client], httpx.Response]]
) -> list[httpx.Response]:
    """Send each request from its own thread and client, released at once by a barrier."""
    barrier = threading.Barrier(len(requests), timeout=30)

    def run(http: httpx.Client, send: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        http.get("/healthz")  # connected before the barrier: the race is on the command
        barrier.wait()
        return send(http)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, clients, requests))


def _count(
    path: str, clients: int, version: int | None = None, key: str | None = None
) -> Callable[[httpx.Client], httpx.Response]:
    """A request that records `clients` for the hq cluster (with If-Match / a key if given)."""
    headers = {"If-Match": str(version)} if version is not None else {}
    if key:
        headers["Idempotency-Key"] = key
    body = {"cluster": "hq", "clients": clients}
    return lambda http: http.post(f"{path}/client-count", json=body, headers=headers)


def test_one_writer_wins_each_version_and_one_key_has_one_effect(
    drill_db: str, start_api: Callable[..., Api], token: str, report: Callable[[Figures], None]
) -> None:
    api = start_api(drill_db)
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as http:
        created = http.post(
            "/v1/contracts", json={"customer_name": "race", "quote": {"sites": [SITE]}}
        )
    assert created.status_code == 201, created.text
    path = f"/v1/contracts/{created.json()['id']}"

    headers = {"Authorization": f"Bearer {token}"}
    clients = [
        httpx.Client(base_url=api.url, headers=headers, timeout=30.0) for _ in range(CLIENTS)
    ]
    wins, conflicts, other = 0, 0, []
    for version in range(1, ROUNDS + 1):
        answers = _together(clients, [_count(path, 100 + n, version) for n in range(CLIENTS)])
        statuses = [a.status_code for a in answers]
        wins += statuses.count(200)
        conflicts += statuses.count(409)
        other += [s for s in statuses if s not in (200, 409)]
        assert statuses.count(200) == 1, f"version {version}: {sorted(statuses)}"

    retries = _together(clients, [_count(path, 7, key="one-key") for _ in range(CLIENTS)])
    for http in clients:
        http.close()
    retry_statuses = sorted({a.status_code for a in retries})
    retry_versions = {a.json()["version"] for a in retries if a.status_code == 200}

    stored = read_store(drill_db)
    final = stored.versions[next(iter(stored.contract_ids))]
    effects_of_key = final - (1 + ROUNDS)
    figures = Figures(
        drill="4 races (32 clients)",
        sent=ROUNDS * CLIENTS + CLIENTS,
        acknowledged=wins + sum(1 for a in retries if a.status_code == 200),
        found=final - 1,  # the stored changes after the contract's creation
        lost=0,
        doubled=max(0, effects_of_key - 1),
        half_applied=0,
        answers_5xx=sum(1 for s in other if s >= 500)
        + sum(1 for a in retries if a.status_code >= 500),
        recovery_s=None,
        extra=f"wins={wins}/{ROUNDS} conflicts_409={conflicts} key_effects={effects_of_key}",
    )
    report(figures)
    assert (wins, conflicts, other) == (ROUNDS, ROUNDS * (CLIENTS - 1), [])
    assert retry_statuses == [200] and retry_versions == {ROUNDS + 2}
    assert effects_of_key == 1
