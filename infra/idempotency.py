"""Idempotency keys, saved in the same atomic save as the command they guard."""

from __future__ import annotations

from uuid import UUID

from domain.aggregates.base import TracedAggregate
from domain.meta import Cause


class IdempotencyRecord(TracedAggregate):
    """Remembers that a request with one key was done, and what it produced.

    Stored as an aggregate (id derived from the caller and the key) so it commits with the
    command's own events: a retry finds it and replays, a concurrent duplicate loses the
    insert race and replays too. Views and the NATS relay ignore these events.
    """

    class RequestRemembered(TracedAggregate.Created):
        fingerprint: str
        aggregate_id: UUID
        aggregate_version: int

    def __init__(self, fingerprint: str, aggregate_id: UUID, aggregate_version: int) -> None:
        self.fingerprint = fingerprint
        self.aggregate_id = aggregate_id
        self.aggregate_version = aggregate_version

    @classmethod
    def remember(
        cls, record_id: UUID, cause: Cause, *, fingerprint: str, aggregate_id: UUID, aggregate_version: int
    ) -> IdempotencyRecord:
        return cls._create_traced(
            cls.RequestRemembered,
            cause,
            id=record_id,
            fingerprint=fingerprint,
            aggregate_id=aggregate_id,
            aggregate_version=aggregate_version,
        )
