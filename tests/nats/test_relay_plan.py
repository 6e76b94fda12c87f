"""The relay reads events without decrypting personal fields no public message publishes."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from eventsourcing.persistence import Notification

from domain.aggregates.contract import Contract
from domain.aggregates.ticket import Ticket
from infra.bootstrap import EConcierge
from infra.event_contract import PUBLIC
from infra.event_contract.mapping import reads_personal_data
from infra.personal_data import TOKEN_PREFIX
from tests.nats.samples import sample_event
from workers.relay_plan import PublishingReader, plan_window


def _stored(service: EConcierge, event_class: type) -> Notification:
    """A sample event of that class as the store holds it: personal fields sealed."""
    event = sample_event(event_class, version=1)
    if any(f.name == "originator_topic" for f in dataclasses.fields(event_class)):
        event.__dict__["originator_topic"] = "domain.aggregates.sample:Sample"  # a creation
    stored = service.mapper.to_stored_event(event)
    return Notification(id=7, **vars(stored))


@pytest.mark.parametrize(
    "source", sorted(PUBLIC, key=lambda c: c.__qualname__), ids=lambda c: c.__qualname__
)
def test_the_relay_publishes_the_same_message_as_a_fully_opened_event(
    service: EConcierge, source: type
) -> None:
    notification = _stored(service, source)

    opened, error = plan_window([notification], service.mapper, "p.events")
    published, _ = plan_window([notification], PublishingReader(service.mapper), "p.events")

    assert error is None and len(opened) == 1
    assert published == opened


def test_personal_text_no_public_message_carries_stays_sealed(service: EConcierge) -> None:
    stored = _stored(service, Ticket.TicketOpened)  # the summary is personal, never published

    event: Any = PublishingReader(service.mapper).to_domain_event(stored)

    assert event.summary.startswith(TOKEN_PREFIX)
    assert service.mapper.to_domain_event(stored).summary == "sample text"


def test_a_payload_that_does_not_say_what_it_reads_gets_every_field_opened() -> None:
    # ContractApplied's payload is a function of its own: the relay opens its fee reason.
    assert reads_personal_data(Contract.ContractApplied)
    assert not reads_personal_data(Ticket.TicketOpened)
