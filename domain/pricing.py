"""The standard quote: a pure pricing policy over sites, plan and options (rules P1-P13)."""

from __future__ import annotations

import math
from enum import StrEnum
from fractions import Fraction
from typing import Annotated

import msgspec

from domain.aggregates.prefectures import PREFECTURES, canonical_prefecture
from domain.errors import InvalidInput, RuleViolation
from domain.money import TaxSplit, format_yen, tax_split
from domain.rates import Rates


class Plan(StrEnum):
    """How the service is priced and delivered (rules P6, P10)."""

    standard = "standard"
    remote_only = "remote_only"
    visits_on_trouble_only = "visits_on_trouble_only"
    two_tier = "two_tier"


#: Plans under which the agreed fee may go below one unit (rule P6).
REDUCED_PLANS = frozenset({Plan.remote_only, Plan.visits_on_trouble_only})


# Size limits of quote inputs, the same as the API's (api/limits.py: Ref, Count), so that
# anything the API accepts converts; decoding refuses more with a 422.
_Place = Annotated[str, msgspec.Meta(max_length=200)]
_Count = Annotated[int, msgspec.Meta(le=100_000)]
MAX_SITES = 1_000
#: The spellings of a site's prefecture that are accepted (any of the 47, rule S5).
PREFECTURE_FORMS = '"Tokyo", "Hyogo" or "Hyōgo", "Kyoto-fu", "Osaka Prefecture", "東京都", "大阪"'


class Site(msgspec.Struct, frozen=True):
    """One customer office; sites sharing a cluster key count as one site (rule P9)."""

    prefecture: _Place
    city: _Place
    cluster: _Place
    clients: _Count
    servers: _Count = 0


class QuoteInputs(msgspec.Struct, frozen=True, kw_only=True):
    """What the operator knows when quoting a contract."""

    sites: Annotated[tuple[Site, ...], msgspec.Meta(max_length=MAX_SITES)]
    plan: Plan = Plan.standard
    extended_hours: bool = False
    team_response: bool = False
    monthly_report: bool = False


class ClusterQuote(msgspec.Struct, frozen=True, kw_only=True):
    """One site cluster: its own unit count and its own concierge (rules P2, P9, K2)."""

    key: str
    prefectures: tuple[str, ...]
    cities: tuple[str, ...]
    sites: int
    clients: int
    servers: int
    units: float  # exact: always a whole or half number
    fee: int


class QuoteLine(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the monthly total; per_visit marks an informational per-visit price."""

    code: str
    description: str
    amount: int
    per_visit: int | None = None


class Quote(msgspec.Struct, frozen=True, kw_only=True):
    """The standard quote; the contract stores the agreed fee beside it (rule P3)."""

    plan: Plan
    clusters: tuple[ClusterQuote, ...]
    clients: int
    servers: int
    units: float
    linear_fee: int
    monthly_fee: int | None  # None: the fee must be negotiated (rule P4)
    suggested_range: tuple[int, int] | None
    negotiation_required: bool
    minimum_agreed_fee: int
    spot_fee: int | None
    lines: tuple[QuoteLine, ...]
    monthly_total: int | None
    tax: TaxSplit | None
    suggestions: tuple[str, ...]
    notes: tuple[str, ...]


def validate_inputs(inputs: QuoteInputs) -> None:
    """Refuse inputs that no quote could price."""
    if not inputs.sites:
        raise InvalidInput("a quote needs at least one site", rule="P9")
    for index, site in enumerate(inputs.sites):
        if not site.cluster.strip():
            raise InvalidInput("every site needs a cluster key", rule="P9", site=index)
        if canonical_prefecture(site.prefecture) is None:
            # rule S5: all 47 prefectures, written as the concierges' regions are (K1).
            raise InvalidInput(
                f"site {index}: {site.prefecture!r} is not one of Japan's 47 prefectures;"
                f" write it in romaji or kanji, e.g. {PREFECTURE_FORMS}",
                rule="S5",
                site=index,
                prefecture=site.prefecture,
                accepted=list(PREFECTURES),
            )
        if site.clients < 0 or site.servers < 0:
            raise InvalidInput("client and server counts cannot be negative", rule="P2", site=index)


def units_for_cluster(clients: int, servers: int, rates: Rates) -> Fraction:
    """Units of one cluster: max(1, ceil(clients / 10)), plus half a unit per extra server (P2)."""
    if clients < 0 or servers < 0:
        raise InvalidInput("client and server counts cannot be negative", rule="P2")
    by_clients = max(1, -(-clients // rates.clients_per_unit))  # rule P5: at least one unit
    extra_servers = max(0, servers - by_clients * rates.servers_per_unit)
    per_server = Fraction(1, 2) if rates.extra_server_half_unit else Fraction(1)
    return by_clients + extra_servers * per_server


def fee_for_units(units: Fraction, rates: Rates) -> int:
    """Units x unit fee, in yen (exact: Rates guarantees a half unit costs whole yen)."""
    return math.floor(units * rates.unit_fee)


def contracted_volume_exceeded(
    units_contracted: float | Fraction, clients: int, servers: int, rates: Rates
) -> bool:
    """True when recorded volume, counted as one cluster, needs more units than contracted (P8)."""
    return units_for_cluster(clients, servers, rates) > Fraction(units_contracted)


def option_lines(
    monthly_fee: int,
    *,
    team_response: bool,
    monthly_report: bool,
    extended_hours: bool,
    rates: Rates,
) -> tuple[QuoteLine, ...]:
    """Surcharge and option lines added on top of a (quoted or agreed) monthly fee (P11, P12)."""
    lines: list[QuoteLine] = []
    if monthly_report:
        lines.append(
            QuoteLine(
                code="monthly_report",
                description="monthly written report (P12)",
                amount=rates.monthly_report_fee,
            )
        )
    if team_response:
        pct = rates.team_surcharge_pct
        lines.append(
            QuoteLine(
                code="team_response",
                description=f"team response surcharge, {pct} % of the fee (P11)",
                amount=monthly_fee * pct // 100,
            )
        )
    if extended_hours:
        # Charged per off-hours visit as it happens, so it adds nothing to the month up front.
        per_visit = rates.spot_fee * rates.off_hours_surcharge_pct // 100
        lines.append(
            QuoteLine(
                code="off_hours_visit",
                description=f"off-hours surcharge per visit: {format_yen(per_visit)} (P11)",
                amount=0,
                per_visit=per_visit,
            )
        )
    return tuple(lines)


def _clusters(sites: tuple[Site, ...], rates: Rates) -> tuple[ClusterQuote, ...]:
    """Group sites by cluster key, in first-seen order, and price each group."""
    groups: dict[str, list[Site]] = {}
    for site in sites:
        groups.setdefault(site.cluster, []).append(site)
    clusters = []
    for key, members in groups.items():
        clients = sum(s.clients for s in members)
        servers = sum(s.servers for s in members)
        units = units_for_cluster(clients, servers, rates)
        clusters.append(
            ClusterQuote(
                key=key,
                prefectures=tuple(dict.fromkeys(s.prefecture for s in members)),
                cities=tuple(dict.fromkeys(s.city for s in members)),
                sites=len(members),
                clients=clients,
                servers=servers,
                units=float(units),
                fee=fee_for_units(units, rates),
            )
        )
    return tuple(clusters)


def volume_discount_range(linear_fee: int, rates: Rates) -> tuple[int, int]:
    """The suggested fee range at volume: 30 %-40 % of the linear fee, rounded down (P4)."""
    return (
        linear_fee * rates.volume_discount_low_pct // 100,
        linear_fee * rates.volume_discount_high_pct // 100,
    )


def _cluster_lines(clusters: tuple[ClusterQuote, ...], rates: Rates) -> tuple[QuoteLine, ...]:
    """One line per cluster: its own units at the unit fee (rules P2, P9)."""
    return tuple(
        QuoteLine(
            code="cluster_units",
            description=f"cluster {c.key}: {c.clients} clients, {c.servers} servers = "
            f"{c.units:g} x {format_yen(rates.unit_fee)} (P2, P9)",
            amount=c.fee,
        )
        for c in clusters
    )


def _two_tier_lines(base_fee: int, spot_fee: int) -> tuple[QuoteLine, ...]:
    """The base fee line and the informational per-visit spot fee line (rule P10)."""
    return (
        QuoteLine(code="two_tier_base", description="two-tier base fee (P10)", amount=base_fee),
        QuoteLine(
            code="spot_visit",
            description=f"spot fee per visit: {format_yen(spot_fee)} (P10)",
            amount=0,
            per_visit=spot_fee,
        ),
    )


def standard_quote(inputs: QuoteInputs, rates: Rates) -> Quote:
    """Compute the standard quote of rules P1-P13 for these inputs."""
    validate_inputs(inputs)
    clusters = _clusters(inputs.sites, rates)
    clients = sum(c.clients for c in clusters)
    units = sum((units_for_cluster(c.clients, c.servers, rates) for c in clusters), Fraction(0))
    linear_fee = fee_for_units(units, rates)  # rules P2, P9: sum over clusters
    notes: list[str] = []
    suggestions: list[str] = []
    monthly_fee: int | None
    suggested_range: tuple[int, int] | None = None
    spot_fee: int | None = None
    base_lines: tuple[QuoteLine, ...] = ()

    if inputs.plan == Plan.two_tier:
        # rule P10: a base fee whatever the cluster count, plus a spot fee per visit.
        # Decision (P4, P10): P4's negotiated range does not apply to a two-tier contract,
        # even of 100 clients or more: the range is 30-40 % of the *linear* fee, and the
        # two-tier base fee is not linear (one base whatever the volume; the visits are
        # paid one by one). The FAQ's 100 dispersed sites are quoted two-tier at the base
        # fee plus 13,200 per visit, with no agreed fee required; an operator who agrees
        # another base fee records it with a reason (P3).
        monthly_fee = rates.two_tier_base_units * rates.unit_fee
        spot_fee = rates.spot_fee
        base_lines = _two_tier_lines(monthly_fee, spot_fee)
        notes.append(f"Each visit is billed {format_yen(spot_fee)} on top of the base fee.")
    elif clients >= rates.volume_discount_threshold_clients:
        # rule P4: no linear fee at this volume; the operator negotiates within a range.
        monthly_fee = None
        suggested_range = volume_discount_range(linear_fee, rates)
        notes.append(
            f"{clients} clients: the fee must be negotiated; suggested "
            f"{format_yen(suggested_range[0])} to {format_yen(suggested_range[1])}"
            f" ({rates.volume_discount_low_pct}-{rates.volume_discount_high_pct} % of"
            f" the linear {format_yen(linear_fee)})."
        )
    else:
        monthly_fee = linear_fee
        base_lines = _cluster_lines(clusters, rates)

    if inputs.plan in REDUCED_PLANS:
        minimum_agreed_fee = 0  # rule P6
        notes.append(f"Plan {inputs.plan}: the agreed fee may be below one unit (P6).")
    else:
        minimum_agreed_fee = rates.unit_fee  # rule P5
    if inputs.plan == Plan.standard and len(clusters) >= rates.two_tier_suggestion_clusters:
        suggestions.append(Plan.two_tier.value)
        notes.append(f"{len(clusters)} separate clusters: consider two-tier pricing (P10).")

    lines: tuple[QuoteLine, ...] = ()
    monthly_total: int | None = None
    tax: TaxSplit | None = None
    if monthly_fee is not None:
        lines = base_lines + option_lines(
            monthly_fee,
            team_response=inputs.team_response,
            monthly_report=inputs.monthly_report,
            extended_hours=inputs.extended_hours,
            rates=rates,
        )
        monthly_total = sum(line.amount for line in lines)
        tax = tax_split(monthly_total, rates.tax_rate_pct)  # rule P13
    elif inputs.team_response or inputs.monthly_report or inputs.extended_hours:
        notes.append("Options and surcharges are added on top of the agreed fee (P11, P12).")

    return Quote(
        plan=inputs.plan,
        clusters=clusters,
        clients=clients,
        servers=sum(c.servers for c in clusters),
        units=float(units),
        linear_fee=linear_fee,
        monthly_fee=monthly_fee,
        suggested_range=suggested_range,
        negotiation_required=monthly_fee is None,
        minimum_agreed_fee=minimum_agreed_fee,
        spot_fee=spot_fee,
        lines=lines,
        monthly_total=monthly_total,
        tax=tax,
        suggestions=tuple(suggestions),
        notes=tuple(notes),
    )


def check_agreed_fee(quote: Quote, agreed_fee: int | None, reason: str | None) -> int:
    """Return the monthly fee to contract, before options, or refuse it (rules P3-P6)."""
    if agreed_fee is None:
        if quote.monthly_fee is None:
            low, high = quote.suggested_range or (0, 0)
            raise RuleViolation(
                f"{quote.clients} clients: an agreed fee is required; suggested range "
                f"{format_yen(low)} to {format_yen(high)}",
                rule="P4",
                suggested_range=[low, high],
            )
        return quote.monthly_fee
    if agreed_fee < 0:
        raise InvalidInput("the agreed fee cannot be negative", rule="P6", agreed_fee=agreed_fee)
    if agreed_fee < quote.minimum_agreed_fee:
        raise RuleViolation(
            f"the agreed fee cannot be below {format_yen(quote.minimum_agreed_fee)} on plan "
            f"{quote.plan}; only the reduced plans remote_only and visits_on_trouble_only (P6)"
            " go lower",
            rule="P5",
            agreed_fee=agreed_fee,
            minimum=quote.minimum_agreed_fee,
        )
    # Under P4 the suggested range is the standard; a fee inside it needs no explanation.
    if quote.suggested_range is not None:
        expected = quote.suggested_range[0] <= agreed_fee <= quote.suggested_range[1]
    else:
        expected = agreed_fee == quote.monthly_fee
    if not expected and not (reason or "").strip():
        raise InvalidInput(
            "an agreed fee that differs from the standard quote needs a reason",
            rule="P3",
            agreed_fee=agreed_fee,
            quoted_fee=quote.monthly_fee,
        )
    return agreed_fee
