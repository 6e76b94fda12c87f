"""Public payloads of DataSubject events: personal data was erased (Japan's APPI, issue 9).

Published so that other services erase their own copies of the subject's personal data.
Only the subject's id goes out (`contract:<uuid>` or `concierge:<uuid>`); the reason and
the destroyed key ids stay inside.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from domain.aggregates.data_subject import DataSubject
from infra.event_contract.envelope import PublicEvent
from infra.event_contract.registry import Registry, same_named

data_subject_events = Registry("data_subject", DataSubject)

Subject = Annotated[
    str,
    msgspec.Meta(pattern="^(contract|concierge):[0-9a-f-]{36}$", description="whose personal data"),
]


class DataSubjectEvent(PublicEvent, frozen=True, kw_only=True):
    aggregate_type: Literal["data_subject"] = "data_subject"


class SubjectRecordedData(msgspec.Struct, frozen=True, kw_only=True):
    subject: Subject


@data_subject_events.publishes(DataSubject.SubjectRecorded)
class SubjectRecorded(DataSubjectEvent, frozen=True, kw_only=True):
    """The first erasure request of a data subject was recorded."""

    event_type: Literal["SubjectRecorded"] = "SubjectRecorded"
    schema_version: Literal[1] = 1
    data: SubjectRecordedData
    payload = staticmethod(same_named(SubjectRecordedData))


class PersonalDataErasedData(msgspec.Struct, frozen=True, kw_only=True):
    subject: Subject


@data_subject_events.publishes(DataSubject.PersonalDataErased)
class PersonalDataErased(DataSubjectEvent, frozen=True, kw_only=True):
    """The subject's personal data was erased here: erase your copies too."""

    event_type: Literal["PersonalDataErased"] = "PersonalDataErased"
    schema_version: Literal[1] = 1
    data: PersonalDataErasedData
    payload = staticmethod(same_named(PersonalDataErasedData))
