"""Money is integer yen, tax included; the tax is split out once per invoice (P13)."""

from __future__ import annotations

import msgspec

from domain.errors import InvalidInput


class TaxSplit(msgspec.Struct, frozen=True, kw_only=True):
    """A tax-inclusive total split into its tax-exclusive part and its consumption tax."""

    total: int
    tax_exclusive: int
    tax: int
    rate_pct: int


def tax_split(total: int, rate_pct: int) -> TaxSplit:
    """Split a tax-inclusive total: tax = floor(total x rate / (100 + rate)) (rule P13)."""
    if rate_pct < 0:
        raise InvalidInput("a tax rate cannot be negative", rule="P13", rate_pct=rate_pct)
    # Integers only: a float 10/110 would misround some totals by a yen.
    # A negative total (a credit) mirrors the invoice it offsets, so round its magnitude.
    magnitude = abs(total) * rate_pct // (100 + rate_pct)
    tax = magnitude if total >= 0 else -magnitude
    return TaxSplit(total=total, tax_exclusive=total - tax, tax=tax, rate_pct=rate_pct)


def format_yen(amount: int) -> str:
    """Render an amount for humans, e.g. '92,400 yen'."""
    return f"{amount:,} yen"
