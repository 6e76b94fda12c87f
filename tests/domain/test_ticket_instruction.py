"""Specification of instruction first (rule O5)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.tickets_values import TicketStatus
from tests.domain.tickets_given import (
    NOW,
    SERVING,
    FakeHolidays,
    concierge,
    customer,
    instructed,
    opened,
    operator,
    recorded,
)


def test_work_cannot_start_before_the_customer_instructs_it() -> None:
    # rule O5
    ticket = opened()
    with pytest.raises(RuleViolation) as refused:
        ticket.start_work(concierge(), "Replace the toner", serving=SERVING)
    assert refused.value.rule == "O5"


def test_an_instruction_records_who_when_and_what() -> None:
    # rule O5
    ticket = opened()
    ticket.instruct(customer(), "Please fix the printer on floor 3")
    assert recorded(ticket) == ["WorkInstructed"]
    [instruction] = ticket.instructions
    assert (instruction.by, instruction.at, instruction.what) == (
        "cust-yamada",
        NOW,
        "Please fix the printer on floor 3",
    )


@pytest.mark.parametrize("by", [concierge, operator])
def test_only_a_customer_contact_instructs_work(by) -> None:  # type: ignore[no-untyped-def]
    # rule O5: never on the concierge's own judgment
    with pytest.raises(RuleViolation) as refused:
        opened().instruct(by(), "I will reinstall Windows")
    assert refused.value.rule == "O5"


def test_an_instruction_says_what_to_do() -> None:
    with pytest.raises(InvalidInput):
        opened().instruct(customer(), " ")


def test_instructed_work_starts() -> None:
    # rule O5
    ticket = instructed()
    ticket.start_work(concierge(), "Replace the toner", serving=SERVING)
    assert recorded(ticket) == ["WorkStarted"]
    assert ticket.status is TicketStatus.IN_PROGRESS


def test_a_visit_before_an_instruction_is_refused() -> None:
    # rule O5: a visit is work
    later = concierge(at=NOW + timedelta(hours=3))
    with pytest.raises(RuleViolation) as refused:
        opened().log_visit(
            later, NOW, NOW + timedelta(hours=1), calendar=FakeHolidays(), serving=SERVING
        )
    assert refused.value.rule == "O5"


def test_a_vendor_call_before_an_instruction_is_refused() -> None:
    # rule O5
    with pytest.raises(RuleViolation) as refused:
        opened().place_vendor_call(concierge(), "Ricoh", "MP C3004", serving=SERVING)
    assert refused.value.rule == "O5"


def test_the_customer_may_add_instructions() -> None:
    ticket = instructed()
    ticket.instruct(customer(), "Also check the scanner")
    assert len(ticket.instructions) == 2
