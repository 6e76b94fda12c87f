"""Specification of opening a ticket (rules S1, S2, O2, K2, C1, C4, P9)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput, RuleViolation
from domain.tickets_values import Channel, TicketStatus, Urgency, WorkKind
from infra.clock import JST
from tests.domain.tickets_given import (
    CONCIERGE,
    NOW,
    OTHER_CONCIERGE,
    concierge,
    contract,
    customer,
    opened,
    operator,
)


@pytest.mark.parametrize("kind", ["trouble", "setup", "consultation"])
def test_a_ticket_is_one_of_the_three_kinds_of_work(kind: str) -> None:
    # rule S1
    ticket = opened(kind=WorkKind(kind))
    assert ticket.kind is WorkKind(kind)
    assert {k.value for k in WorkKind} == {"trouble", "setup", "consultation"}


@pytest.mark.parametrize("channel", ["business_mobile", "voicemail", "mail"])
def test_the_ticket_records_how_the_customer_called(channel: str) -> None:
    # rule O2
    assert opened(channel=Channel(channel)).channel is Channel(channel)


def test_opening_records_who_opened_it_and_when() -> None:
    ticket = Ticket.open(
        customer(),
        contract=contract(),
        cluster="hq",
        kind=WorkKind.TROUBLE,
        urgency=Urgency.EMERGENCY,
        channel=Channel.VOICEMAIL,
        summary="  Internet line down  ",
        serving=frozenset({CONCIERGE}),
    )
    [event] = ticket.collect_events()
    assert type(event).__name__ == "TicketOpened"
    assert event.meta.actor_id == "cust-yamada" and event.timestamp == NOW
    assert ticket.summary == "Internet line down" and ticket.status is TicketStatus.OPEN


def test_the_concierge_opens_a_ticket_for_a_call_it_took() -> None:
    # rule O2: customers call their concierge directly
    assert opened(by=concierge()).opened_by == CONCIERGE


def test_the_operator_opens_a_ticket_on_the_customers_behalf() -> None:
    assert opened(by=operator()).opened_by == "op-tanaka"


def test_a_concierge_of_another_cluster_cannot_open_a_ticket() -> None:
    # rule K2
    with pytest.raises(RuleViolation) as refused:
        opened(by=concierge(OTHER_CONCIERGE))
    assert refused.value.rule == "K2"


def test_a_ticket_needs_a_contract_in_service() -> None:
    # rule C1: service runs once the contract has started
    with pytest.raises(RuleViolation) as refused:
        opened(contract=contract(started=False))
    assert refused.value.rule == "C1"


def test_a_ticket_after_the_contract_ended_is_refused() -> None:
    # rule C4: the cancellation's end date is the last day of service
    ending = contract()
    ending.request_cancellation(operator(), date(2027, 1, 31), NOW.date())
    later = datetime(2027, 2, 1, 10, 0, tzinfo=JST)
    with pytest.raises(RuleViolation) as refused:
        opened(contract=ending, by=customer(at=later))
    assert refused.value.rule == "C4"


def test_a_ticket_is_for_a_site_cluster_of_the_contract() -> None:
    # rule P9
    with pytest.raises(InvalidInput) as refused:
        opened(cluster="osaka")
    assert refused.value.rule == "P9"


def test_a_ticket_needs_a_summary() -> None:
    with pytest.raises(InvalidInput):
        opened(summary="   ")


def test_there_is_no_cap_on_the_number_of_requests() -> None:
    # rule S2
    tickets = [opened() for _ in range(50)]
    assert len({t.id for t in tickets}) == 50
