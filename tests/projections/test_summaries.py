"""Every event type of the domain has a one-line summary and rule ids, and each renders."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec
import pytest

import domain.aggregates
from domain.aggregates.base import TracedAggregate
from domain.aggregates.contract import Contract
from projections.summaries import REGISTRY, describe, humanise
from projections.view import ENVELOPE_FIELDS, Envelope
from tests.conftest import DEFAULT_NOW


def aggregates() -> list[type]:
    """Every aggregate class of domain/aggregates/ (so a new one is checked too)."""
    for module in pkgutil.iter_modules(domain.aggregates.__path__):
        importlib.import_module(f"domain.aggregates.{module.name}")
    found, todo = [], [TracedAggregate]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("domain.aggregates."):
                found.append(subclass)
    return sorted(found, key=lambda c: c.__qualname__)


def event_classes() -> list[type]:
    return [
        member
        for aggregate in aggregates()
        for member in vars(aggregate).values()
        if isinstance(member, type)
        and issubclass(member, TracedAggregate.Event)
        and member.__name__ not in ("Event", "Created")  # the library's per-aggregate bases
    ]


def sample(annotation: Any) -> Any:
    """A plausible value of a field's type (for rendering every summary once)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return sample(next(a for a in args if a is not type(None)))
    if origin is tuple:
        return (sample(args[0]),)
    if origin in (dict, frozenset, set, list):
        return origin()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return next(iter(annotation))
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        hints = typing.get_type_hints(annotation)
        return annotation(**{name: sample(hints[name]) for name in annotation.__struct_fields__})
    simple = {
        str: "text",
        int: 1,
        float: 1.5,
        bool: True,
        datetime: DEFAULT_NOW,
        date: DEFAULT_NOW.date(),
    }
    return UUID(int=7) if annotation is UUID else simple[annotation]


def sample_event(event_class: type) -> Envelope:
    hints = typing.get_type_hints(event_class)
    event = object.__new__(event_class)
    for field in dataclasses.fields(event_class):
        if field.name not in ENVELOPE_FIELDS:
            object.__setattr__(event, field.name, sample(hints[field.name]))
    return Envelope(1, f"{event_class.__module__}:{event_class.__qualname__}", event)


def test_every_domain_event_type_has_a_registered_summary() -> None:
    describe(sample_event(Contract.ContractStarted))  # loads every summary module
    missing = [c.__qualname__ for c in event_classes() if c.__qualname__ not in REGISTRY]

    assert not missing, f"add @describes(...) entries in projections/summaries_*.py for {missing}"


@pytest.mark.parametrize("event_class", event_classes(), ids=lambda c: c.__qualname__)
def test_each_summary_renders_a_line_with_rule_ids(event_class: type) -> None:
    envelope = sample_event(event_class)
    describe(envelope)  # loads every summary module (whichever test runs first)
    description = REGISTRY.get(event_class.__qualname__)

    line = description.summarise(envelope.event) if description else ""

    assert line and "\n" not in line
    assert description and all(
        rule[0].isalpha() and rule[1:].isdigit() for rule in description.rules
    )


def test_event_type_names_read_as_words() -> None:
    assert humanise("ContractApplied") == "Contract applied"
    assert humanise("NDASigned") == "NDA signed"
