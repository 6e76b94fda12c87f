"""The console obeys the API's rules: tenant (404), role (403), session, CSRF (issue 8)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from domain.meta import Role
from tests.browser.conftest import Console, fits_the_width, sign_in


def test_a_customer_sees_its_own_contract_and_a_404_for_another_companys(
    page: Any, console: Console
) -> None:
    sakura, kaede = console.world.sakura, console.world.kaede
    token = console.token(Role.CUSTOMER, sakura.customer, contracts=(sakura.contract_id,))
    sign_in(page, console, token)

    page.get_by_role("link", name=sakura.contract_id).click()
    assert page.get_by_role("heading", level=1).inner_text() == "さくら商事"
    assert "3階のプリンターが紙詰まり" in page.locator("main").inner_text()

    response = page.goto(f"{console.url}/console/contracts/{kaede.contract_id}")

    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "見つかりません (404)"
    assert "かえで食品" not in page.content()


def test_a_role_without_the_right_gets_a_403_page(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.BILLING, "billing-mori"))

    response = page.goto(f"{console.url}/console/disputes")

    assert response is not None and response.status == 403
    assert "権限がありません" in page.get_by_role("heading", level=1).inner_text()


def test_a_form_posted_without_its_csrf_token_is_refused(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.locator("form.sign-out input[name=csrf_token]").evaluate("input => input.remove()")

    with page.expect_response(lambda r: r.url.endswith("/console/sign-out")) as answer:
        page.get_by_role("button", name="サインアウト").click()

    assert answer.value.status == 403
    assert "確認トークン" in page.locator("main").inner_text()
    page.goto(f"{console.url}/console/contracts")  # still signed in: nothing was done
    assert page.get_by_role("heading", level=1).inner_text() == "契約一覧"


def test_without_a_session_a_page_asks_to_sign_in_and_returns_there(
    page: Any, console: Console
) -> None:
    page.goto(f"{console.url}/console/dispatch")
    assert "/console/sign-in" in page.url

    page.get_by_label("ベアラートークン").fill(console.token(Role.OPERATOR, "op-tanaka"))
    page.get_by_role("button", name="サインイン").click()

    page.wait_for_url(f"{console.url}/console/dispatch")
    session = next(c for c in page.context.cookies() if c["name"] == "econcierge_session")
    assert session["httpOnly"] and session["sameSite"] == "Strict" and session["path"] == "/console"
    assert session["expires"] > 0  # ends with the token, not with the browser


def test_every_page_sends_a_strict_content_security_policy(page: Any, console: Console) -> None:
    response = page.goto(f"{console.url}/console/sign-in")

    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy


def test_the_operator_watches_the_dispatch_board_by_urgency_then_age(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.get_by_role("link", name="出動ボード").first.click()

    rows = page.locator("table.board tbody tr")
    assert rows.count() == 2
    assert "全社のネットワークが停止" in rows.nth(0).inner_text()  # emergency first (O3)
    assert "目標超過" in rows.nth(1).inner_text()  # opened on 17 November, no arrival yet
    assert rows.nth(1).get_attribute("class") == "late"


def test_a_concierge_sees_only_its_own_tickets(page: Any, console: Console) -> None:
    sakura = console.world.sakura
    token = console.token(Role.CONCIERGE, "sato", concierge=sakura.concierge_id)
    sign_in(page, console, token)
    page.goto(f"{console.url}/console/dispatch")

    board = page.locator("table.board tbody").inner_text()
    assert "3階のプリンターが紙詰まり" in board and "全社のネットワークが停止" not in board


def test_the_operator_lists_contracts_with_fee_units_and_earliest_end(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.get_by_role("link", name="契約一覧").first.click()

    sakura = page.get_by_role("row", name="さくら商事").inner_text()
    assert "¥86,000" in sakura and "サービス中" in sakura
    assert "2027年1月31日" in sakura  # asked on 2 December: a month's notice, end of a month (C4)
    page.get_by_role("link", name="さくら商事").click()
    assert "佐藤 健" in page.locator("main").inner_text()  # the cluster's concierge (K2)


def test_english_is_one_click_away(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.get_by_role("link", name="English").click()

    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Contracts").first.click()
    assert "¥86,000" in page.get_by_role("row", name="さくら商事").inner_text()

    page.goto(f"{console.url}/console/disputes/tickets/{console.world.sakura.ticket_id}")
    explanation = page.locator("li.claim .explanation").first.inner_text()
    assert explanation.startswith("The damage arose from work whose risk the customer")
    page.goto(f"{console.url}/console/disputes/contracts/{console.world.sakura.contract_id}")
    renegotiated = page.get_by_role("row", name=re.compile("Fee renegotiated"))
    assert "Fee changed from ¥92,400 to ¥86,000/month from 01 Oct 2026" in renegotiated.inner_text()


def test_the_operator_sees_a_contracts_clusters_concierges_and_open_tickets(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.goto(f"{console.url}/console/contracts/{console.world.sakura.contract_id}")

    # its site cluster, the concierge serving it (K2), and the volume recorded
    cluster = page.get_by_role("region", name="拠点クラスター").get_by_role("row", name="hq")
    for cell in ("Tokyo Minato", "30", "担当中", "佐藤 健"):
        assert cell in cluster.inner_text()
    # its open ticket, past the 24-hour target (O3), and no other company's
    tickets = page.get_by_role("region", name="未完了のチケット")
    assert tickets.get_by_role("row").count() == 2  # the header, and one ticket
    ticket = tickets.get_by_role("row", name=re.compile("3階のプリンターが紙詰まり"))
    assert "高" in ticket.inner_text() and "目標超過" in ticket.inner_text()
    assert "全社のネットワークが停止" not in page.locator("main").inner_text()


PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_pages_fit_a_phone_and_work_from_the_keyboard(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.goto(f"{console.url}/console/disputes/contracts/{console.world.sakura.contract_id}")

    assert fits_the_width(page, PHONE["width"])  # no sideways scroll
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


@pytest.mark.parametrize(
    ("page", "role", "path", "content"),
    [
        (PHONE, Role.BILLING, "/console/billing?month=2026-11", "article.statement tbody tr"),
        (PHONE, Role.OPERATOR, "/console/contracts", "table tbody tr"),
        (PHONE, Role.OPERATOR, "/console/dispatch", "table.board tbody tr"),
        (PHONE, Role.OPERATOR, "/console/contracts/{contract}", "table tbody tr"),
    ],
    ids=["billing", "contracts", "dispatch", "contract"],
    indirect=["page"],
)
def test_each_page_fits_a_phone(
    page: Any, console: Console, role: Role, path: str, content: str
) -> None:
    # given someone on a phone (390 px wide)
    sign_in(page, console, console.token(role, "someone"))

    # when it opens the page
    page.goto(console.url + path.format(contract=console.world.sakura.contract_id))

    # then nothing scrolls sideways, and the page's content is there within the width
    assert fits_the_width(page, PHONE["width"])
    assert page.get_by_role("heading", level=1).is_visible()
    first = page.locator(content).first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert first.is_visible() and box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
