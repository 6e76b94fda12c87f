"""Specification of the per-invoice tax split (rule P13)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from domain.money import TaxSplit, format_yen, tax_split


def test_one_unit_splits_into_28000_plus_2800_tax() -> None:
    # rule P1, P13: 30,800 = 28,000 + 2,800
    assert tax_split(30_800, 10) == TaxSplit(
        total=30_800, tax_exclusive=28_000, tax=2_800, rate_pct=10
    )


def test_three_units_split_into_84000_plus_8400_tax() -> None:
    # rule P2, P13: 92,400 = 84,000 + 8,400
    split = tax_split(92_400, 10)
    assert (split.tax_exclusive, split.tax) == (84_000, 8_400)


def test_spot_fee_splits_into_12000_plus_1200_tax() -> None:
    # rule P10, P13: 13,200 = 12,000 + 1,200
    split = tax_split(13_200, 10)
    assert (split.tax_exclusive, split.tax) == (12_000, 1_200)


def test_tax_is_rounded_down_once_per_invoice() -> None:
    # rule P13: 1,000 x 10/110 = 90.9... -> 90
    assert tax_split(1_000, 10).tax == 90


def test_a_credit_mirrors_the_invoice_it_offsets() -> None:
    # rule P14: a correction must not gain or lose a yen of tax by rounding
    assert tax_split(-1_000, 10).tax == -tax_split(1_000, 10).tax


def test_yen_are_shown_with_thousands_separators() -> None:
    assert format_yen(92_400) == "92,400 yen"


@given(total=st.integers(min_value=0, max_value=10**12), rate=st.integers(0, 100))
def test_tax_plus_tax_exclusive_is_the_total(total: int, rate: int) -> None:
    # rule P13: the split explains every yen of the total
    split = tax_split(total, rate)
    assert split.tax + split.tax_exclusive == total


@given(total=st.integers(min_value=0, max_value=10**12))
def test_tax_is_the_floor_of_ten_elevenths(total: int) -> None:
    # rule P13: integer arithmetic equals the exact rational floor
    tax = tax_split(total, 10).tax
    assert tax * 110 <= total * 10 < (tax + 1) * 110
