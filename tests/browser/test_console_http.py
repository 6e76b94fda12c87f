"""The console's rules over plain HTTP (no browser): session cookie, CSRF, headers, errors,
redirects, the month close as a command. (The catalogues: test_catalogues.py.)

These run on every configured backend, like the API tests (tests/conftest.py).
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import unquote

import pytest
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from api.app import create_app
from api.console.csrf import CSRF_COOKIE, form_token
from api.console.headers import CSP
from api.console.pages.auth import safe_next
from api.console.session import SESSION_COOKIE
from domain.meta import Role
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from projections.audit_query import AuditFilter, whole_trail
from projections.catalog import VIEWS, close_views, views_of
from projections.runner import catch_up_all
from tests.browser.world import build_world


@pytest.fixture
def web(service: EConcierge) -> TestClient:
    with TestClient(create_app(service)) as client:
        yield client
    close_views(service)


def _sign_in(client: TestClient, token: str) -> None:
    client.get("/console/sign-in")  # the page sets the CSRF nonce cookie
    nonce = client.cookies[CSRF_COOKIE]
    answer = client.post(
        "/console/sign-in",
        data={"token": token, "csrf_token": form_token(nonce, None)},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text


def _heading(html: str) -> str:
    """The text of the page's h1."""
    found = re.search(r"<h1>(.*?)</h1>", html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", found.group(1)).strip() if found else ""


def test_after_sign_in_only_pages_of_this_console_are_followed() -> None:
    assert safe_next("/console/disputes?q=x") == "/console/disputes?q=x"
    for hostile in (
        "//evil.example/console",
        "https://evil.example",
        "/v1/audit",
        "/consolex",
        "/\\evil",
    ):
        assert safe_next(hostile) == "/console"


def test_the_session_cookie_is_httponly_strict_and_ends_with_the_token(web: TestClient) -> None:
    token = web.app.state.tokens.issue(sub="op", role=Role.OPERATOR, ttl=timedelta(hours=2))
    web.get("/console/sign-in")
    answer = web.post(
        "/console/sign-in",
        data={"token": token, "csrf_token": form_token(web.cookies[CSRF_COOKIE], None)},
        follow_redirects=False,
    )

    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert (
        "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    )
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
    assert 7100 <= max_age <= 7200
    assert "Secure" not in cookie  # plain HTTP here: a Secure cookie would never come back


def test_over_tls_the_session_cookie_is_secure(service: EConcierge) -> None:
    with TestClient(create_app(service), base_url="https://console.example") as client:
        client.get("/console/sign-in")
        token = client.app.state.tokens.issue(sub="op", role=Role.OPERATOR)
        answer = client.post(
            "/console/sign-in",
            data={"token": token, "csrf_token": form_token(client.cookies[CSRF_COOKIE], None)},
            follow_redirects=False,
        )
        cookie = next(
            h for h in answer.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE)
        )
        assert "Secure" in cookie
    close_views(service)


def test_a_sign_in_without_the_csrf_token_is_refused(web: TestClient) -> None:
    token = web.app.state.tokens.issue(sub="op", role=Role.OPERATOR)
    web.get("/console/sign-in")

    answer = web.post("/console/sign-in", data={"token": token}, follow_redirects=False)

    assert answer.status_code == 403 and SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_csrf_token_of_another_session_is_refused(web: TestClient) -> None:
    _sign_in(web, web.app.state.tokens.issue(sub="op", role=Role.OPERATOR))
    signed_out_token = form_token(web.cookies[CSRF_COOKIE], None)

    answer = web.post("/console/sign-out", data={"csrf_token": signed_out_token})

    assert answer.status_code == 403


def test_an_expired_or_forged_token_does_not_sign_in(web: TestClient) -> None:
    expired = web.app.state.tokens.issue(sub="op", role=Role.OPERATOR, ttl=timedelta(seconds=-60))
    web.get("/console/sign-in")
    answer = web.post(
        "/console/sign-in",
        data={"token": expired, "csrf_token": form_token(web.cookies[CSRF_COOKIE], None)},
    )
    assert answer.status_code == 401


def test_the_console_session_never_authenticates_the_api(web: TestClient) -> None:
    """The API is bearer-only, so a cross-site form can never ride on the console's cookie."""
    token = web.app.state.tokens.issue(sub="op", role=Role.OPERATOR)
    web.cookies.set(SESSION_COOKIE, token)

    assert web.get("/v1/audit").status_code == 401


def test_an_api_call_needs_no_csrf_token(web: TestClient) -> None:
    token = web.app.state.tokens.issue(sub="op", role=Role.OPERATOR)
    body = {"sites": [{"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 30}]}

    answer = web.post("/v1/quotes", json=body, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code in (200, 201)


def test_the_exported_document_allows_only_its_own_inline_style(
    web: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    world = build_world(service, clock)
    catch_up_all(service, views_of(service), VIEWS)
    _sign_in(web, web.app.state.tokens.issue(sub="auditor", role=Role.COMPLIANCE))

    answer = web.get(f"/console/disputes/contracts/{world.sakura.contract_id}/export?format=html")

    policy = answer.headers["content-security-policy"]
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    assert re.fullmatch(
        r"default-src 'none'; style-src 'sha256-[^']+'; frame-ancestors 'none'", policy
    )


def test_every_console_page_has_a_rule_or_is_public(web: TestClient) -> None:
    from api.console.access import PAGES

    missing = []
    for route in web.app.routes:
        if not route.path.startswith("/console") or route.path.startswith("/console/static"):
            continue
        for handler in route.route_handlers:  # type: ignore[attr-defined]
            for method in handler.http_methods - {"OPTIONS", "HEAD"}:
                key = f"{method} {re.sub(r':[a-z]+}', '}', route.path).rstrip('/') or '/'}"
                if not handler.opt.get("public") and key not in PAGES:
                    missing.append(key)
    assert missing == []


def test_only_billing_closes_a_month(web: TestClient) -> None:
    _sign_in(web, web.app.state.tokens.issue(sub="op", role=Role.OPERATOR))
    token = form_token(web.cookies[CSRF_COOKIE], web.cookies[SESSION_COOKIE])

    assert web.get("/console/billing/close?month=2026-10").status_code == 403
    answer = web.post("/console/billing/close", data={"month": "2026-10", "csrf_token": token})
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("method", "path", "status", "heading"),
    [
        ("GET", "/console/contracts/not-a-uuid", 404, "見つかりません (404)"),
        ("GET", "/console/disputes/tickets/123/export?format=jsonl", 404, "見つかりません (404)"),
        ("GET", "/console/no-such-page", 404, "見つかりません (404)"),
        ("DELETE", "/console/billing", 405, "この操作はできません (405)"),
        ("GET", "/console/billing?month=13-2026", 400, "入力が正しくありません (400)"),
        ("GET", "/console/billing/close?month=2026-10", 403, "権限がありません (403)"),
    ],
)
def test_every_console_error_is_a_page_with_the_consoles_headers(
    web: TestClient, method: str, path: str, status: int, heading: str
) -> None:
    # given an operator signed in to the console (issue 8: pages, not API problems)
    _sign_in(web, web.app.state.tokens.issue(sub="op", role=Role.OPERATOR))

    # when an address is malformed, unknown, or asks what the page does not do
    answer = web.request(method, path)

    # then the answer is an HTML error page under the console's strict policy
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == CSP
    assert answer.headers["cache-control"] == "no-store"
    assert _heading(answer.text) == heading
    assert "op（運営者）" in answer.text  # the page knows who is signed in


def test_routing_errors_outside_the_console_stay_problem_details(web: TestClient) -> None:
    answer = web.get("/v1/no-such-resource")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "content-security-policy" not in answer.headers


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example/console",
        "///console",
        "https://evil.example/console",
        "/console/../../evil",
        "/console/%2e%2e/v1/audit",
        "/console/\t//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
    ],
)
def test_the_language_switch_only_goes_back_to_a_console_page(
    web: TestClient, hostile: str
) -> None:
    # when a link switches the language with a `next` outside the console
    answer = web.get(
        "/console/language", params={"to": "en", "next": hostile}, follow_redirects=False
    )

    # then it still switches, but goes to the console's home, never elsewhere
    assert answer.status_code == 303 and answer.headers["location"] == "/console"
    assert "econcierge_lang=en" in answer.headers["set-cookie"]


def test_the_language_switch_returns_to_the_page_it_was_clicked_on(web: TestClient) -> None:
    answer = web.get(
        "/console/language",
        params={"to": "ja", "next": "/console/disputes?q=さくら"},
        follow_redirects=False,
    )

    assert unquote(answer.headers["location"]) == "/console/disputes?q=さくら"


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.BILLING, True), (Role.OPERATOR, False), (Role.COMPLIANCE, False)]
)
def test_only_a_role_that_may_close_a_month_is_offered_the_close(
    web: TestClient, role: Role, shown: bool
) -> None:
    # given someone who reads the billing page of an open month (rule P14: billing closes)
    _sign_in(web, web.app.state.tokens.issue(sub="someone", role=role))

    # when it opens the month's statements
    page = web.get("/console/billing?month=2026-10")

    # then only billing sees the way to the close, which the others would be refused
    assert page.status_code == 200
    assert ('href="/console/billing/close?month=2026-10"' in page.text) is shown


def _command_count(outcome: str, rule: str = "") -> float:
    labels = {"command": "billing.close_month", "outcome": outcome, "rule": rule}
    return REGISTRY.get_sample_value("econcierge_commands_total", labels) or 0.0


def test_closing_a_month_in_the_console_is_a_command_like_the_apis(
    web: TestClient, service: EConcierge, caplog: pytest.LogCaptureFixture
) -> None:
    # given a billing clerk on the confirmation page of October (rule P14)
    _sign_in(web, web.app.state.tokens.issue(sub="billing-mori", role=Role.BILLING))
    web.get("/console/billing/close?month=2026-10")
    form = {
        "month": "2026-10",
        "key": "confirm-1",
        "csrf_token": form_token(web.cookies[CSRF_COOKIE], web.cookies[SESSION_COOKIE]),
    }
    accepted, refused = _command_count("accepted"), _command_count("refused", "P14")
    caplog.set_level(logging.INFO, logger="econcierge.commands")

    # when it confirms, its request carrying a correlation id
    answer = web.post(
        "/console/billing/close",
        data=form,
        headers={"X-Correlation-Id": "close-october-1"},
        follow_redirects=False,
    )

    # then the close is recorded under that correlation id, counted and logged as a command
    assert answer.status_code == 303
    catch_up_all(service, views_of(service), VIEWS)
    with views_of(service).read() as tx:
        closed = [e for e in whole_trail(tx, AuditFilter()) if e.event_type == "MonthClosed"]
    assert [e.correlation_id for e in closed] == ["close-october-1"]
    assert _command_count("accepted") == accepted + 1
    logged = [r for r in caplog.records if r.name == "econcierge.commands"]
    assert [(r.command, r.outcome) for r in logged] == [("billing.close_month", "accepted")]  # type: ignore[attr-defined]

    # and a second close of the same month, from another confirmation, is refused by P14
    again = web.post("/console/billing/close", data=form | {"key": "confirm-2"})
    assert again.status_code == 409 and "P14" in again.text
    assert _command_count("refused", "P14") == refused + 1
