"""A liability claim's free text is personal data: sealed, and erased with its company (issue 9).

A claim's description and a finding's note are written by the operator about what
happened, and they name people ("Yamada Taro deleted the share"). They are sealed with
the customer company's key like a ticket's texts, so an erasure of the company reaches
them in the event store, the liability view and the API. Claims stored before these
fields were sealed hold plain text: they still read (both forms are accepted).
"""

from __future__ import annotations

from uuid import UUID

from litestar.testing import TestClient

from api.privacy import rebuild_views
from domain.aggregates.liability_claim import LiabilityClaim
from domain.liability import ClaimKind, FindingKind
from domain.meta import EventMeta, Role
from domain.personal import ERASED
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.clock import FixedClock
from infra.privacy import erase_personal_data
from infra.trail_mapper import TrailMapper, stored_hash
from projections.catalog import VIEWS, views_of
from tests.projections.billing_world import World
from tests.trail.steps import verified
from tests.trail.store_sql import StoredRows

NAME = "Yamada Taro"
DESCRIPTION = f"{NAME}'s laptop was wiped during the repair"
NOTE = f"{NAME} confirmed no backup was taken"
REASON = "Request ER-2026-031 of 3 Dec 2026 under the APPI"


def _claim_naming_a_person(world: World) -> tuple[UUID, UUID]:
    """A worked ticket, a damage claim whose description and finding note name a person."""
    contract_id, concierge = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = world.instructed(contract_id)
    world.risky_work(ticket, concierge, acknowledge=True)
    op = world.operator()
    claim = world.service.file_liability_claim(op, ticket, ClaimKind.DAMAGE, DESCRIPTION).id
    world.service.record_liability_finding(op, claim, FindingKind.NEGLIGENCE_FOUND, True, NOTE)
    world.project()
    return contract_id, claim


def _views_dump(service: EConcierge) -> str:
    with views_of(service).read() as tx:
        return repr([tx.fetchall(f"SELECT * FROM {t}") for view in VIEWS for t in view.tables])


def test_a_claims_description_and_note_are_stored_sealed(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # Given a claim whose texts name a person
    _, claim_id = _claim_naming_a_person(World(service, clock))

    # Then the operator and compliance read them, but the store holds only ciphertext
    decision = client.get(f"/v1/liability/claims/{claim_id}").json()
    assert decision["description"] == DESCRIPTION
    assert [f["note"] for f in decision["findings"]] == [NOTE]
    assert not StoredRows(service).contains(NAME)


def test_erasing_the_company_erases_its_claims_texts_in_every_reading(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # Given a claim whose texts name a person of the customer company
    contract_id, claim_id = _claim_naming_a_person(World(service, clock))
    operator = CommandContext(meta=EventMeta("op-tanaka", Role.OPERATOR, "corr-e", "req-e"))

    # When the company's personal data is erased (and the views rebuilt, as the API does)
    erase_personal_data(service, operator, f"contract:{contract_id}", REASON)
    rebuild_views(service)

    # Then the liability view and API show them erased, and nothing else holds the name
    answer = client.get(f"/v1/liability/claims/{claim_id}")
    assert answer.json()["description"] == ERASED
    assert [f["note"] for f in answer.json()["findings"]] == [ERASED]
    assert NAME.encode() not in answer.content
    assert NAME not in _views_dump(service)
    assert service.get_liability_claim(claim_id).description == ERASED
    verified(service)


def test_a_claim_stored_before_its_texts_were_sealed_still_reads(
    client: TestClient, service: EConcierge, clock: FixedClock
) -> None:
    # Given a claim filed by the release before these fields were personal: plain text
    world = World(service, clock)
    contract_id, _ = world.in_service()
    world.at("2026-12-02 09:00")
    ticket = service.get_ticket(world.instructed(contract_id))
    cause = service.cause(world.operator())
    claim = LiabilityClaim.file(
        cause, ticket=ticket, kind=ClaimKind.DAMAGE, description="Old text, stored in clear"
    )
    old_release = TrailMapper(
        service.mapper.keys,  # type: ignore[attr-defined]
        previous_hash=lambda oid, version: stored_hash(service.recorder, oid, version),
        seal_personal=False,
    )
    service.recorder.insert_events([old_release.to_stored_event(e) for e in claim.collect_events()])
    assert StoredRows(service).contains("Old text, stored in clear")

    # When it is read back, and a finding is recorded on it by this release
    op = world.operator()
    service.record_liability_finding(op, claim.id, FindingKind.NEGLIGENCE_FOUND, True, "seen")
    world.project()

    # Then both forms read: the old plain description and the new sealed note
    assert service.get_liability_claim(claim.id).description == "Old text, stored in clear"
    decision = client.get(f"/v1/liability/claims/{claim.id}").json()
    assert decision["description"] == "Old text, stored in clear"
    assert [f["note"] for f in decision["findings"]] == ["seen"]
    assert not StoredRows(service).contains('"note":"seen"')
    verified(service)
