"""A closed statement never changes (P14, P15), even when personal data in the texts of
its lines is erased (issue 9): its seal covers only what is fixed forever and carries
nothing personal, so it still verifies while the shown text reads "[erased]"."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import TestClient

from domain.billing import SEALED_FIELDS, digest
from domain.billing_lines import Line, LineCode
from domain.meta import Role
from domain.personal import ERASED
from domain.tickets_values import ReferralTarget
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.auth import sign_in
from tests.projections.billing_world import World

PERSON = "Yamada Taro"


def _december(client: TestClient, contract_id: str) -> dict[str, Any]:
    sign_in(client, Role.BILLING, "bill-suzuki")
    answer = client.get(
        "/v1/billing/statements", params={"contract_id": contract_id, "month": "2026-12"}
    )
    assert answer.status_code == 200, answer.text
    (statement,) = answer.json()["items"]
    return statement


def test_a_closed_statement_still_verifies_after_an_erasure_and_the_name_is_gone(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # given a December statement, closed, with extra work whose description names a person
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-03 10:00")
    ticket = world.instructed(contract_id)
    world.extra(ticket)
    service.refer_extra_work(
        world.operator(), ticket, ReferralTarget.OPERATOR,
        f"VPN set-up for {PERSON}'s home office", amount=55_000,
    )  # fmt: skip
    world.close_months("2026-12")
    world.project()
    before = _december(client, str(contract_id))

    # when the company's personal data is erased (the views are rebuilt from the log)
    sign_in(client, Role.OPERATOR, "op-tanaka")
    erased = client.post(
        "/v1/privacy/erasures",
        json={"subject": f"contract:{contract_id}", "reason": "Request ER-2027-003 (APPI)"},
    )
    after = _december(client, str(contract_id))

    # then the statement is still exactly what was sealed, and the name is gone
    assert erased.status_code == 201, erased.text
    assert PERSON in str(before) and before["seal_matches"] is True
    extra = next(ln for ln in after["lines"] if ln["code"] == LineCode.EXTRA_WORK)
    assert extra["description"] == f"extra work by the operator on 2026-12-03: {ERASED} (X1)"
    assert PERSON not in str(after)
    assert (after["total"], after["digest"]) == (before["total"], before["digest"])
    assert (after["sealed_digest"], after["seal_matches"]) == (before["sealed_digest"], True)
    assert after["lines"] != before["lines"]  # only the shown text changed


def test_the_seal_covers_amounts_dates_codes_evidence_and_quantities_not_texts(
    service: EConcierge, clock: FixedClock
) -> None:
    """What the digest covers (P15: never changed without a trace): each line's key,
    code, amount, quantity, transaction dates, tax rate, evidence and what it corrects."""
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.close_months("2026-12")
    statement = world.statement(contract_id, "2026-12")
    (fee,) = statement.lines

    def sealed(**changes: Any) -> str:
        line = msgspec.structs.replace(fee, **changes)
        return digest(statement.statement_id, [line], [])

    assert set(Line.__struct_fields__) - set(SEALED_FIELDS) == {"description"}
    assert sealed() == statement.digest
    assert sealed(description="reworded") == statement.digest
    for changed in (
        {"amount": fee.amount + 1}, {"quantity": 2}, {"date_to": fee.date_from},
        {"code": LineCode.MONTHLY_REPORT}, {"evidence": fee.evidence[:1]}, {"rate_pct": 8},
        {"corrects": "another"},
    ):  # fmt: skip
        assert sealed(**changed) != statement.digest, changed
    assert digest("another-statement", [fee], []) != statement.digest
