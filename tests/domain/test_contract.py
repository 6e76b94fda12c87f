"""Specification of a running contract: start (C6), NDA (C5), and the cause on every event."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from domain.aggregates.contract import Contract, ContractStatus
from domain.errors import InvalidInput, RuleViolation
from domain.meta import EventMeta, Role
from tests.domain.builders import (
    JST,
    applied,
    apply_for,
    cause,
    given,
    nda_signed,
    one_event,
    site,
    started,
    then,
)

TWO_CLUSTERS = applied(
    site("hq", clients=30), site("osaka", clients=5), received_on=date(2026, 4, 1)
)
RUNNING = applied(site("hq", clients=30), received_on=date(2026, 4, 1))


# ---- C6: start ----------------------------------------------------------------------


def test_service_cannot_start_while_a_cluster_lacks_an_accepted_concierge() -> None:
    # rule C6
    contract = given(TWO_CLUSTERS)
    with pytest.raises(RuleViolation) as refused:
        contract.start(cause(date(2026, 4, 1)), frozenset({"hq"}))
    assert refused.value.rule == "C6"
    assert refused.value.details["clusters_without_concierge"] == ["osaka"]
    assert contract.collect_events() == []


def test_service_starts_on_the_start_date_once_every_cluster_is_staffed() -> None:
    # rules C1, C6
    contract = given(TWO_CLUSTERS)
    contract.start(cause(date(2026, 3, 30)), frozenset({"hq", "osaka"}))
    assert then(contract) == [("ContractStarted", {"started_on": date(2026, 4, 1)})]
    assert contract.status is ContractStatus.ACTIVE


def test_a_started_contract_cannot_start_again() -> None:
    # rule C1
    contract = given(RUNNING, started())
    with pytest.raises(RuleViolation):
        contract.start(cause(date(2026, 4, 2)), frozenset({"hq"}))


# ---- C5: NDA ------------------------------------------------------------------------


def test_a_signed_nda_is_recorded_on_the_contract() -> None:
    # rule C5
    contract = given(RUNNING, started())
    contract.sign_nda(cause(date(2026, 4, 3)), date(2026, 4, 2), " NDA-2026-01 ")
    assert then(contract) == [
        ("NdaSigned", {"signed_on": date(2026, 4, 2), "reference": "NDA-2026-01"})
    ]


def test_an_nda_is_recorded_only_once() -> None:
    # rule C5
    contract = given(RUNNING, started(), nda_signed(date(2026, 4, 2)))
    with pytest.raises(RuleViolation) as refused:
        contract.sign_nda(cause(date(2026, 5, 1)), date(2026, 5, 1), "NDA-again")
    assert refused.value.rule == "C5"


def test_an_nda_cannot_be_signed_in_the_future() -> None:
    # rule C5
    contract = given(RUNNING)
    with pytest.raises(InvalidInput):
        contract.sign_nda(cause(date(2026, 4, 3)), date(2026, 4, 4), "NDA-1")


def test_an_nda_needs_its_document_reference() -> None:
    # rule C5
    contract = given(RUNNING)
    with pytest.raises(InvalidInput):
        contract.sign_nda(cause(date(2026, 4, 3)), date(2026, 4, 2), "  ")


# ---- every event carries its cause ----------------------------------------------------


def test_every_event_carries_the_actor_the_request_ids_and_the_clock_reading() -> None:
    # architecture: the audit trail needs nothing outside the event store
    steps = [
        (
            Role.OPERATOR,
            datetime(2026, 4, 1, 9, tzinfo=JST),
            lambda c, by: c.start(by, frozenset({"hq"})),
        ),
        (
            Role.CUSTOMER,
            datetime(2026, 4, 2, 11, tzinfo=JST),
            lambda c, by: c.sign_nda(by, date(2026, 4, 2), "N"),
        ),
        (
            Role.OPERATOR,
            datetime(2026, 5, 7, 15, tzinfo=JST),
            lambda c, by: c.record_client_count(by, "hq", 41, 0),
        ),
        (
            Role.OPERATOR,
            datetime(2026, 5, 8, 16, tzinfo=JST),
            lambda c, by: c.renegotiate_fee(by, 123_200, "grew", date(2026, 6, 1)),
        ),
        (
            Role.CUSTOMER,
            datetime(2026, 6, 1, 10, tzinfo=JST),
            lambda c, by: c.request_cancellation(by, date(2026, 7, 31), date(2026, 6, 1)),
        ),
        (
            Role.CUSTOMER,
            datetime(2026, 6, 2, 10, tzinfo=JST),
            lambda c, by: c.withdraw_cancellation(by),
        ),
        (
            Role.CUSTOMER,
            datetime(2026, 6, 3, 10, tzinfo=JST),
            lambda c, by: c.request_cancellation(by, date(2026, 7, 31), date(2026, 6, 3)),
        ),
        (Role.SYSTEM, datetime(2026, 8, 1, 0, 5, tzinfo=JST), lambda c, by: c.end(by)),
    ]
    contract = given(RUNNING)
    for number, (role, when, command) in enumerate(steps):
        by = cause(
            when,
            actor=f"{role}-{number}",
            role=role,
            correlation=f"c{number}",
            causation=f"r{number}",
        )
        command(contract, by)
        (event,) = contract.collect_events()
        assert event.meta == EventMeta(f"{role}-{number}", role, f"c{number}", f"r{number}")  # type: ignore[attr-defined]
        assert event.timestamp == when
    assert contract.status is ContractStatus.ENDED


def test_the_application_event_carries_its_cause_too() -> None:
    # architecture: the first event too
    by = cause(
        datetime(2026, 4, 1, 14, tzinfo=JST),
        actor="op-sato",
        correlation="corr-9",
        causation="req-9",
    )
    event = one_event(apply_for(received_on=date(2026, 4, 1), by=by))
    assert isinstance(event, Contract.ContractApplied)
    assert event.meta == EventMeta("op-sato", Role.OPERATOR, "corr-9", "req-9")
    assert event.timestamp == by.at
