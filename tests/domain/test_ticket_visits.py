"""Specification of visits, vendor calls and backups (rules O1, K2, O4, S3, S4, S5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import reduce

import pytest

from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput, RuleViolation
from domain.tickets_values import Channel, Urgency, WorkKind
from infra.clock import JST
from infra.holidays import JapaneseHolidayCalendar
from tests.domain.tickets_given import (
    BACKUP,
    CONCIERGE,
    NOW,
    OTHER_CONCIERGE,
    SERVING,
    FakeHolidays,
    concierge,
    contract,
    customer,
    instructed,
    opened,
    operator,
    recorded,
)

HOLIDAYS = JapaneseHolidayCalendar()
LATER = datetime(2026, 12, 31, 12, 0, tzinfo=JST)  # visits are logged after they end


def at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JST)


def instructed_on(day: int, hour: int = 8) -> Ticket:
    """A ticket opened and instructed at that time in December 2026 (before its visits)."""
    ticket = opened(by=customer(at=at(day, hour)))
    ticket.instruct(customer(at=at(day, hour)), "Please fix the printer")
    ticket.collect_events()
    return ticket


def visit(start: datetime, end: datetime, ticket: Ticket | None = None) -> Ticket:
    ticket = ticket or instructed_on(1)
    ticket.log_visit(concierge(at=LATER), start, end, calendar=HOLIDAYS, serving=SERVING)
    return ticket


def test_a_weekday_visit_between_nine_and_six_is_in_base_hours() -> None:
    # rule O1: Wednesday 2 December 2026
    assert visit(at(2, 9), at(2, 18)).visits[-1].off_hours is False


def test_a_visit_until_half_past_six_is_off_hours() -> None:
    # rule O1
    assert visit(at(2, 16), at(2, 18, 30)).visits[-1].off_hours is True


def test_a_saturday_visit_is_off_hours() -> None:
    # rule O1: Saturday 5 December 2026
    assert visit(at(5, 10), at(5, 11)).visits[-1].off_hours is True


def test_a_visit_on_culture_day_is_off_hours() -> None:
    # rule O1: Tuesday 3 November 2026 is a Japanese public holiday
    ticket = opened(by=customer(at=at(2, 10, month=11)))
    ticket.instruct(customer(at=at(2, 11, month=11)), "Fix the router")
    ticket.log_visit(
        concierge(at=at(3, 12, month=11)), at(3, 10, month=11), at(3, 11, month=11),
        calendar=HOLIDAYS, serving=SERVING,
    )  # fmt: skip
    assert ticket.visits[-1].off_hours is True


def test_the_off_hours_flag_is_stored_so_replay_needs_no_calendar() -> None:
    # rule O1: the flag computed when logged is replayed as is, whatever the calendar says later
    ticket = instructed()
    holiday = FakeHolidays(at(2, 0).date())
    ticket.log_visit(concierge(at=LATER), at(2, 10), at(2, 11), calendar=holiday, serving=SERVING)
    [event] = ticket.collect_events()
    assert event.off_hours is True


def test_a_visit_records_arrival_departure_and_concierge() -> None:
    ticket = visit(at(2, 10), at(2, 12))
    assert recorded(ticket) == ["VisitLogged"]
    v = ticket.visits[-1]
    assert (v.concierge_id, v.arrival, v.departure) == (CONCIERGE, at(2, 10), at(2, 12))
    assert ticket.first_arrival_at == at(2, 10)


def test_a_visit_cannot_depart_before_it_arrives() -> None:
    with pytest.raises(InvalidInput):
        visit(at(2, 12), at(2, 10))


def test_a_visit_is_logged_after_it_ends() -> None:
    ticket = instructed()
    with pytest.raises(InvalidInput):
        ticket.log_visit(
            concierge(), NOW, NOW + timedelta(hours=1), calendar=HOLIDAYS, serving=SERVING
        )


def test_a_visit_cannot_arrive_before_the_ticket_was_opened() -> None:
    # rule O3: the ticket was opened on 2 December at 10:00; a visit from 9:00 that day
    # would precede the request it answers (and its 24-hour target).
    ticket = instructed()
    with pytest.raises(InvalidInput) as refused:
        ticket.log_visit(
            concierge(at=LATER), at(2, 9), at(2, 11), calendar=HOLIDAYS, serving=SERVING
        )
    assert refused.value.rule == "O3"
    assert refused.value.details["opened_at"] == NOW
    assert ticket.visits == () and ticket.first_arrival_at is None


def test_a_visit_may_arrive_the_moment_the_ticket_was_opened() -> None:
    # rule O3: the first arrival is never before the opening, but may coincide with it
    ticket = visit(NOW, NOW + timedelta(hours=1), instructed())
    assert ticket.first_arrival_at == NOW


def test_a_visit_needs_an_assigned_concierge() -> None:
    # rule K2
    with pytest.raises(RuleViolation) as refused:
        instructed().log_visit(
            concierge(at=LATER), at(2, 10), at(2, 11), calendar=HOLIDAYS, serving=frozenset()
        )
    assert refused.value.rule == "K2"


def test_a_concierge_of_another_contract_cannot_act_on_the_ticket() -> None:
    # rule K2
    with pytest.raises(RuleViolation) as refused:
        instructed().start_work(concierge(OTHER_CONCIERGE), "Fix it", serving=SERVING)
    assert refused.value.rule == "K2"


def test_the_operator_logs_a_visit_for_the_assigned_concierge() -> None:
    ticket = instructed()
    ticket.log_visit(
        operator(at=LATER), at(2, 10), at(2, 11),
        calendar=HOLIDAYS, serving=SERVING, concierge_id=CONCIERGE,
    )  # fmt: skip
    assert ticket.visits[-1].concierge_id == CONCIERGE


def test_a_concierge_logs_only_its_own_visits() -> None:
    with pytest.raises(RuleViolation) as refused:
        instructed().log_visit(
            concierge(at=LATER), at(2, 10), at(2, 11),
            calendar=HOLIDAYS, serving=SERVING | {OTHER_CONCIERGE}, concierge_id=OTHER_CONCIERGE,
        )  # fmt: skip
    assert refused.value.rule == "K2"


def test_the_operator_dispatches_a_backup_who_then_acts_on_the_ticket() -> None:
    # rule O4
    ticket = instructed()
    ticket.dispatch_backup(
        operator(), BACKUP, serving=SERVING, reason="Sato is at another emergency"
    )
    ticket.start_work(concierge(BACKUP), "Restart the server", serving=SERVING)
    ticket.log_visit(
        concierge(BACKUP, at=LATER), at(2, 10), at(2, 11), calendar=HOLIDAYS, serving=SERVING
    )
    assert recorded(ticket) == ["BackupDispatched", "WorkStarted", "VisitLogged"]
    assert ticket.concierges(SERVING) == {CONCIERGE, BACKUP}


def test_only_the_operator_dispatches_a_backup() -> None:
    # rule O4
    with pytest.raises(RuleViolation) as refused:
        instructed().dispatch_backup(concierge(), BACKUP, serving=SERVING)
    assert refused.value.rule == "O4"


def test_a_backup_is_dispatched_once_and_is_not_the_assigned_concierge() -> None:
    # rule O4
    ticket = instructed()
    ticket.dispatch_backup(operator(), BACKUP, serving=SERVING)
    for again in (BACKUP, CONCIERGE):
        with pytest.raises(RuleViolation):
            ticket.dispatch_backup(operator(), again, serving=SERVING)


@pytest.mark.parametrize(
    ("vendor", "equipment"),
    [
        ("NTT East", "FLET'S Hikari line"),
        ("Canon", "imageRUNNER multifunction printer"),
        ("KDDI", "iPhone 15"),
    ],
)
def test_the_concierge_calls_any_vendor_on_the_customers_behalf(
    vendor: str, equipment: str
) -> None:
    # rules S4, S5: whole-process handling, multi-vendor
    ticket = instructed()
    ticket.place_vendor_call(concierge(), vendor, equipment, reference="case 42", serving=SERVING)
    assert recorded(ticket) == ["VendorCallPlaced"]
    assert (ticket.vendor_calls[-1].vendor, ticket.vendor_calls[-1].equipment) == (
        vendor,
        equipment,
    )


def test_only_the_concierge_places_vendor_calls() -> None:
    # rule S4
    with pytest.raises(RuleViolation) as refused:
        instructed().place_vendor_call(customer(), "Canon", "printer", serving=SERVING)
    assert refused.value.rule == "S4"


def test_there_is_no_cap_on_visits() -> None:
    # rule S2
    ticket = instructed_on(1)
    for day in range(1, 29):
        ticket.log_visit(
            concierge(at=LATER), at(day, 10), at(day, 11), calendar=HOLIDAYS, serving=SERVING
        )
    assert len(ticket.visits) == 28


def test_replaying_the_events_rebuilds_the_same_ticket() -> None:
    ticket = Ticket.open(
        customer(), contract=contract(), cluster="hq", kind=WorkKind.TROUBLE,
        urgency=Urgency.NORMAL, channel=Channel.MAIL, summary="Router", serving=SERVING,
    )  # fmt: skip
    history = list(ticket.collect_events())
    ticket.instruct(customer(), "Fix it")
    ticket.log_visit(concierge(at=LATER), at(5, 10), at(5, 11), calendar=HOLIDAYS, serving=SERVING)
    history += ticket.collect_events()
    rebuilt = reduce(lambda agg, e: e.mutate(agg), history, None)
    assert (rebuilt.visits, rebuilt.instructions) == (ticket.visits, ticket.instructions)
