"""Public payloads of LiabilityClaim events (rules L1–L7): codes only, never the description."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

import msgspec

from domain.aggregates.liability_claim import LiabilityClaim
from domain.liability import ClaimKind, FindingKind
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry, same_named

liability_events = Registry("liability_claim", LiabilityClaim)


class LiabilityEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["liability_claim"] = "liability_claim"


class ClaimFiledData(msgspec.Struct, frozen=True, kw_only=True):
    ticket_id: UUID
    contract_id: UUID
    kind: ClaimKind


@liability_events.publishes(LiabilityClaim.ClaimFiled)
class ClaimFiled(LiabilityEvent, frozen=True, kw_only=True):
    """The operator filed a liability claim on a ticket."""

    event_type: Literal["ClaimFiled"] = "ClaimFiled"
    schema_version: Literal[1] = 1
    data: ClaimFiledData
    payload = staticmethod(same_named(ClaimFiledData))


class FindingRecordedData(msgspec.Struct, frozen=True, kw_only=True):
    finding: FindingKind
    value: bool


@liability_events.publishes(LiabilityClaim.FindingRecorded)
class FindingRecorded(LiabilityEvent, frozen=True, kw_only=True):
    """The operator established (or revised) one finding of the claim."""

    event_type: Literal["FindingRecorded"] = "FindingRecorded"
    schema_version: Literal[1] = 1
    data: FindingRecordedData
    payload = staticmethod(same_named(FindingRecordedData))
