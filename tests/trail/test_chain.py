"""The mapper chains each aggregate's events by hash and seals personal fields (issue 9)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from domain.aggregates.base import TracedAggregate
from domain.meta import Cause, EventMeta, Role
from domain.personal import ERASED, PersonalText
from infra.bootstrap import EConcierge
from infra.chain import GENESIS, event_hash, open_envelope
from infra.keys import KeyRing, MemoryKeyTable
from infra.trail_mapper import TrailMapper
from tests.projections.steps import apply_contract, ctx
from tests.trail.store_sql import StoredRows


class Contact(msgspec.Struct, frozen=True):
    name: PersonalText
    phone: PersonalText | None = None
    role: str = "manager"


class Card(TracedAggregate):
    """A stand-in aggregate with personal text in every shape the marker supports."""

    class Opened(TracedAggregate.Created):
        contract_id: UUID
        title: str
        note: PersonalText

    class ContactsAdded(TracedAggregate.Event):
        contacts: tuple[Contact, ...]
        backup: Contact | None
        aliases: tuple[PersonalText, ...]

    def __init__(self, contract_id: UUID, title: str, note: str) -> None:
        self.contract_id, self.title, self.note = contract_id, title, note


CONTRACT = UUID("0b028a5e-5a2b-474b-a53d-f4bef84f679a")


def _cause() -> Cause:
    meta = EventMeta("op-tanaka", Role.OPERATOR, "corr-1", "req-1")
    return Cause(meta=meta, at=datetime(2026, 11, 18, 1, 0, tzinfo=UTC))


def _card() -> Card:
    card = Card._create_traced(Card.Opened, _cause(), contract_id=CONTRACT, title="Printer", note="Yamada Taro called")
    card._record(
        Card.ContactsAdded,
        _cause(),
        contacts=(Contact("Sato Hanako", "03-1234-5678"),),
        backup=Contact("Suzuki Ichiro"),
        aliases=("taro.yamada@example.jp",),
    )
    return card


def _mapper() -> TrailMapper:
    return TrailMapper(KeyRing(MemoryKeyTable()))


def test_each_event_names_the_hash_of_the_one_before_it() -> None:
    mapper = _mapper()
    stored = [mapper.to_stored_event(e) for e in _card().collect_events()]

    first, second = (open_envelope(s.state) for s in stored)

    assert first.prev == GENESIS
    assert second.prev == first.hash


def test_the_hash_is_sha256_of_the_documented_canonical_bytes() -> None:
    stored = _mapper().to_stored_event(_card().collect_events()[0])
    envelope = open_envelope(stored.state)
    canonical = (
        b"econcierge-event-v1\n" + GENESIS.encode() + b"\n" + str(stored.originator_id).encode()
        + b"\n1\n" + stored.topic.encode() + b"\n" + bytes(envelope.data)
    )  # fmt: skip

    assert envelope.hash == hashlib.sha256(canonical).hexdigest()
    assert stored.state.endswith(b',"data":' + bytes(envelope.data) + b"}")  # embedded as is


def test_personal_text_is_stored_only_sealed_and_reads_back() -> None:
    mapper = _mapper()
    events = _card().collect_events()
    stored = [mapper.to_stored_event(e) for e in events]

    for text in ("Yamada Taro", "Sato Hanako", "03-1234-5678", "Suzuki Ichiro", "taro.yamada"):
        assert not any(text.encode() in s.state for s in stored)
    assert b'"title":"Printer"' in stored[0].state and b'"role":"manager"' in stored[1].state
    copies = [mapper.to_domain_event(s) for s in stored]
    assert copies == events


def test_an_erased_subject_reads_as_erased_and_keeps_its_hashes() -> None:
    mapper = _mapper()
    stored = [mapper.to_stored_event(e) for e in _card().collect_events()]

    mapper.keys.erase(f"contract:{CONTRACT}", datetime.now(UTC))
    opened, added = (mapper.to_domain_event(s) for s in stored)

    assert (opened.note, opened.title) == (ERASED, "Printer")
    assert added.contacts == (Contact(ERASED, ERASED),)
    assert (added.backup, added.aliases) == (Contact(ERASED), (ERASED,))
    for s in stored:  # the bytes did not change, so neither did any hash
        envelope = open_envelope(s.state)
        assert event_hash(envelope.prev, s.originator_id, s.originator_version, s.topic, envelope.data) == envelope.hash


def test_a_loaded_aggregate_chains_its_next_event_to_the_stored_hash(service: EConcierge) -> None:
    contract_id = apply_contract(service).id
    for clients in (31, 32, 33):  # each command loads the contract again (store or cache)
        service.record_client_count(ctx(), contract_id, "hq", clients, 1)

    envelopes = [open_envelope(row[4]) for row in StoredRows(service).rows() if row[1] == contract_id]

    assert [e.prev for e in envelopes] == [GENESIS] + [e.hash for e in envelopes[:-1]]


def _events_of(service: EConcierge, aggregate_id: UUID) -> list[Any]:
    return list(service.events.get(aggregate_id))


def test_decoded_events_carry_their_stored_hash_outside_their_fields(service: EConcierge) -> None:
    contract_id = apply_contract(service).id

    event = _events_of(service, contract_id)[0]

    assert event._chain_hash == open_envelope(StoredRows(service).rows()[0][4]).hash
    assert not any(name.startswith("_") for name in vars(event))
