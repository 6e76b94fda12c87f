"""Public payloads of Concierge events (rule K1). The concierge's name is not published."""

from __future__ import annotations

from typing import Literal

import msgspec

from domain.aggregates.concierge import Concierge, ConciergeKind
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry, same_named

concierge_events = Registry("concierge", Concierge)


class ConciergeEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["concierge"] = "concierge"


class ConciergeRegisteredData(msgspec.Struct, frozen=True, kw_only=True):
    kind: ConciergeKind
    skills: tuple[str, ...]
    regions: tuple[str, ...]  # prefectures served
    languages: tuple[str, ...]  # ISO 639-1 codes


@concierge_events.publishes(Concierge.ConciergeRegistered)
class ConciergeRegistered(ConciergeEvent, frozen=True, kw_only=True):
    """The operator contracted a concierge (K1)."""

    event_type: Literal["ConciergeRegistered"] = "ConciergeRegistered"
    schema_version: Literal[1] = 1
    data: ConciergeRegisteredData
    payload = staticmethod(same_named(ConciergeRegisteredData))


class ConciergeProfileUpdatedData(msgspec.Struct, frozen=True, kw_only=True):
    skills: tuple[str, ...]
    regions: tuple[str, ...]
    languages: tuple[str, ...]


@concierge_events.publishes(Concierge.ConciergeProfileUpdated)
class ConciergeProfileUpdated(ConciergeEvent, frozen=True, kw_only=True):
    """A concierge's skills, regions or languages changed (K1)."""

    event_type: Literal["ConciergeProfileUpdated"] = "ConciergeProfileUpdated"
    schema_version: Literal[1] = 1
    data: ConciergeProfileUpdatedData
    payload = staticmethod(same_named(ConciergeProfileUpdatedData))
