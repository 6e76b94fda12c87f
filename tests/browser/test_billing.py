"""A billing clerk reads a month's statements and closes the month (issue 8)."""

from __future__ import annotations

from typing import Any

from domain.meta import Role
from tests.browser.conftest import Console, sign_in


def test_billing_reads_a_statement_with_an_adjustment_and_closes_the_month(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.BILLING, "billing-mori"))
    page.get_by_role("link", name="請求").first.click()

    assert page.get_by_role("heading", level=2).inner_text() == "2026年11月分の請求書"
    statement = page.get_by_role("article", name="さくら商事")
    adjustment = statement.locator("tr.adjustment")
    assert "2026年10月分の調整" in adjustment.inner_text()  # October was closed already (P14)
    assert "-¥6,400" in adjustment.inner_text()  # the fee, backdated into October
    totals = statement.locator("dl.totals").inner_text()
    assert "¥79,600" in totals and "¥7,236" in totals  # 86,000 - 6,400; tax once (P13)

    page.get_by_role("link", name="2026年11月を締める").click()
    assert page.get_by_role("heading", level=1).inner_text() == "2026年11月を締める"
    page.get_by_role("button", name="2026年11月を締める（確定）").click()

    assert page.get_by_role("status").inner_text() == "2026年11月を締めました。"
    assert "2026年11月は締め済みです。" in page.locator("main").inner_text()
