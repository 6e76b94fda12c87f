"""Test helpers on the store side: record events, and check the stream against the log."""

from __future__ import annotations

import uuid
from collections import defaultdict
from uuid import UUID

from nats.js.api import RawStreamMsg

from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.event_contract import decode_event, event_id, is_published_topic
from infra.nats import MSG_ID_HEADER, POSITION_HEADER


def ctx(idempotency_key: str | None = None) -> CommandContext:
    request = uuid.uuid4().hex
    meta = EventMeta(
        actor_id="op-tanaka", actor_role=Role.OPERATOR, correlation_id=request, causation_id=request
    )
    return CommandContext(meta=meta, idempotency_key=idempotency_key, fingerprint=request)


def open_contract(service: EConcierge, *, idempotent: bool = False) -> UUID:
    """Record a ContractApplied (with an idempotency record, which is never published)."""
    from infra.services.contracts import ContractApplication

    application = ContractApplication(
        customer_name="Sakura Trading",
        quote=QuoteInputs(
            sites=(Site(prefecture="Tokyo", city="Minato", cluster="hq", clients=12),)
        ),
    )
    key = uuid.uuid4().hex if idempotent else None
    return service.apply_for_contract(ctx(key), application).id


def change_counts(service: EConcierge, contract_id: UUID, times: int) -> None:
    for n in range(times):
        service.record_client_count(ctx(), contract_id, "hq", 12 + n, 1)


def record_events(service: EConcierge, contracts: int, changes: int) -> list[UUID]:
    """`contracts` contracts of 1 + `changes` events each, interleaved across contracts."""
    ids = [open_contract(service, idempotent=(n % 3 == 0)) for n in range(contracts)]
    for _ in range(changes):
        for contract_id in ids:
            change_counts(service, contract_id, 1)
    return ids


def published_log(service: EConcierge) -> list[tuple[int, str]]:
    """(position, event id) of every stored event that must be published, in log order."""
    entries: list[tuple[int, str]] = []
    start = 1
    while batch := service.recorder.select_notifications(start=start, limit=500):
        entries += [
            (n.id, event_id(n.originator_id, n.originator_version))
            for n in batch
            if is_published_topic(n.topic)
        ]
        start = batch[-1].id + 1
    return entries


def assert_exactly_once_in_order(messages: list[RawStreamMsg], service: EConcierge) -> None:
    """Every published event once (by message id), none other, versions in order per aggregate."""
    ids = [m.headers[MSG_ID_HEADER] for m in messages]
    assert len(ids) == len(set(ids)), "a message id appears twice"
    expected = published_log(service)
    assert sorted(ids) == sorted(i for _, i in expected), "the stream differs from the store"
    versions: dict[UUID, list[int]] = defaultdict(list)
    for message in messages:
        event = decode_event(message.data)
        assert event.event_id == message.headers[MSG_ID_HEADER]
        assert str(event.position) == message.headers[POSITION_HEADER]
        versions[event.aggregate_id].append(event.aggregate_version)
    for aggregate_id, seen in versions.items():
        assert seen == list(range(1, len(seen) + 1)), f"{aggregate_id} out of order: {seen}"
