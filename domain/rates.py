"""Every tariff number of the service, in one settings object (rules P1-P13)."""

from __future__ import annotations

import msgspec

from domain.errors import InvalidInput


class Rates(msgspec.Struct, frozen=True, kw_only=True):
    """The tariff: amounts in integer yen, tax included; rates in whole percent.

    The defaults restate the FAQ and our decisions; the infra settings build the
    instance actually used from environment variables, so no other module may hold
    a literal tariff number.
    """

    unit_fee: int = 30_800  # rule P1: one concierge's worth per month
    clients_per_unit: int = 10  # rule P1
    servers_per_unit: int = 1  # rule P1
    extra_server_half_unit: bool = True  # rule P2 decision; False: a whole unit each
    spot_fee: int = 13_200  # rule P10: per visit under two-tier pricing
    two_tier_base_units: int = 1  # rule P10: base fee in units
    volume_discount_threshold_clients: int = 100  # rule P4
    volume_discount_low_pct: int = 30  # rule P4: suggested range, low bound
    volume_discount_high_pct: int = 40  # rule P4: suggested range, high bound
    off_hours_surcharge_pct: int = 25  # rule P11: of the spot fee, per off-hours visit
    team_surcharge_pct: int = 50  # rule P11: of the monthly fee while a team is assigned
    monthly_report_fee: int = 5_500  # rule P12 (our decision)
    tax_rate_pct: int = 10  # rule P13
    two_tier_suggestion_clusters: int = 5  # rule P10: this many clusters suggests two_tier

    def __post_init__(self) -> None:
        """Refuse a tariff under which a fee could not be exact integer yen."""
        for name in self.__struct_fields__:
            value = getattr(self, name)
            if not isinstance(value, bool) and value < 0:
                raise InvalidInput(f"tariff {name} must not be negative", rule="P1", field=name)
        if self.clients_per_unit < 1 or self.servers_per_unit < 0:
            raise InvalidInput("a unit must cover at least one client", rule="P1")
        # A half unit must cost whole yen, otherwise lines would not add up to the fee.
        if self.extra_server_half_unit and self.unit_fee % 2:
            raise InvalidInput("unit_fee must be even when servers add half units", rule="P2")
        if self.volume_discount_low_pct > self.volume_discount_high_pct:
            raise InvalidInput("volume discount range is inverted", rule="P4")
