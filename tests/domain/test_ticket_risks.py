"""Specification of informed consent (rule O6)."""

from __future__ import annotations

import pytest

from domain.errors import NotFound, RuleViolation
from domain.tickets_values import RiskLevel, RiskStatus
from tests.domain.tickets_given import (
    SERVING,
    concierge,
    customer,
    given,
    instructed,
    operator,
    recorded,
    with_high_risk,
)


def test_the_concierge_discloses_a_risk_with_its_level() -> None:
    # rule O6
    ticket = instructed()
    risk_id = ticket.disclose_risk(
        concierge(), "Data on the disk may be lost", RiskLevel.HIGH, serving=SERVING
    )
    assert recorded(ticket) == ["RiskDisclosed"]
    assert risk_id == "risk-1"
    assert ticket.risks[risk_id].status is RiskStatus.PENDING


def test_only_a_concierge_of_the_ticket_discloses_risks() -> None:
    # rule O6
    with pytest.raises(RuleViolation) as refused:
        instructed().disclose_risk(operator(), "Data loss", RiskLevel.HIGH, serving=SERVING)
    assert refused.value.rule == "O6"


def test_work_cannot_start_on_an_unacknowledged_high_risk() -> None:
    # rule O6
    ticket, risk_id = with_high_risk()
    with pytest.raises(RuleViolation) as refused:
        ticket.start_work(concierge(), "Update the firmware", serving=SERVING)
    assert refused.value.rule == "O6"
    assert refused.value.details["risk_ids"] == [risk_id]


def test_work_cannot_start_on_other_work_while_a_high_risk_awaits_an_answer() -> None:
    # rule O6: the customer answers first
    ticket, _ = with_high_risk()
    with pytest.raises(RuleViolation) as refused:
        ticket.start_work(concierge(), "Clean the rollers", risk_ids=(), serving=SERVING)
    assert refused.value.rule == "O6"


def test_work_starts_after_the_customers_go() -> None:
    # rule O6
    ticket, risk_id = with_high_risk()
    ticket.acknowledge_risk(customer(), risk_id)
    ticket.start_work(concierge(), "Update the firmware", serving=SERVING)
    assert recorded(ticket) == ["RiskAcknowledged", "WorkStarted"]
    assert ticket.jobs[-1].risk_ids == (risk_id,)
    assert ticket.risks[risk_id].answered_by == "cust-yamada"


def test_a_low_risk_is_disclosed_but_needs_no_go() -> None:
    # rule O6: only high-risk work waits for the GO
    ticket = instructed()
    ticket.disclose_risk(concierge(), "The printer restarts once", RiskLevel.LOW, serving=SERVING)
    ticket.start_work(concierge(), "Update the driver", serving=SERVING)
    assert recorded(ticket)[-1] == "WorkStarted"


def test_a_declined_risk_stops_the_work_that_carries_it() -> None:
    # rule O6
    ticket, risk_id = with_high_risk()
    ticket.decline_risk(customer(), risk_id, "No risk to the data, please")
    given(ticket)
    with pytest.raises(RuleViolation) as refused:
        ticket.start_work(concierge(), "Update the firmware", serving=SERVING)
    assert refused.value.rule == "O6"
    assert ticket.risks[risk_id].status is RiskStatus.DECLINED


def test_other_work_without_the_declined_risk_may_start() -> None:
    # rule O6: only the work carrying the declined risk stops
    ticket, risk_id = with_high_risk()
    ticket.decline_risk(customer(), risk_id)
    ticket.start_work(concierge(), "Replace the printer instead", risk_ids=(), serving=SERVING)
    assert recorded(ticket) == ["RiskDeclined", "WorkStarted"]


@pytest.mark.parametrize("by", [concierge, operator])
def test_only_the_customer_gives_the_go(by) -> None:  # type: ignore[no-untyped-def]
    # rule O6
    ticket, risk_id = with_high_risk()
    with pytest.raises(RuleViolation) as refused:
        ticket.acknowledge_risk(by(), risk_id)
    assert refused.value.rule == "O6"


def test_a_risk_is_answered_once() -> None:
    # rule O6
    ticket, risk_id = with_high_risk()
    ticket.acknowledge_risk(customer(), risk_id)
    with pytest.raises(RuleViolation) as refused:
        ticket.decline_risk(customer(), risk_id)
    assert refused.value.rule == "O6"


def test_answering_an_unknown_risk_is_not_found() -> None:
    with pytest.raises(NotFound):
        instructed().acknowledge_risk(customer(), "risk-9")
