"""Specification of extra work, Second jobs and product sales (rules X1–X3, O8)."""

from __future__ import annotations

import pytest

from domain.aggregates.ticket import Ticket
from domain.errors import InvalidInput, RuleViolation
from domain.tickets_values import ReferralTarget, Seller, ServiceScope
from tests.domain.tickets_given import (
    BACKUP,
    CONCIERGE,
    OTHER_CONCIERGE,
    SERVING,
    concierge,
    customer,
    given,
    instructed,
    operator,
    recorded,
)


def extra() -> Ticket:
    ticket = instructed()
    ticket.classify(operator(), ServiceScope.EXTRA, reason_code=None, reason=None, serving=SERVING)
    return given(ticket)


def test_extra_work_is_quoted_separately() -> None:
    # rule X1
    ticket = extra()
    quote_id = ticket.quote_extra_work(
        operator(), "VPN between two offices", 220_000, serving=SERVING
    )
    assert recorded(ticket) == ["ExtraWorkQuoted"]
    assert (quote_id, ticket.quotes[-1].amount, ticket.quotes[-1].quoted_by) == (
        "quote-1",
        220_000,
        "op-tanaka",
    )


def test_daily_work_is_not_quoted() -> None:
    # rules X1, S6: daily work is inside the fixed fee
    ticket = instructed()
    ticket.classify(operator(), ServiceScope.DAILY, reason_code=None, reason=None, serving=SERVING)
    with pytest.raises(RuleViolation) as refused:
        ticket.quote_extra_work(operator(), "Set up one PC", 10_000, serving=SERVING)
    assert refused.value.rule == "X1"


def test_a_quote_has_a_positive_amount() -> None:
    with pytest.raises(InvalidInput):
        extra().quote_extra_work(operator(), "VPN", 0, serving=SERVING)


def test_the_customer_does_not_quote() -> None:
    with pytest.raises(RuleViolation) as refused:
        extra().quote_extra_work(customer(), "VPN", 1_000, serving=SERVING)
    assert refused.value.rule == "X1"


def test_extra_work_taken_by_the_operator_is_billed_by_the_operator() -> None:
    # rule X1
    ticket = extra()
    ticket.refer_extra_work(
        operator(), ReferralTarget.OPERATOR, "Replace all 20 PCs", amount=400_000, serving=SERVING
    )
    assert ticket.referrals[-1].operator_bills is True


def test_extra_work_referred_to_another_vendor_names_it_and_is_not_billed_by_the_operator() -> None:
    # rule X1
    ticket = extra()
    ticket.refer_extra_work(
        operator(),
        ReferralTarget.ANOTHER_VENDOR,
        "Web site",
        vendor_name="Web Studio K.K.",
        serving=SERVING,
    )
    assert (ticket.referrals[-1].vendor_name, ticket.referrals[-1].operator_bills) == (
        "Web Studio K.K.",
        False,
    )


def test_a_referral_to_another_vendor_needs_the_vendors_name() -> None:
    with pytest.raises(InvalidInput):
        extra().refer_extra_work(
            operator(), ReferralTarget.ANOTHER_VENDOR, "Web site", serving=SERVING
        )


def test_a_second_job_is_recorded_with_no_operator_charge() -> None:
    # rule X2: a direct contract between customer and concierge
    ticket = extra()
    ticket.refer_extra_work(
        concierge(),
        ReferralTarget.CONCIERGE_DIRECT,
        "Group training",
        amount=50_000,
        serving=SERVING,
    )
    [event] = ticket.collect_events()
    assert type(event).__name__ == "SecondJobReferred"
    assert (event.to, event.concierge_id, event.operator_bills) == (
        ReferralTarget.CONCIERGE_DIRECT,
        CONCIERGE,
        False,
    )


def test_a_second_job_names_the_concierge_liable_for_it() -> None:
    # rule X3: liability lies between customer and that concierge (see L5)
    ticket = extra()
    ticket.dispatch_backup(operator(), BACKUP, serving=SERVING)
    ticket.refer_extra_work(
        operator(),
        ReferralTarget.CONCIERGE_DIRECT,
        "Office LAN",
        concierge_id=BACKUP,
        serving=SERVING,
    )
    assert ticket.referrals[-1].concierge_id == BACKUP


def test_a_second_job_goes_to_a_concierge_of_the_ticket() -> None:
    # rule X2
    with pytest.raises(RuleViolation) as refused:
        extra().refer_extra_work(
            operator(),
            ReferralTarget.CONCIERGE_DIRECT,
            "LAN",
            concierge_id=OTHER_CONCIERGE,
            serving=SERVING,
        )
    assert refused.value.rule == "X2"


def test_a_product_sold_by_the_concierge_is_not_billed_by_the_operator() -> None:
    # rule O8
    ticket = instructed()
    sale_id = ticket.record_sale(concierge(), "Toner cartridge", 8_800, quantity=2, serving=SERVING)
    assert recorded(ticket) == ["ProductSold"]
    sale = ticket.sales[-1]
    assert (sale_id, sale.sold_by, sale.operator_bills) == ("sale-1", Seller.CONCIERGE, False)


def test_a_product_sold_by_the_operator_is_billed_by_the_operator() -> None:
    # rule O8
    ticket = instructed()
    ticket.record_sale(operator(), "Business laptop", 165_000, serving=SERVING)
    assert (ticket.sales[-1].sold_by, ticket.sales[-1].operator_bills) == (Seller.OPERATOR, True)


def test_a_concierge_records_a_sale_the_operator_made() -> None:
    # rule O8: who sold it decides who bills, not who recorded it
    ticket = instructed()
    ticket.record_sale(concierge(), "Laptop", 165_000, sold_by=Seller.OPERATOR, serving=SERVING)
    assert ticket.sales[-1].operator_bills is True


@pytest.mark.parametrize(("amount", "quantity"), [(0, 1), (-100, 1), (1_000, 0)])
def test_a_sale_has_a_positive_amount_and_quantity(amount: int, quantity: int) -> None:
    with pytest.raises(InvalidInput):
        instructed().record_sale(concierge(), "Cable", amount, quantity=quantity, serving=SERVING)
