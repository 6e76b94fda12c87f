"""Billing of what happens on tickets and assignments: visits (P10, P11), teams (P11, K3),
extra work (X1, X2) and products (O8); never expenses (P7)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from domain.billing_lines import Line, LineCode
from domain.pricing import Plan
from domain.tickets_values import ReferralTarget, Seller
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.projections.billing_world import World


def _lines(world: World, contract_id: UUID, month: str) -> list[tuple[LineCode, int, date]]:
    return [(ln.code, ln.amount, ln.date_from) for ln in world.statement(contract_id, month).lines]


def test_a_two_tier_contract_bills_a_spot_fee_per_visit_and_off_hours_surcharges(
    service: EConcierge, clock: FixedClock
) -> None:
    """P10: base fee plus 13,200 per visit; P11: +25 % of it for a visit out of hours (O1)."""
    world = World(service, clock)
    contract_id, concierge = world.in_service(sites=(("Tokyo", "hq", 40, 0),), plan=Plan.two_tier)
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.visit(ticket, concierge, "2026-12-02 10:00")  # Wednesday, in base hours
    world.visit(ticket, concierge, "2026-12-05 10:00")  # Saturday
    world.visit(ticket, concierge, "2026-12-07 19:00")  # Monday evening
    world.close_months("2026-12")

    december = world.statement(contract_id, "2026-12")

    assert _lines(world, contract_id, "2026-12") == [
        (LineCode.MONTHLY_FEE, 30_800, date(2026, 12, 1)),
        (LineCode.SPOT_VISIT, 13_200, date(2026, 12, 2)),
        (LineCode.SPOT_VISIT, 13_200, date(2026, 12, 5)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2026, 12, 5)),
        (LineCode.SPOT_VISIT, 13_200, date(2026, 12, 7)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2026, 12, 7)),
    ]
    assert december.total == 77_000
    assert december.lines[1].evidence == (f"{ticket}:3",)  # the VisitLogged event


def test_visits_are_in_the_fixed_fee_but_off_hours_ones_are_surcharged(
    service: EConcierge, clock: FixedClock
) -> None:
    """Decision (P11): outside two-tier pricing only the off-hours surcharge is billed."""
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.visit(ticket, concierge, "2026-12-02 10:00")
    world.visit(ticket, concierge, "2026-12-06 11:00")  # Sunday
    world.close_months("2026-12")

    assert _lines(world, contract_id, "2026-12") == [
        (LineCode.MONTHLY_FEE, 30_800, date(2026, 12, 1)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2026, 12, 6)),
    ]


def test_a_team_is_surcharged_for_the_months_it_is_assigned(
    service: EConcierge, clock: FixedClock
) -> None:
    """P11/K3: 50 % of the monthly fee in each month a team member was assigned."""
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2027-01-10 10:00")
    member = world.add_team_member(contract_id)
    world.at("2027-01-20 10:00")
    service.remove_team_member(world.operator(), world.staff_of(contract_id), member)
    world.close_months("2026-12", "2027-01")

    totals = world.totals(contract_id)
    surcharge = world.statement(contract_id, "2027-01").lines[-1]

    assert totals == {"2026-12": 30_800, "2027-01": 46_200, "2027-02": 30_800}
    assert surcharge.code is LineCode.TEAM_SURCHARGE
    assert surcharge.evidence == (f"{world.staff_of(contract_id)}:5",)  # TeamMemberAdded


def _extra_ticket(world: World, contract_id: UUID) -> UUID:
    world.at("2026-12-03 10:00")
    ticket = world.instructed(contract_id)
    world.extra(ticket)
    return ticket


def test_extra_work_is_billed_only_when_the_operator_takes_it(
    service: EConcierge, clock: FixedClock
) -> None:
    """X1/X2: the operator bills its own extra work, never a Second job or a vendor's."""
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    ticket = _extra_ticket(world, contract_id)
    op = world.operator()
    service.refer_extra_work(op, ticket, ReferralTarget.OPERATOR, "VPN set-up", amount=55_000)
    service.refer_extra_work(
        op, ticket, ReferralTarget.CONCIERGE_DIRECT, "Web site", concierge_id=str(concierge),
        amount=80_000,
    )  # fmt: skip
    service.refer_extra_work(
        op, ticket, ReferralTarget.ANOTHER_VENDOR, "Server room", vendor_name="Kanto Net",
        amount=300_000,
    )  # fmt: skip
    world.close_months("2026-12")

    extra = [
        ln for ln in world.statement(contract_id, "2026-12").lines if ln.code is LineCode.EXTRA_WORK
    ]

    assert [(ln.amount, ln.date_from, ln.evidence) for ln in extra] == [
        (55_000, date(2026, 12, 3), (f"{ticket}:4",))
    ]


def test_operator_work_without_an_amount_is_billed_at_the_ticket_s_last_quote(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service()
    ticket = _extra_ticket(world, contract_id)
    service.quote_extra_work(world.operator(), ticket, "Replace all PCs", 120_000)
    service.refer_extra_work(world.operator(), ticket, ReferralTarget.OPERATOR, "Replace all PCs")
    world.close_months("2026-12")

    line: Line = world.statement(contract_id, "2026-12").lines[-1]

    assert (line.code, line.amount, line.evidence) == (
        LineCode.EXTRA_WORK, 120_000, (f"{ticket}:4", f"{ticket}:5"),
    )  # fmt: skip


def test_only_products_the_operator_sold_are_billed(service: EConcierge, clock: FixedClock) -> None:
    """O8: a concierge's sale is billed by the concierge, not on the operator's statement."""
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    world.at("2026-12-03 10:00")
    ticket = world.instructed(contract_id)
    service.record_sale(world.operator(), ticket, "Business laptop", 165_000)
    service.record_sale(world.concierge_ctx(concierge), ticket, "Toner", 8_800, quantity=2)
    service.record_sale(
        world.concierge_ctx(concierge), ticket, "Router", 22_000, sold_by=Seller.OPERATOR
    )
    world.close_months("2026-12")

    products = [
        (ln.amount, ln.description) for ln in world.statement(contract_id, "2026-12").lines
        if ln.code is LineCode.PRODUCT
    ]  # fmt: skip

    assert [amount for amount, _ in products] == [165_000, 22_000]
    assert "1 x Business laptop" in products[0][1]


def test_a_statement_never_carries_expense_lines(service: EConcierge, clock: FixedClock) -> None:
    """P7: travel and phone are included: every line is one of the billed kinds."""
    world = World(service, clock)
    contract_id, concierge = world.in_service(plan=Plan.two_tier, monthly_report=True)
    world.at("2026-12-03 10:00")
    ticket = world.instructed(contract_id)
    world.visit(ticket, concierge, "2026-12-05 10:00")
    world.close_months("2026-12")

    codes = {ln.code for s in world.statements(contract_id) for ln in (*s.lines, *s.adjustments)}

    assert codes <= set(LineCode)
    assert not any("expense" in c or "travel" in c for c in LineCode)


def test_a_two_tier_contract_bills_each_site_s_visits_in_their_own_month_across_a_close(
    service: EConcierge, clock: FixedClock
) -> None:
    """P10: a spot fee per visit at whichever site; P11/O1: +25 % out of hours. The month
    closed in between is not touched by the next month's visits (P14)."""
    # given dispersed sites, each its own cluster, on two-tier pricing
    world = World(service, clock)
    contract_id, concierge = world.in_service(
        sites=(("Tokyo", "shibuya", 4, 0), ("Kanagawa", "yokohama", 3, 0),
               ("Saitama", "omiya", 3, 0)),
        plan=Plan.two_tier,
    )  # fmt: skip
    world.at("2026-12-01 09:00")
    shibuya = world.instructed(contract_id, cluster="shibuya")
    yokohama = world.instructed(contract_id, cluster="yokohama")
    omiya = world.instructed(contract_id, cluster="omiya")
    # when December has visits at two sites, one on a Saturday, and is closed
    world.visit(shibuya, concierge, "2026-12-02 10:00")  # Wednesday, in base hours
    world.visit(yokohama, concierge, "2026-12-12 10:00")  # Saturday
    world.close_months("2026-12")
    december = world.statement(contract_id, "2026-12")
    # and January has visits at all three, one in the evening, one on a holiday
    world.visit(omiya, concierge, "2027-01-05 19:00")  # Tuesday evening
    world.visit(shibuya, concierge, "2027-01-06 14:00")  # Wednesday, in base hours
    world.visit(yokohama, concierge, "2027-01-11 10:00")  # Coming-of-Age Day, a holiday
    world.close_months("2027-01")

    # then each month bills its own visits, and December is as it was closed
    assert world.statement(contract_id, "2026-12") == december
    assert _lines(world, contract_id, "2026-12") == [
        (LineCode.MONTHLY_FEE, 30_800, date(2026, 12, 1)),
        (LineCode.SPOT_VISIT, 13_200, date(2026, 12, 2)),
        (LineCode.SPOT_VISIT, 13_200, date(2026, 12, 12)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2026, 12, 12)),
    ]
    assert _lines(world, contract_id, "2027-01") == [
        (LineCode.MONTHLY_FEE, 30_800, date(2027, 1, 1)),
        (LineCode.SPOT_VISIT, 13_200, date(2027, 1, 5)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2027, 1, 5)),
        (LineCode.SPOT_VISIT, 13_200, date(2027, 1, 6)),
        (LineCode.SPOT_VISIT, 13_200, date(2027, 1, 11)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2027, 1, 11)),
    ]
    assert world.totals(contract_id) == {
        "2026-12": 60_500, "2027-01": 77_000, "2027-02": 30_800,
    }  # fmt: skip
    spots = [
        ln.evidence for ln in world.statement(contract_id, "2027-01").lines
        if ln.code is LineCode.SPOT_VISIT
    ]  # fmt: skip
    assert spots == [(f"{omiya}:3",), (f"{shibuya}:4",), (f"{yokohama}:4",)]  # VisitLogged
    assert not world.statement(contract_id, "2027-01").adjustments


def test_the_operator_s_extra_work_is_billed_in_its_month_and_a_second_job_never(
    service: EConcierge, clock: FixedClock
) -> None:
    """X1: extra work the operator takes is billed (at its amount, else the last quote);
    X2: a Second job is a direct contract with the concierge, never on a statement."""
    # given a contract in service and an extra-charge ticket each month
    world = World(service, clock)
    contract_id, concierge = world.in_service()
    op, direct = world.operator(), ReferralTarget.CONCIERGE_DIRECT
    december = _extra_ticket(world, contract_id)  # 2026-12-03
    # when in December the operator takes a VPN set-up and the concierge a web site
    service.refer_extra_work(op, december, ReferralTarget.OPERATOR, "VPN set-up", amount=55_000)
    service.refer_extra_work(
        op, december, direct, "Web site", concierge_id=str(concierge), amount=80_000
    )
    world.close_months("2026-12")
    # and in January a quoted PC replacement goes to the operator, training to the concierge
    world.at("2027-01-14 10:00")
    january = world.instructed(contract_id)
    world.extra(january)
    service.quote_extra_work(op, january, "Replace all PCs", 120_000)
    service.refer_extra_work(op, january, direct, "Group training", concierge_id=str(concierge))
    service.refer_extra_work(op, january, ReferralTarget.OPERATOR, "Replace all PCs")
    world.close_months("2027-01")

    # then only the operator's work is billed, each in its own month
    def extra(month: str) -> list[tuple[int, date, tuple[str, ...]]]:
        return [
            (ln.amount, ln.date_from, ln.evidence)
            for ln in world.statement(contract_id, month).lines
            if ln.code is LineCode.EXTRA_WORK
        ]

    assert extra("2026-12") == [(55_000, date(2026, 12, 3), (f"{december}:4",))]
    assert extra("2027-01") == [(120_000, date(2027, 1, 14), (f"{january}:4", f"{january}:6"))]
    assert world.totals(contract_id) == {
        "2026-12": 30_800 + 55_000, "2027-01": 30_800 + 120_000, "2027-02": 30_800,
    }  # fmt: skip
    billed = {e for s in world.statements(contract_id) for ln in s.lines for e in ln.evidence}
    assert not billed & {f"{december}:5", f"{january}:5"}  # the Second-job referrals
