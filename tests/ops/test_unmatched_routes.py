"""Requests that match no route (404, 405) are counted and logged like every other one."""

from __future__ import annotations

from litestar.testing import TestClient

from tests.ops.conftest import JsonLines
from tests.ops.test_metrics import scrape, value

UNMATCHED = {"app_name": "econcierge", "path": "unmatched"}


def _counted(samples: dict, method: str, status: int) -> float:
    labels = UNMATCHED | {"method": method, "status_code": str(status)}
    return value(samples, "econcierge_http_requests_total", **labels)


def test_an_unknown_path_is_counted_and_logged_under_the_unmatched_route(
    anonymous: TestClient, json_logs: JsonLines
) -> None:
    before = scrape(anonymous)

    answer = anonymous.get("/no/such/page", headers={"X-Correlation-Id": "probe-404"})

    assert answer.status_code == 404
    assert answer.headers["x-correlation-id"] == "probe-404"
    after = scrape(anonymous)
    assert _counted(after, "GET", 404) == _counted(before, "GET", 404) + 1
    duration = "econcierge_http_request_duration_seconds_count"
    labels = UNMATCHED | {"method": "GET", "status_code": "404"}
    assert value(after, duration, **labels) == value(before, duration, **labels) + 1
    (line,) = json_logs.lines(logger="econcierge.http", correlation_id="probe-404")
    assert (line["route"], line["status"], line["method"]) == ("unmatched", 404, "GET")
    ours = [line for line in json_logs.lines() if line["logger"].startswith("econcierge")]
    assert "/no/such/page" not in str(ours)  # the raw path is neither a label nor logged


def test_a_method_the_route_does_not_take_is_counted_and_logged_as_405(
    anonymous: TestClient, json_logs: JsonLines
) -> None:
    before = scrape(anonymous)

    answer = anonymous.post("/healthz")

    assert answer.status_code == 405
    cid = answer.headers["x-correlation-id"]  # a fresh one: the client sent none
    assert _counted(scrape(anonymous), "POST", 405) == _counted(before, "POST", 405) + 1
    (line,) = json_logs.lines(logger="econcierge.http", correlation_id=cid)
    assert (line["route"], line["status"]) == ("unmatched", 405)


def test_a_matched_route_is_still_counted_once_under_its_own_template(
    anonymous: TestClient, json_logs: JsonLines
) -> None:
    answer = anonymous.post("/v1/contracts", headers={"X-Correlation-Id": "probe-401"})

    assert answer.status_code == 401
    assert answer.headers.get_list("x-correlation-id") == ["probe-401"]
    (line,) = json_logs.lines(logger="econcierge.http", correlation_id="probe-401")
    assert (line["route"], line["status"]) == ("/v1/contracts", 401)
