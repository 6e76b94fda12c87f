"""The msgspec transcoder and mapper stand in for the library's: they pass its conformance suite."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import msgspec
from eventsourcing.persistence import Transcoder, Transcoding
from eventsourcing.tests.persistence import (
    CustomType1AsDict,
    CustomType2AsDict,
    Mydict,
    MyInt,
    MyList,
    MyStr,
    TranscoderTestCase,
)

from domain.aggregates.base import TracedAggregate
from domain.meta import Cause, EventMeta, Role
from infra.transcoding import MsgspecMapper, MsgspecTranscoder


class _Subclass(Transcoding):
    """Round-trips a subclass of a builtin through the envelope (the suite expects it)."""

    def __init__(self, kind: type, name: str, base: type) -> None:
        self.type, self.name, self._base = kind, name, base

    def encode(self, obj: Any) -> Any:
        return self._base(obj)

    def decode(self, data: Any) -> Any:
        return self.type(data)


class TestMsgspecTranscoder(TranscoderTestCase):
    def construct_transcoder(self) -> Transcoder:
        transcoder = MsgspecTranscoder()
        transcoder.register(CustomType1AsDict())
        transcoder.register(CustomType2AsDict())
        transcoder.register(_Subclass(Mydict, "mydict", dict))
        transcoder.register(_Subclass(MyList, "mylist", list))
        transcoder.register(_Subclass(MyStr, "mystr", str))
        transcoder.register(_Subclass(MyInt, "myint", int))
        return transcoder


del TranscoderTestCase  # keep pytest from collecting the abstract base


class Slot(msgspec.Struct, frozen=True):
    day: date
    labels: tuple[str, ...] = ()


class Sample(TracedAggregate):
    class Opened(TracedAggregate.Created):
        name: str
        slot: Slot

    class Moved(TracedAggregate.Event):
        slot: Slot
        note: str | None = None

        def apply(self, aggregate: Any) -> None:
            aggregate.slot = self.slot

    def __init__(self, name: str, slot: Slot) -> None:
        self.name, self.slot = name, slot


class Versioned(TracedAggregate):
    class Opened(TracedAggregate.Created):
        label: str
        weight: int = 0  # added in version 2, with an upcast for version-1 events
        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["weight"] = 7

    def __init__(self, label: str, weight: int = 0) -> None:
        self.label, self.weight = label, weight


def _cause() -> Cause:
    meta = EventMeta(actor_id="op-1", actor_role=Role.OPERATOR, correlation_id="c1", causation_id="c1")
    return Cause(meta=meta, at=datetime(2026, 11, 2, 1, 0, tzinfo=UTC))


def test_mapper_round_trips_events_with_their_types() -> None:
    cause = _cause()
    sample = Sample._create_traced(Sample.Opened, cause, name="x", slot=Slot(date(2026, 12, 1)))
    sample._record(Sample.Moved, cause, slot=Slot(date(2027, 1, 1), ("a",)))
    mapper = MsgspecMapper()
    for event in sample.collect_events():
        copy = mapper.to_domain_event(mapper.to_stored_event(event))
        assert copy == event
        assert isinstance(copy.meta, EventMeta) and copy.meta.actor_role is Role.OPERATOR


def test_mapper_stores_plain_json_of_the_event_fields() -> None:
    sample = Sample._create_traced(Sample.Opened, _cause(), name="x", slot=Slot(date(2026, 12, 1)))
    stored = MsgspecMapper().to_stored_event(sample.collect_events()[0])
    state = msgspec.json.decode(stored.state)
    assert state["slot"] == {"day": "2026-12-01", "labels": []}
    assert state["meta"]["actor_id"] == "op-1"
    assert "originator_id" not in state


def test_mapper_upcasts_old_event_versions() -> None:
    versioned = Versioned._create_traced(Versioned.Opened, _cause(), label="l", weight=3)
    stored = MsgspecMapper().to_stored_event(versioned.collect_events()[0])
    assert msgspec.json.decode(stored.state)["class_version"] == 2
    old_state = msgspec.json.decode(stored.state)
    del old_state["class_version"], old_state["weight"]
    old = type(stored)(stored.originator_id, 1, stored.topic, msgspec.json.encode(old_state))
    event = MsgspecMapper().to_domain_event(old)
    assert event.weight == 7
    assert event.label == "l"


def test_mapper_reports_undecodable_state_with_the_event_identity() -> None:
    sample = Sample._create_traced(Sample.Opened, _cause(), name="x", slot=Slot(date(2026, 12, 1)))
    stored = MsgspecMapper().to_stored_event(sample.collect_events()[0])
    broken = type(stored)(uuid4(), 1, stored.topic, b'{"name": 1}')
    try:
        MsgspecMapper().to_domain_event(broken)
    except ValueError as error:
        assert "originator_version 1" in str(error)
    else:  # pragma: no cover - the assertion above is the point
        raise AssertionError("undecodable state was accepted")
