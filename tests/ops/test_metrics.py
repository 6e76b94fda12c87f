"""GET /metrics lists the service's metrics, and traffic moves them.

Counters are process-wide, so each test compares a scrape before and after its traffic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families

from infra.bootstrap import EConcierge
from infra.metrics import unwatch, watch_relay, watch_worker
from tests.api.contract_requests import application, create
from workers.relay import RelayStatus


def scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of GET /metrics, by (name, sorted labels)."""
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def commands(samples: dict, command: str, outcome: str, rule: str = "") -> float:
    return value(samples, "econcierge_commands_total", command=command, outcome=outcome, rule=rule)


def test_http_requests_are_counted_and_timed_by_route_and_status(client: TestClient) -> None:
    route = {
        "app_name": "econcierge",
        "method": "POST",
        "path": "/v1/contracts",
        "status_code": "201",
    }
    before = scrape(client)
    create(client)
    after = scrape(client)
    assert (
        value(after, "econcierge_http_requests_total", **route)
        == value(before, "econcierge_http_requests_total", **route) + 1
    )
    count = "econcierge_http_request_duration_seconds_count"
    assert value(after, count, **route) == value(before, count, **route) + 1


def test_server_errors_are_counted_and_nothing_stays_in_progress(
    client: TestClient, service: EConcierge, monkeypatch: pytest.MonkeyPatch
) -> None:
    contract = create(client)
    route = {"app_name": "econcierge", "method": "GET", "path": "/v1/contracts/{contract_id}"}
    failed = {**route, "status_code": "500"}
    running = {**route, "status_code": "200"}  # the labels litestar's middleware gave the gauge

    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    before = scrape(client)
    monkeypatch.setattr(service, "get_contract", broken)
    assert client.get(f"/v1/contracts/{contract['id']}").status_code == 500
    after = scrape(client)
    for name in ("econcierge_http_requests_error_total", "econcierge_http_requests_total"):
        assert value(after, name, **failed) == value(before, name, **failed) + 1
    assert value(after, "econcierge_http_requests_in_progress", **running) == 0
    assert not any(k[0].startswith("econcierge_http") and ("path", "/metrics") in k[1] for k in after)


def test_command_outcomes_are_counted_by_command_with_the_refusing_rule(client: TestClient) -> None:
    before = scrape(client)
    contract = create(client)
    url = f"/v1/contracts/{contract['id']}"
    client.post("/v1/contracts", json=application(), headers={"Idempotency-Key": "m-1"})
    client.post("/v1/contracts", json=application(), headers={"Idempotency-Key": "m-1"})  # replayed
    client.post(f"{url}/client-count", json={"cluster": "nowhere", "clients": 3})  # rule P9
    client.post(
        f"{url}/client-count", json={"cluster": "hq", "clients": 3}, headers={"If-Match": "9"}
    )
    client.delete(f"{url}/cancellation")  # nothing to withdraw: a rule refuses it
    after = scrape(client)

    def moved(command: str, outcome: str, rule: str = "") -> float:
        return commands(after, command, outcome, rule) - commands(before, command, outcome, rule)

    assert moved("contracts.apply", "accepted") == 2
    assert moved("contracts.apply", "replayed") == 1
    assert moved("contracts.client_count", "invalid", "P9") == 1
    assert moved("contracts.client_count", "conflict") == 1
    refused = [
        k for k in after if k[0] == "econcierge_commands_total" and ("outcome", "refused") in k[1]
    ]
    assert any(
        ("command", "contracts.withdraw") in k[1] and after[k] > before.get(k, 0) for k in refused
    )


def test_event_store_appends_are_timed(client: TestClient) -> None:
    before = value(scrape(client), "econcierge_store_append_seconds_count")
    create(client)
    assert value(scrape(client), "econcierge_store_append_seconds_count") == before + 1


@pytest.fixture
def reporters() -> Iterator[None]:
    """A worker and a relay that report through the metrics callbacks, as the workers do."""
    watch_worker("test-worker", lambda: True)
    status = RelayStatus(
        connected=False, position=40, head=52, lag=12, published=40, last_error="down"
    )
    watch_relay("test-relay", lambda: status)
    yield
    unwatch("test-worker")
    unwatch("test-relay")


@pytest.mark.usefixtures("reporters")
def test_worker_liveness_and_relay_lag_are_reported(client: TestClient) -> None:
    samples = scrape(client)
    assert value(samples, "econcierge_worker_up", worker="test-worker") == 1
    assert value(samples, "econcierge_relay_lag_events", relay="test-relay") == 12
    assert value(samples, "econcierge_relay_position", relay="test-relay") == 40
    assert value(samples, "econcierge_relay_connected", relay="test-relay") == 0
    assert ("econcierge_relay_publish_errors_total", ()) in samples


def test_each_projection_reports_its_position_and_lag(
    client: TestClient, service: EConcierge
) -> None:
    from infra.metrics import CALLBACKS
    from workers.health import projection_figures

    create(client)
    CALLBACKS.projections(projection_figures(service))  # what the sampler thread does every 5 s
    samples = scrape(client)
    assert value(samples, "econcierge_projection_position", view="audit") == 0
    assert value(samples, "econcierge_projection_lag_events", view="audit") >= 1
