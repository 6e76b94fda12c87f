"""Public payloads of Contract events (rules P1–P13, C1–C6).

Left out on purpose: the customer's name, site cities, the fee reason and the NDA
reference (free text and customer-identifying details stay inside the service).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from domain.aggregates.contract import Contract, Payment
from domain.pricing import Plan
from domain.terms import Term
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry

contract_events = Registry("contract", Contract)


class ContractEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["contract"] = "contract"


class SiteVolume(msgspec.Struct, frozen=True, kw_only=True):
    """One site as priced: its cluster (rule P9), prefecture and volume (rule P8)."""

    cluster: str
    prefecture: str
    clients: int
    servers: int


class ContractTariff(msgspec.Struct, frozen=True, kw_only=True):
    """The rates the contract was made on, in yen and percent (rules P10–P13)."""

    unit_fee: int
    spot_fee: int
    off_hours_surcharge_pct: int
    team_surcharge_pct: int
    monthly_report_fee: int
    tax_rate_pct: int


class ContractAppliedData(msgspec.Struct, frozen=True, kw_only=True):
    plan: Plan
    term: Term
    payment: Payment
    extended_hours: bool
    team_response: bool
    monthly_report: bool
    sites: tuple[SiteVolume, ...]
    units: float
    standard_monthly_fee: int | None  # None: the fee had to be negotiated (rule P4)
    monthly_fee: int  # the agreed fee, tax included (rule P3)
    fee_differs_from_quote: bool  # an agreed fee other than the standard quote (rule P3)
    tariff: ContractTariff
    received_on: date
    service_start_date: date
    mid_month_start: bool  # rule C1: the first month is billed in full


@contract_events.publishes(Contract.ContractApplied)
class ContractApplied(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["ContractApplied"] = "ContractApplied"
    schema_version: Literal[1] = 1
    data: ContractAppliedData

    @staticmethod
    def payload(e: Contract.ContractApplied) -> ContractAppliedData:
        return ContractAppliedData(
            plan=e.plan,
            term=e.term,
            payment=e.payment,
            extended_hours=e.extended_hours,
            team_response=e.team_response,
            monthly_report=e.monthly_report,
            sites=tuple(
                SiteVolume(
                    cluster=s.cluster, prefecture=s.prefecture, clients=s.clients, servers=s.servers
                )
                for s in e.sites
            ),
            units=e.units,
            standard_monthly_fee=e.standard_monthly_fee,
            monthly_fee=e.monthly_fee,
            fee_differs_from_quote=e.monthly_fee != e.standard_monthly_fee,
            tariff=msgspec.convert(msgspec.to_builtins(e.tariff), ContractTariff),
            received_on=e.received_on,
            service_start_date=e.service_start_date,
            mid_month_start=e.mid_month_start,
        )


class ContractStartedData(msgspec.Struct, frozen=True, kw_only=True):
    started_on: date


@contract_events.publishes(Contract.ContractStarted)
class ContractStarted(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["ContractStarted"] = "ContractStarted"
    schema_version: Literal[1] = 1
    data: ContractStartedData

    @staticmethod
    def payload(e: Contract.ContractStarted) -> ContractStartedData:
        return ContractStartedData(started_on=e.started_on)


class ClientCountChangedData(msgspec.Struct, frozen=True, kw_only=True):
    cluster: str
    clients: int
    servers: int


@contract_events.publishes(Contract.ClientCountChanged)
class ClientCountChanged(ContractEvent, frozen=True, kw_only=True):
    """Rule P8: the recorded volume changed; the fee stays until renegotiated."""

    event_type: Literal["ClientCountChanged"] = "ClientCountChanged"
    schema_version: Literal[1] = 1
    data: ClientCountChangedData

    @staticmethod
    def payload(e: Contract.ClientCountChanged) -> ClientCountChangedData:
        return ClientCountChangedData(cluster=e.cluster, clients=e.clients, servers=e.servers)


class FeeRenegotiatedData(msgspec.Struct, frozen=True, kw_only=True):
    monthly_fee: int
    previous_fee: int
    effective_from: date


@contract_events.publishes(Contract.FeeRenegotiated)
class FeeRenegotiated(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["FeeRenegotiated"] = "FeeRenegotiated"
    schema_version: Literal[1] = 1
    data: FeeRenegotiatedData

    @staticmethod
    def payload(e: Contract.FeeRenegotiated) -> FeeRenegotiatedData:
        return FeeRenegotiatedData(
            monthly_fee=e.monthly_fee, previous_fee=e.previous_fee, effective_from=e.effective_from
        )


class NdaSignedData(msgspec.Struct, frozen=True, kw_only=True):
    signed_on: date


@contract_events.publishes(Contract.NdaSigned)
class NdaSigned(ContractEvent, frozen=True, kw_only=True):
    """Rule C5: a separate NDA was signed (its reference is not published)."""

    event_type: Literal["NdaSigned"] = "NdaSigned"
    schema_version: Literal[1] = 1
    data: NdaSignedData

    @staticmethod
    def payload(e: Contract.NdaSigned) -> NdaSignedData:
        return NdaSignedData(signed_on=e.signed_on)


class CancellationRequestedData(msgspec.Struct, frozen=True, kw_only=True):
    requested_end_date: date
    received_on: date


@contract_events.publishes(Contract.CancellationRequested)
class CancellationRequested(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["CancellationRequested"] = "CancellationRequested"
    schema_version: Literal[1] = 1
    data: CancellationRequestedData

    @staticmethod
    def payload(e: Contract.CancellationRequested) -> CancellationRequestedData:
        return CancellationRequestedData(
            requested_end_date=e.requested_end_date, received_on=e.received_on
        )


class CancellationWithdrawnData(msgspec.Struct, frozen=True, kw_only=True):
    requested_end_date: date


@contract_events.publishes(Contract.CancellationWithdrawn)
class CancellationWithdrawn(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["CancellationWithdrawn"] = "CancellationWithdrawn"
    schema_version: Literal[1] = 1
    data: CancellationWithdrawnData

    @staticmethod
    def payload(e: Contract.CancellationWithdrawn) -> CancellationWithdrawnData:
        return CancellationWithdrawnData(requested_end_date=e.requested_end_date)


class ContractEndedData(msgspec.Struct, frozen=True, kw_only=True):
    ended_on: date


@contract_events.publishes(Contract.ContractEnded)
class ContractEnded(ContractEvent, frozen=True, kw_only=True):
    event_type: Literal["ContractEnded"] = "ContractEnded"
    schema_version: Literal[1] = 1
    data: ContractEndedData

    @staticmethod
    def payload(e: Contract.ContractEnded) -> ContractEndedData:
        return ContractEndedData(ended_on=e.ended_on)
