"""Specification of scope classification (rule S6)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput, RuleViolation
from domain.tickets_values import OutOfScopeReason, ServiceScope
from tests.domain.tickets_given import (
    NOW,
    SERVING,
    FakeHolidays,
    concierge,
    customer,
    given,
    instructed,
    opened,
    operator,
    recorded,
)

DAILY, EXTRA, OUT = ServiceScope.DAILY, ServiceScope.EXTRA, ServiceScope.OUT_OF_SCOPE


def classified(scope: ServiceScope, code: OutOfScopeReason | None = None) -> Ticket:
    ticket = instructed()
    ticket.classify(operator(), scope, reason_code=code, reason=None, serving=SERVING)
    return given(ticket)


def out_of_scope() -> Ticket:
    return classified(OUT, OutOfScopeReason.UNCONTRACTED_DEVICE)


def test_the_operator_classifies_a_request_as_daily_work() -> None:
    # rule S6
    ticket = opened()
    ticket.classify(operator(), DAILY, reason_code=None, reason=None, serving=SERVING)
    assert recorded(ticket) == ["ScopeClassified"]
    assert ticket.scope is DAILY


def test_the_ticket_concierge_may_classify_first() -> None:
    # rule S6: the concierge judges the request when it takes the call
    ticket = opened()
    ticket.classify(concierge(), EXTRA, reason_code=None, reason=None, serving=SERVING)
    assert ticket.scope is EXTRA


def test_a_customer_does_not_classify() -> None:
    with pytest.raises(RuleViolation) as refused:
        opened().classify(customer(), DAILY, reason_code=None, reason=None, serving=SERVING)
    assert refused.value.rule == "S6"


@pytest.mark.parametrize("code", list(OutOfScopeReason))
def test_every_reason_code_of_the_faq_refuses_a_request(code: OutOfScopeReason) -> None:
    # rule S6
    assert classified(OUT, code).classification.reason_code is code  # type: ignore[union-attr]


def test_the_faq_lists_nine_reason_codes() -> None:
    # rule S6
    assert {c.value for c in OutOfScopeReason} == {
        "uncontracted_device", "not_own_use", "illegal", "non_windows", "user_program",
        "time_bound", "liability_imposed", "beyond_spec", "not_it",
    }  # fmt: skip


def test_out_of_scope_needs_a_reason_code() -> None:
    # rule S6
    with pytest.raises(InvalidInput) as refused:
        opened().classify(operator(), OUT, reason_code=None, reason=None, serving=SERVING)
    assert refused.value.rule == "S6"


def test_a_reason_code_belongs_to_out_of_scope_only() -> None:
    # rule S6
    with pytest.raises(InvalidInput):
        opened().classify(
            operator(), DAILY, reason_code=OutOfScopeReason.NOT_IT, reason=None, serving=SERVING
        )


def test_an_out_of_scope_ticket_accepts_no_work() -> None:
    # rule S6
    with pytest.raises(RuleViolation) as refused:
        out_of_scope().start_work(concierge(), "Set up the private laptop", serving=SERVING)
    assert refused.value.rule == "S6"
    assert refused.value.details["reason_code"] is OutOfScopeReason.UNCONTRACTED_DEVICE


def test_an_out_of_scope_ticket_accepts_no_visit() -> None:
    # rule S6
    at = concierge(at=NOW + timedelta(hours=3))
    with pytest.raises(RuleViolation) as refused:
        out_of_scope().log_visit(
            at, NOW, NOW + timedelta(hours=1), calendar=FakeHolidays(), serving=SERVING
        )
    assert refused.value.rule == "S6"


def test_the_operator_reclassifies_with_a_reason_and_the_change_is_an_event() -> None:
    # rule S6
    ticket = classified(DAILY)
    ticket.classify(
        operator(), EXTRA, reason_code=None, reason="All 20 PCs at once", serving=SERVING
    )
    [event] = ticket.collect_events()
    assert (event.previous_scope, event.scope, event.reason) == (DAILY, EXTRA, "All 20 PCs at once")


def test_a_reclassification_needs_a_reason() -> None:
    # rule S6
    with pytest.raises(InvalidInput) as refused:
        classified(DAILY).classify(operator(), EXTRA, reason_code=None, reason=" ", serving=SERVING)
    assert refused.value.rule == "S6"


def test_only_the_operator_reclassifies() -> None:
    # rule S6
    with pytest.raises(RuleViolation) as refused:
        classified(DAILY).classify(
            concierge(), EXTRA, reason_code=None, reason="big", serving=SERVING
        )
    assert refused.value.rule == "S6"


def test_reclassifying_to_the_same_scope_is_refused() -> None:
    with pytest.raises(RuleViolation):
        classified(DAILY).classify(
            operator(), DAILY, reason_code=None, reason="again", serving=SERVING
        )


def test_a_ticket_reclassified_into_scope_accepts_work_again() -> None:
    # rule S6: the operator may correct a refusal
    ticket = out_of_scope()
    ticket.classify(
        operator(), DAILY, reason_code=None, reason="Company-owned after all", serving=SERVING
    )
    ticket.start_work(concierge(), "Set up the laptop", serving=SERVING)
    assert recorded(ticket) == ["ScopeClassified", "WorkStarted"]
