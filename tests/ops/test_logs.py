"""Logs are JSON lines that carry the correlation id the request's events carry too."""

from __future__ import annotations

import uuid

from litestar.testing import TestClient

from domain.aggregates.contract import Contract
from infra.bootstrap import EConcierge
from tests.api.contract_requests import application
from tests.ops.conftest import JsonLines


def test_one_request_can_be_followed_from_its_log_lines_to_its_events(
    client: TestClient, service: EConcierge, json_logs: JsonLines
) -> None:
    answer = client.post("/v1/contracts", json=application(customer_name="Kobayashi Shoji"))
    assert answer.status_code == 201
    correlation_id = answer.headers["x-correlation-id"]

    (request_line,) = json_logs.lines(logger="econcierge.http", correlation_id=correlation_id)
    (command_line,) = json_logs.lines(logger="econcierge.commands", correlation_id=correlation_id)
    assert request_line | {"ts": "", "duration_ms": 0} == {
        "ts": "",
        "level": "info",
        "logger": "econcierge.http",
        "msg": "request",
        "correlation_id": correlation_id,
        "method": "POST",
        "route": "/v1/contracts",
        "status": 201,
        "duration_ms": 0,
    }
    assert command_line["command"] == "contracts.apply"
    assert command_line["outcome"] == "accepted"
    (event,) = service.events.get(uuid.UUID(answer.json()["id"]))
    assert isinstance(event, Contract.ContractApplied)
    assert event.meta.correlation_id == correlation_id


def test_a_caller_chosen_correlation_id_is_kept_and_echoed(
    client: TestClient, service: EConcierge
) -> None:
    answer = client.post(
        "/v1/contracts", json=application(), headers={"X-Correlation-Id": "order-2026-0042"}
    )
    assert answer.headers["x-correlation-id"] == "order-2026-0042"
    (event,) = service.events.get(uuid.UUID(answer.json()["id"]))
    assert event.meta.correlation_id == "order-2026-0042"


def test_a_correlation_id_that_could_carry_anything_is_replaced(client: TestClient) -> None:
    answer = client.get("/healthz", headers={"X-Correlation-Id": "tanaka@example.jp <script>"})
    echoed = answer.headers["x-correlation-id"]
    assert echoed != "tanaka@example.jp <script>"
    uuid.UUID(echoed)


def test_refusals_log_the_rule_but_no_body_token_or_personal_data(
    client: TestClient, json_logs: JsonLines
) -> None:
    created = client.post("/v1/contracts", json=application(customer_name="Yamada Denki"))
    url = f"/v1/contracts/{created.json()['id']}/client-count"
    refused = client.post(url, json={"cluster": "nowhere", "clients": 3})
    (line,) = json_logs.lines(
        logger="econcierge.commands", correlation_id=refused.headers["x-correlation-id"]
    )
    assert (line["outcome"], line["rule"], line["status"]) == ("invalid", "P9", 422)
    token = client.headers["Authorization"].removeprefix("Bearer ")
    assert "Yamada" not in json_logs.text
    assert token not in json_logs.text and "nowhere" not in json_logs.text
