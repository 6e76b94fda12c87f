"""State as of a past instant: rebuilt from the events recorded up to then."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from litestar.testing import TestClient

from domain.aggregates.contract import Contract, ContractStatus
from domain.errors import NotFound
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from projections.as_of import state_as_of
from tests.projections.steps import apply_contract, ctx

APPLIED_AT = datetime(2026, 11, 18, 10, 0, tzinfo=JST)
RENEGOTIATED_AT = datetime(2026, 11, 25, 15, 0, tzinfo=JST)


def _contract_renegotiated_a_week_later(service: EConcierge, clock: FixedClock) -> Contract:
    contract = apply_contract(service)
    clock.set(RENEGOTIATED_AT)
    service.renegotiate_fee(ctx(), contract.id, 120_000, "two more offices", date(2027, 1, 1))
    return service.get_contract(contract.id)


def test_as_of_an_instant_before_a_change_gives_the_earlier_state(
    service: EConcierge, clock: FixedClock
) -> None:
    now = _contract_renegotiated_a_week_later(service, clock)

    before = state_as_of(service, Contract, now.id, datetime(2026, 11, 20, tzinfo=JST))

    assert (before.version, before.monthly_fee) == (1, 92_400)
    assert (now.version, now.monthly_fee) == (2, 120_000)


def test_as_of_the_instant_of_a_change_includes_it(service: EConcierge, clock: FixedClock) -> None:
    now = _contract_renegotiated_a_week_later(service, clock)

    assert state_as_of(service, Contract, now.id, RENEGOTIATED_AT).monthly_fee == 120_000


def test_before_the_first_event_the_aggregate_did_not_exist(
    service: EConcierge, clock: FixedClock
) -> None:
    now = _contract_renegotiated_a_week_later(service, clock)

    with pytest.raises(NotFound):
        state_as_of(service, Contract, now.id, datetime(2026, 11, 17, tzinfo=JST))


def test_the_audit_api_answers_a_past_state(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    now = _contract_renegotiated_a_week_later(service, clock)

    answer = client.get(f"/v1/audit/state/{now.id}", params={"as_of": "2026-11-24"})

    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["kind"], body["version"]) == ("Contract", 1)
    assert body["state"]["monthly_fee"] == 92_400
    assert body["state"]["status"] == ContractStatus.APPLIED
    assert body["recorded_at"] == "2026-11-18T10:00:00+09:00"
    assert (
        client.get(f"/v1/audit/state/{now.id}", params={"as_of": "2026-11-25T15:00"}).json()[
            "state"
        ]["monthly_fee"]
        == 120_000
    )


def test_the_audit_api_refuses_an_unreadable_instant_and_an_unknown_past(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    now = _contract_renegotiated_a_week_later(service, clock)

    assert client.get(f"/v1/audit/state/{now.id}", params={"as_of": "last week"}).status_code == 422
    assert (
        client.get(f"/v1/audit/state/{now.id}", params={"as_of": "2020-01-01"}).status_code == 404
    )
