"""Billing of every FAQ pricing case over several months (rules P1–P13).

Given a contract in service from 1 December 2026 and the months closed one after
another, then each month's statement bills the agreed monthly fee and its options, with
the tax split out once per statement (P13).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.billing_lines import LineCode
from domain.pricing import Plan
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from tests.projections.billing_world import World

CASES: dict[str, tuple[dict[str, Any], int]] = {
    "P1: 10 clients and 1 server are one unit": ({"sites": (("Tokyo", "hq", 10, 1),)}, 30_800),
    "P2: 30 clients are 3 units": ({"sites": (("Tokyo", "hq", 30, 0),)}, 92_400),
    "P2: each extra server adds half a unit": ({"sites": (("Tokyo", "hq", 10, 3),)}, 61_600),
    "P2: 23 clients and 1 server are 3 units": ({"sites": (("Tokyo", "hq", 23, 1),)}, 92_400),
    "P3: an agreed fee with its reason": (
        {"sites": (("Tokyo", "hq", 30, 0),), "agreed_fee": 80_000, "fee_reason": "long-term"},
        80_000,
    ),
    "P4: 100 clients bill the negotiated fee": (
        {"sites": (("Tokyo", "hq", 100, 0),), "agreed_fee": 110_000},
        110_000,
    ),
    "P5: 2 clients still pay one unit": ({"sites": (("Tokyo", "hq", 2, 0),)}, 30_800),
    "P6: a remote-only plan below one unit": (
        {
            "sites": (("Tokyo", "hq", 3, 0),),
            "plan": Plan.remote_only,
            "agreed_fee": 15_000,
            "fee_reason": "remote only",
        },
        15_000,
    ),
    "P9: two distant sites are two units": (
        {"sites": (("Tokyo", "east", 5, 0), ("Osaka", "west", 5, 0))},
        61_600,
    ),
    "P10: the two-tier base fee without visits": (
        {"sites": (("Tokyo", "hq", 40, 0),), "plan": Plan.two_tier},
        30_800,
    ),
    "P11: contracted team response adds 50 %": (
        {"sites": (("Tokyo", "hq", 10, 1),), "team_response": True},
        46_200,
    ),
    "P12: the monthly report option": (
        {"sites": (("Tokyo", "hq", 10, 1),), "monthly_report": True},
        36_300,
    ),
}


@pytest.mark.parametrize(("terms", "monthly"), CASES.values(), ids=CASES.keys())
def test_each_month_bills_the_agreed_fee_and_options(
    service: EConcierge, clock: FixedClock, terms: dict[str, Any], monthly: int
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service(**terms)

    world.close_months("2026-12", "2027-01")

    assert world.totals(contract_id) == {"2026-12": monthly, "2027-01": monthly, "2027-02": monthly}


def test_the_tax_is_split_once_per_statement(service: EConcierge, clock: FixedClock) -> None:
    """P13: tax = total x 10/110, rounded down, once for the whole statement."""
    world = World(service, clock)
    contract_id, _ = world.in_service(sites=(("Tokyo", "hq", 10, 1),), monthly_report=True)
    world.close_months("2026-12")

    (tax,) = world.statement(contract_id, "2026-12").taxes

    assert (tax.total, tax.tax_exclusive, tax.tax, tax.rate_pct) == (36_300, 33_000, 3_300, 10)


def test_every_line_names_the_events_it_comes_from(service: EConcierge, clock: FixedClock) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service(monthly_report=True)
    world.close_months("2026-12")

    fee, report = world.statement(contract_id, "2026-12").lines

    applied, started = f"{contract_id}:1", f"{contract_id}:2"
    assert (fee.code, fee.evidence) == (LineCode.MONTHLY_FEE, (applied, started))
    assert (report.code, report.evidence) == (LineCode.MONTHLY_REPORT, (applied,))


def test_recorded_volume_beyond_the_contracted_units_suggests_a_review(
    service: EConcierge, clock: FixedClock
) -> None:
    """P8: counts are recorded, not repriced; the statement flags the cluster instead."""
    world = World(service, clock)
    contract_id, _ = world.in_service(sites=(("Tokyo", "hq", 10, 1),))
    world.at("2027-01-12 10:00")
    service.record_client_count(world.operator(), contract_id, "hq", 25, 1)
    world.close_months("2026-12", "2027-01")

    december, january, _ = world.statements(contract_id)

    assert not december.review_suggested
    assert january.review_suggested and january.over_volume_clusters == ("hq",)
    assert january.total == 30_800  # the fee stays until renegotiated (P8)


def test_a_renegotiated_fee_ends_the_review_and_bills_from_its_month(
    service: EConcierge, clock: FixedClock
) -> None:
    world = World(service, clock)
    contract_id, _ = world.in_service(sites=(("Tokyo", "hq", 10, 1),))
    world.at("2027-01-12 10:00")
    service.record_client_count(world.operator(), contract_id, "hq", 25, 1)
    service.renegotiate_fee(world.operator(), contract_id, 92_400, "25 clients now", None)
    world.close_months("2026-12", "2027-01")

    statements = world.statements(contract_id)

    assert [s.total for s in statements] == [30_800, 30_800, 92_400]
    assert not statements[-1].review_suggested
    assert f"{contract_id}:4" in statements[-1].lines[0].evidence  # FeeRenegotiated


def test_visits_on_trouble_only_bills_its_reduced_fee_every_month_and_only_off_hours_extra(
    service: EConcierge, clock: FixedClock
) -> None:
    """P6: below one unit only with a reduced plan; P11: an off-hours visit is surcharged."""
    # given a 3-client office on the visits-on-trouble-only plan at 18,000 yen a month
    world = World(service, clock)
    contract_id, concierge = world.in_service(
        sites=(("Tokyo", "hq", 3, 0),), plan=Plan.visits_on_trouble_only,
        agreed_fee=18_000, fee_reason="visits on trouble only",
    )  # fmt: skip
    # when trouble brings the concierge once in December and twice in January (a Saturday)
    world.at("2026-12-09 09:00")
    ticket = world.instructed(contract_id)
    world.visit(ticket, concierge, "2026-12-09 10:00")  # Wednesday, in base hours
    world.close_months("2026-12")
    world.at("2027-01-15 09:00")
    later = world.instructed(contract_id)
    world.visit(later, concierge, "2027-01-15 10:00")  # Friday, in base hours
    world.visit(later, concierge, "2027-01-16 10:00")  # Saturday
    world.close_months("2027-01")

    # then every month bills the reduced fee; the visits are in it, the Saturday surcharged
    december, january, february = world.statements(contract_id)
    assert [(ln.code, ln.amount) for ln in december.lines] == [(LineCode.MONTHLY_FEE, 18_000)]
    assert [(ln.code, ln.amount, ln.date_from) for ln in january.lines] == [
        (LineCode.MONTHLY_FEE, 18_000, date(2027, 1, 1)),
        (LineCode.OFF_HOURS_SURCHARGE, 3_300, date(2027, 1, 16)),
    ]
    assert [(ln.code, ln.amount) for ln in february.lines] == [(LineCode.MONTHLY_FEE, 18_000)]
    assert (january.tax.total, january.tax.tax) == (21_300, 1_936)  # P13: 21,300 x 10/110
    assert january.lines[1].evidence == (f"{later}:4",)  # the Saturday VisitLogged


def test_clustered_sites_bill_one_unit_and_distant_clusters_one_each_month_after_month(
    service: EConcierge, clock: FixedClock
) -> None:
    """P9: ten franchise shops of one city with one PC each are one site (one unit);
    two distant sites need a unit each, every month (P1: 30,800 yen a unit)."""
    # given ten shops in one cluster, and a customer with two distant offices
    world = World(service, clock)
    shops, _ = world.in_service(
        "Hana Bakery", sites=tuple(("Tokyo", "shinjuku", 1, 0) for _ in range(10))
    )
    distant, _ = world.in_service(
        "Kaede Design", sites=(("Tokyo", "east", 5, 0), ("Osaka", "west", 5, 0))
    )
    # when three months are closed
    world.close_months("2026-12", "2027-01", "2027-02")

    # then
    months = ("2026-12", "2027-01", "2027-02", "2027-03")
    assert world.totals(shops) == dict.fromkeys(months, 30_800)
    assert world.totals(distant) == dict.fromkeys(months, 61_600)
    for contract_id in (shops, distant):
        statements = world.statements(contract_id)
        assert all([ln.code for ln in s.lines] == [LineCode.MONTHLY_FEE] for s in statements)
        assert all(not s.review_suggested for s in statements)  # P8: volume as agreed
