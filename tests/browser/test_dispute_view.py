"""A compliance reviewer settles a dispute in the console (issue 8): find, read, go back in
time, follow a link to the evidence, export."""

from __future__ import annotations

import json
import re
from typing import Any

from domain.meta import Role
from tests.browser.conftest import Console, sign_in
from tests.browser.world import BEFORE_FEE_CHANGE


def test_compliance_reads_a_contracts_timeline_and_its_state_as_of_an_earlier_instant(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.get_by_role("link", name="紛争調査").first.click()
    page.get_by_label("契約・チケットを検索").fill("さくら")
    page.get_by_role("button", name="検索").click()
    page.get_by_role("link", name="さくら商事").click()

    assert page.get_by_role("heading", level=1).inner_text() == "紛争調査：さくら商事"
    timeline = page.locator("table.timeline tbody tr")
    assert "契約申込" in timeline.first.inner_text()
    renegotiated = page.get_by_role("row", name=re.compile("月額改定"))
    assert (  # each summary in Japanese, from the event's fields, amounts in yen
        "月額を ¥92,400 から ¥86,000 に改定（2026年10月1日から）：年間継続による値引き"
        in renegotiated.inner_text()
    )
    assert page.locator("table.timeline td[lang]").count() == 0  # no English fallback
    assert not re.search(r"\byen\b", page.locator("table.timeline").inner_text())
    fee = page.locator("dd[data-field='contract.monthly_fee']")
    assert fee.inner_text() == "¥86,000"  # today's state, in yen as people write it

    page.get_by_label("時点（日本時間）").fill(BEFORE_FEE_CHANGE)
    page.get_by_role("button", name="この時点の状態を表示").click()

    assert fee.inner_text() == "¥92,400"  # before the renegotiation (rule P8)
    assert (
        "2026/11/01 12:00:00 時点の状態"
        in page.get_by_role("heading", level=2, name=re.compile("時点の状態")).inner_text()
    )
    later = page.locator("table.timeline tr.later")
    assert "月額改定" in later.first.inner_text()  # the renegotiation happened afterwards


def test_a_link_to_an_event_lands_on_its_row_in_the_timeline(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.goto(f"{console.url}/console/disputes/tickets/{console.world.sakura.ticket_id}")

    link = page.locator("a.last-event")
    target = link.get_attribute("href") or ""
    link.click()

    assert page.url.endswith(target)
    row = page.locator(f"tr{target}")
    assert row.is_visible() and "作業開始" in row.inner_text()
    assert row.evaluate("r => r.matches(':target')")


def test_compliance_downloads_the_trail_as_json_lines(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.goto(f"{console.url}/console/disputes/contracts/{console.world.sakura.contract_id}")

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON Lines で書き出す").click()

    path = download.value.path()
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert download.value.suggested_filename.endswith(".jsonl")
    assert entries[0]["event_type"] == "ContractApplied"
    assert {e["contract_id"] for e in entries} == {console.world.sakura.contract_id}
    assert "TicketOpened" in [e["event_type"] for e in entries]


def test_the_readable_document_downloads_too(page: Any, console: Console) -> None:
    sign_in(page, console, console.token(Role.OPERATOR, "op-tanaka"))
    page.goto(f"{console.url}/console/disputes/tickets/{console.world.sakura.ticket_id}")

    with page.expect_download() as download:
        page.get_by_role("link", name="閲覧用文書で書き出す").click()

    html = download.value.path().read_text()
    assert download.value.suggested_filename.endswith(".html")
    assert "RiskAcknowledged" in html and "<table>" in html


def test_compliance_sees_the_decision_and_follows_its_evidence_to_the_event(
    page: Any, console: Console
) -> None:
    sign_in(page, console, console.token(Role.COMPLIANCE, "auditor-ito"))
    page.goto(f"{console.url}/console/disputes/tickets/{console.world.sakura.ticket_id}")

    claim = page.locator("li.claim").first
    assert "顧客の負担" in claim.locator(".decision").inner_text()  # the risk was acknowledged
    assert claim.locator(".rule").inner_text() == "L2"
    explanation = claim.locator(".explanation")
    assert explanation.inner_text() == (
        "顧客が了承したリスク（O6）を伴う作業から損害が生じたため、"
        "コンシェルジュと運営者に責任はありません（L2）。"
    )
    assert explanation.get_attribute("lang") is None  # written in the page's language
    evidence = claim.locator("a.evidence")
    texts = [
        page.locator(f"tr{link.get_attribute('href')}").inner_text() for link in evidence.all()
    ]
    assert any("リスク了承" in text for text in texts)  # RiskAcknowledged backs the decision (O6)

    acknowledged = next(i for i, text in enumerate(texts) if "リスク了承" in text)
    evidence.nth(acknowledged).click()

    row = page.locator("tr:target")
    assert "リスク了承" in row.inner_text() and row.is_visible()
