"""Specification of volume and fee changes: recorded, never repriced (P3, P5, P6, P8)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidInput, RuleViolation
from domain.pricing import Plan
from tests.domain.builders import applied, cause, given, site, started, then

RUNNING = applied(site("hq", clients=30), received_on=date(2026, 4, 1))


# ---- P8: volume is recorded, never repriced ------------------------------------------


def test_a_client_count_change_is_recorded_without_a_fee_change() -> None:
    # rule P8: 45 clients would be 5 units, but the fee stays until renegotiated
    contract = given(RUNNING, started())
    contract.record_client_count(cause(date(2026, 6, 1)), "hq", 45, 1)
    assert then(contract) == [
        ("ClientCountChanged", {"cluster": "hq", "clients": 45, "servers": 1})
    ]
    assert contract.monthly_fee == 92_400
    assert contract.volumes["hq"].clients == 45


def test_a_client_count_for_an_unknown_cluster_is_refused() -> None:
    # rule P9
    contract = given(RUNNING)
    with pytest.raises(InvalidInput) as refused:
        contract.record_client_count(cause(date(2026, 6, 1)), "nagoya", 5, 0)
    assert refused.value.rule == "P9"


def test_a_negative_client_count_is_refused() -> None:
    # rule P8
    contract = given(RUNNING)
    with pytest.raises(InvalidInput):
        contract.record_client_count(cause(date(2026, 6, 1)), "hq", -1, 0)


# ---- P3/P5/P6/P8: fee renegotiation ---------------------------------------------------


def test_a_fee_change_is_its_own_event_with_its_reason() -> None:
    # rules P3, P8
    contract = given(RUNNING, started())
    contract.renegotiate_fee(
        cause(date(2026, 6, 10)), 123_200, "grew to 40 clients", date(2026, 7, 1)
    )
    assert then(contract) == [
        (
            "FeeRenegotiated",
            {
                "monthly_fee": 123_200,
                "previous_fee": 92_400,
                "reason": "grew to 40 clients",
                "effective_from": date(2026, 7, 1),
            },
        )
    ]
    assert (contract.monthly_fee, contract.fee_reason) == (123_200, "grew to 40 clients")


def test_a_fee_change_needs_a_reason() -> None:
    # rule P3
    contract = given(RUNNING)
    with pytest.raises(InvalidInput) as refused:
        contract.renegotiate_fee(cause(date(2026, 6, 10)), 61_600, "  ", date(2026, 7, 1))
    assert refused.value.rule == "P3"


def test_a_fee_below_one_unit_is_refused_on_the_standard_plan() -> None:
    # rule P5
    contract = given(RUNNING)
    with pytest.raises(RuleViolation) as refused:
        contract.renegotiate_fee(cause(date(2026, 6, 10)), 30_799, "discount", date(2026, 7, 1))
    assert refused.value.rule == "P5"


def test_a_reduced_plan_may_go_below_one_unit() -> None:
    # rule P6
    contract = given(applied(site(clients=2), plan=Plan.visits_on_trouble_only))
    contract.renegotiate_fee(cause(date(2026, 6, 10)), 20_000, "few visits", date(2026, 7, 1))
    assert then(contract)[0][1]["monthly_fee"] == 20_000


def test_a_fee_is_never_below_zero() -> None:
    # rule P6
    contract = given(applied(site(clients=2), plan=Plan.remote_only))
    with pytest.raises(InvalidInput) as refused:
        contract.renegotiate_fee(cause(date(2026, 6, 10)), -100, "credit", date(2026, 7, 1))
    assert refused.value.rule == "P6"


def test_a_fee_change_takes_effect_on_the_1st_of_a_month() -> None:
    # rule C1 (fees are monthly)
    contract = given(RUNNING)
    with pytest.raises(InvalidInput):
        contract.renegotiate_fee(cause(date(2026, 6, 10)), 61_600, "smaller", date(2026, 7, 15))


def test_the_same_fee_again_is_no_change() -> None:
    # rule P8
    contract = given(RUNNING)
    with pytest.raises(RuleViolation):
        contract.renegotiate_fee(cause(date(2026, 6, 10)), 92_400, "same", date(2026, 7, 1))
