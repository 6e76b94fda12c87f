"""Specification of the standard quote and the agreed fee (rules P1-P13)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.aggregates.prefectures import PREFECTURES
from domain.errors import InvalidInput, RuleViolation
from domain.pricing import (
    Plan,
    Quote,
    QuoteInputs,
    Site,
    check_agreed_fee,
    contracted_volume_exceeded,
    standard_quote,
    units_for_cluster,
)
from domain.rates import Rates

RATES = Rates()


def site(clients: int, servers: int = 0, cluster: str = "tokyo-chiyoda") -> Site:
    """A site in Tokyo; the cluster key decides whether it shares a concierge."""
    return Site(
        prefecture="Tokyo", city="Chiyoda", cluster=cluster, clients=clients, servers=servers
    )


def quote(*sites: Site, **options: Any) -> Quote:
    """The standard quote of these sites under the default tariff."""
    return standard_quote(QuoteInputs(sites=sites, **options), RATES)


def test_one_unit_is_10_clients_and_1_server_at_30800_of_which_2800_tax() -> None:
    # rule P1 (and P13): 30,800 = 28,000 + 2,800 tax
    q = quote(site(10, servers=1))
    assert (q.units, q.monthly_fee, q.monthly_total) == (1, 30_800, 30_800)
    assert [(line.code, line.amount) for line in q.lines] == [("cluster_units", 30_800)]
    assert q.tax is not None
    assert (q.tax.total, q.tax.tax_exclusive, q.tax.tax, q.tax.rate_pct) == (
        30_800, 28_000, 2_800, 10
    )  # fmt: skip


def test_30_clients_are_3_units_at_92400() -> None:
    # rule P2: linear
    q = quote(site(30))
    assert (q.units, q.monthly_fee, q.monthly_total) == (3, 92_400, 92_400)


def test_2_clients_still_pay_the_one_unit_minimum() -> None:
    # rule P5
    q = quote(site(2))
    assert (q.units, q.monthly_fee, q.minimum_agreed_fee) == (1, 30_800, 30_800)


def test_100_clients_need_a_negotiated_fee_in_the_suggested_range() -> None:
    # rule P4
    q = quote(site(100))
    assert q.linear_fee == 308_000
    assert q.suggested_range == (92_400, 123_200)
    assert q.negotiation_required and q.monthly_fee is None and q.monthly_total is None
    assert any("negotiated" in note for note in q.notes)


def test_a_large_contract_cannot_be_agreed_without_an_explicit_fee() -> None:
    # rule P4: the error tells the operator the range to negotiate within
    with pytest.raises(RuleViolation) as error:
        check_agreed_fee(quote(site(100)), None, None)
    assert error.value.rule == "P4" and "92,400" in error.value.message


def test_a_negotiated_fee_inside_the_suggested_range_needs_no_reason() -> None:
    # rule P3, P4
    assert check_agreed_fee(quote(site(100)), 100_000, None) == 100_000


def test_ten_franchise_shops_in_one_cluster_are_one_unit() -> None:
    # rule P9: clustered sites count as one site
    shops = [site(1, cluster="sapporo-chuo") for _ in range(10)]
    q = quote(*shops)
    assert (len(q.clusters), q.units, q.monthly_fee) == (1, 1, 30_800)
    assert q.clusters[0].sites == 10


def test_two_distant_sites_each_need_their_own_unit() -> None:
    # rule P9: 2 x 30,800
    q = quote(site(5, cluster="tokyo"), site(5, cluster="osaka"))
    assert (q.units, q.monthly_fee) == (2, 61_600)
    assert [line.amount for line in q.lines] == [30_800, 30_800]


def test_two_tier_is_one_base_unit_plus_a_spot_fee_per_visit() -> None:
    # rule P10: 100 dispersed sites
    dispersed = [site(1, cluster=f"shop-{n}") for n in range(100)]
    q = quote(*dispersed, plan=Plan.two_tier)
    assert (q.monthly_fee, q.spot_fee, q.negotiation_required) == (30_800, 13_200, False)
    assert q.monthly_total == 30_800


def test_a_standard_quote_of_many_dispersed_sites_suggests_two_tier() -> None:
    # rule P10
    q = quote(*[site(1, cluster=f"shop-{n}") for n in range(RATES.two_tier_suggestion_clusters)])
    assert q.suggestions == ("two_tier",)


def test_100_dispersed_sites_quoted_standard_suggest_two_tier_and_a_negotiated_fee() -> None:
    # rules P9, P4, P10 (FAQ: 100 dispersed sites): on the standard plan each site is its
    # own cluster and unit (P9), so 100 units = 3,080,000 linear; 100 clients call for a
    # negotiated fee of 30-40 % of it (P4); so many clusters suggest two-tier (P10).
    q = quote(*[site(1, cluster=f"shop-{n}") for n in range(100)])
    assert (len(q.clusters), q.units, q.linear_fee) == (100, 100, 3_080_000)
    assert q.suggestions == ("two_tier",)
    assert q.negotiation_required and q.monthly_fee is None and q.monthly_total is None
    assert q.suggested_range == (924_000, 1_232_000) and q.lines == ()
    assert any("two-tier" in note for note in q.notes)
    with pytest.raises(RuleViolation) as error:  # no contract without an agreed fee (P4)
        check_agreed_fee(q, None, None)
    assert error.value.rule == "P4"


def test_a_two_tier_contract_of_100_clients_and_more_needs_no_negotiated_fee() -> None:
    # rules P4, P10 (decision in domain/pricing.py): P4's range discounts a linear fee; a
    # two-tier base fee is not linear, so it stands whatever the volume
    q = quote(*[site(3, cluster=f"shop-{n}") for n in range(100)], plan=Plan.two_tier)
    assert q.clients == 300 and q.linear_fee == 3_080_000  # 100 units, were it linear
    assert (q.monthly_fee, q.suggested_range, q.negotiation_required) == (30_800, None, False)
    assert check_agreed_fee(q, None, None) == 30_800
    assert [(line.code, line.amount, line.per_visit) for line in q.lines] == [
        ("two_tier_base", 30_800, None), ("spot_visit", 0, 13_200)
    ]  # fmt: skip


def test_a_few_clusters_do_not_suggest_two_tier() -> None:
    # rule P10
    assert quote(site(1, cluster="a"), site(1, cluster="b")).suggestions == ()


def test_servers_beyond_one_per_unit_add_half_a_unit_each() -> None:
    # rule P2 decision: 10 clients + 3 servers = 2 units
    assert units_for_cluster(10, 3, RATES) == 2
    assert quote(site(10, servers=3)).monthly_fee == 61_600


def test_servers_within_the_allowance_add_nothing() -> None:
    # rule P2 decision: 23 clients + 1 server = 3 units
    assert units_for_cluster(23, 1, RATES) == 3


def test_half_units_are_priced_exactly() -> None:
    # rule P2 decision: 10 clients + 2 servers = 1.5 units
    q = quote(site(10, servers=2))
    assert (q.units, q.monthly_fee) == (1.5, 46_200)


def test_the_quote_shows_the_tax_once_for_the_month() -> None:
    # rule P13
    tax = quote(site(30)).tax
    assert tax is not None and (tax.tax_exclusive, tax.tax) == (84_000, 8_400)


def test_monthly_report_option_adds_its_fee() -> None:
    # rule P12
    q = quote(site(10), monthly_report=True)
    assert q.monthly_total == 30_800 + RATES.monthly_report_fee
    assert q.monthly_fee == 30_800


def test_team_response_adds_half_the_monthly_fee() -> None:
    # rule P11: +50 %
    q = quote(site(30), team_response=True)
    assert q.monthly_total == 92_400 + 46_200


def test_extended_hours_price_each_off_hours_visit_not_the_month() -> None:
    # rule P11: +25 % of the spot fee per off-hours visit
    q = quote(site(10), extended_hours=True)
    off_hours = [line for line in q.lines if line.code == "off_hours_visit"]
    assert [(line.amount, line.per_visit) for line in off_hours] == [(0, 3_300)]
    assert q.monthly_total == 30_800


def test_remote_only_may_agree_a_fee_below_one_unit() -> None:
    # rule P6
    q = quote(site(2), plan=Plan.remote_only)
    assert q.monthly_fee == 30_800 and q.minimum_agreed_fee == 0
    assert check_agreed_fee(q, 15_000, "remote only, first-line support in house") == 15_000


def test_no_plan_agrees_a_fee_below_zero() -> None:
    # rule P6: never below zero
    with pytest.raises(InvalidInput) as error:
        check_agreed_fee(quote(site(2), plan=Plan.remote_only), -1, "refund")
    assert error.value.rule == "P6"


def test_standard_plan_refuses_a_fee_below_one_unit() -> None:
    # rule P5, pointing to the reduced plans of P6
    with pytest.raises(RuleViolation) as error:
        check_agreed_fee(quote(site(2)), 15_000, "small customer")
    assert error.value.rule == "P5" and "remote_only" in error.value.message


def test_an_agreed_fee_different_from_the_quote_needs_a_reason() -> None:
    # rule P3
    with pytest.raises(InvalidInput) as error:
        check_agreed_fee(quote(site(30)), 80_000, "  ")
    assert error.value.rule == "P3"


def test_an_agreed_fee_with_a_reason_is_contracted() -> None:
    # rule P3
    assert check_agreed_fee(quote(site(30)), 80_000, "customer does first-line support") == 80_000


def test_without_an_agreed_fee_the_quoted_fee_is_contracted() -> None:
    # rule P3
    assert check_agreed_fee(quote(site(30)), None, None) == 92_400


def test_a_quote_needs_at_least_one_site() -> None:
    # rule P9
    with pytest.raises(InvalidInput) as error:
        quote()
    assert error.value.rule == "P9"


@pytest.mark.parametrize("prefecture", PREFECTURES)
def test_a_site_may_be_in_any_of_the_47_prefectures(prefecture: str) -> None:
    # rule S5: all 47 prefectures
    q = quote(Site(prefecture=prefecture, city="Somewhere", cluster="hq", clients=3))
    assert q.clusters[0].prefectures == (prefecture,)


@pytest.mark.parametrize(
    "written", ["東京都", "東京", "大阪府", "Hyōgo", "HYOGO", "Kyoto-fu", "Osaka Prefecture"]
)
def test_a_sites_prefecture_may_be_written_in_kanji_or_romaji(written: str) -> None:
    # rule S5, written as concierges' regions are (K1); the quote keeps it as written
    q = quote(Site(prefecture=written, city="Somewhere", cluster="hq", clients=3))
    assert (q.clusters[0].prefectures, q.monthly_fee) == ((written,), 30_800)


@pytest.mark.parametrize("written", ["Tokio", "Narnia", "Tokyo Minato", "  ", ""])
def test_a_site_outside_the_47_prefectures_is_refused_naming_what_is_accepted(
    written: str,
) -> None:
    # rule S5
    with pytest.raises(InvalidInput) as error:
        quote(site(3), Site(prefecture=written, city="Somewhere", cluster="hq", clients=3))
    assert error.value.rule == "S5"
    assert error.value.details["site"] == 1 and error.value.details["prefecture"] == written
    assert error.value.details["accepted"] == list(PREFECTURES) and len(PREFECTURES) == 47
    assert "47 prefectures" in error.value.message and "東京都" in error.value.message


def test_negative_client_counts_are_refused() -> None:
    # rule P2
    with pytest.raises(InvalidInput):
        quote(site(-1))


def test_recorded_volume_beyond_contracted_units_suggests_a_review() -> None:
    # rule P8: 15 clients may stay 1 unit until negotiated, but get flagged
    assert contracted_volume_exceeded(1, 15, 0, RATES)
    assert not contracted_volume_exceeded(2, 15, 1, RATES)


def test_tariff_numbers_come_from_the_rates() -> None:
    # rule P1: settings, not code, hold the tariff
    q = standard_quote(QuoteInputs(sites=(site(30),)), Rates(unit_fee=33_000))
    assert q.monthly_fee == 99_000


sites_strategy = st.lists(
    st.builds(
        site,
        clients=st.integers(0, 60),
        servers=st.integers(0, 5),
        cluster=st.sampled_from(["a", "b", "c", "d"]),
    ),
    min_size=1,
    max_size=8,
)


@given(sites=sites_strategy)
def test_the_linear_fee_is_always_units_times_the_unit_fee(sites: list[Site]) -> None:
    # rule P2
    q = quote(*sites)
    assert q.linear_fee == q.units * RATES.unit_fee
    assert q.units == sum(c.units for c in q.clusters)


@given(sites=sites_strategy, report=st.booleans(), team=st.booleans(), off=st.booleans())
def test_the_lines_explain_every_yen_of_the_monthly_total(
    sites: list[Site], report: bool, team: bool, off: bool
) -> None:
    # rule P3: a quote without negotiation is fully itemised
    q = quote(*sites, monthly_report=report, team_response=team, extended_hours=off)
    if q.monthly_total is not None:
        assert sum(line.amount for line in q.lines) == q.monthly_total
        assert q.tax is not None and q.tax.total == q.monthly_total
