"""A billing clerk reads a month's statements and closes the month (issue 8)."""

from __future__ import annotations

import re
from typing import Any

from domain.meta import Role
from tests.browser.conftest import Console, sign_in, tab_to


def test_billing_reads_a_statement_with_an_adjustment_and_closes_the_month_from_the_keyboard(
    page: Any, console: Console
) -> None:
    # given a billing clerk on the billing page (Japanese by default)
    sign_in(page, console, console.token(Role.BILLING, "billing-mori"))
    page.get_by_role("link", name="請求").first.click()

    # then November's statement has its lines in Japanese, amounts in yen (P13, P14)
    assert page.get_by_role("heading", level=2).inner_text() == "2026年11月分の請求書"
    statement = page.get_by_role("article", name="さくら商事")
    fee = statement.locator("tbody tr").first
    assert fee.locator("td").first.inner_text() == "月額料金（P1）、2026年11月分"
    adjustment = statement.locator("tr.adjustment")
    assert adjustment.locator("td").first.inner_text() == (  # October was closed already
        "2026年10月分の調整：月額料金（P1）、2026年10月分（2026年10月5日開始、初月も全額請求、C1）"
    )
    assert "-¥6,400" in adjustment.inner_text()  # the fee, backdated into October
    assert "月額改定" in adjustment.locator("ul.evidence").inner_text()  # the event behind it
    assert adjustment.get_by_role("link").count() == 0  # billing does not read the trail
    totals = statement.locator("dl.totals").inner_text()
    assert "¥79,600" in totals and "¥7,236" in totals  # 86,000 - 6,400; tax once (P13)
    assert not re.search(r"\byen\b", page.locator("main").inner_text())

    # when it closes the month with the keyboard alone: Tab to the close, Enter, confirm
    tab_to(page, "2026年11月を締める")
    page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "2026年11月を締める"
    tab_to(page, "2026年11月を締める（確定）")
    page.keyboard.press("Enter")

    # then the month is closed (P14)
    assert page.get_by_role("status").inner_text() == "2026年11月を締めました。"
    assert "2026年11月は締め済みです。" in page.locator("main").inner_text()


def test_an_evidence_event_of_a_line_links_to_its_row_in_the_contracts_timeline(
    page: Any, console: Console
) -> None:
    # given compliance, who reads both the statements and the trail, on November's statements
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.goto(f"{console.url}/console/billing?month=2026-11")
    adjustment = page.get_by_role("article", name="さくら商事").locator("tr.adjustment")

    # when it follows the evidence of the October adjustment to the fee change (P14)
    adjustment.get_by_role("link", name=re.compile("月額改定")).click()

    # then it lands on that event's row in the contract's timeline
    assert page.get_by_role("heading", level=1).inner_text() == "紛争調査：さくら商事"
    row = page.locator("tr:target")
    assert row.is_visible() and "月額改定" in row.inner_text()
    assert "月額を ¥92,400 から ¥86,000 に改定" in row.inner_text()
