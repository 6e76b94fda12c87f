"""The scheduled 24-hour response check (rule O3): record each missed target once."""

from __future__ import annotations

import threading
from datetime import datetime
from uuid import UUID

from domain.aggregates.ticket import Ticket
from domain.errors import Conflict, RuleViolation
from domain.meta import EventMeta, Role
from infra.application import CommandContext, ServiceApplication
from infra.services.response_watch import ResponseWatch

#: The actor of the scheduled check in the audit trail.
RESPONSE_JOB_ACTOR = "response-target-job"
_WATCH_CREATION = threading.Lock()


class ResponseTargetCommands(ServiceApplication):
    """Finds open tickets with no arrival 24 hours after opening (see response_watch.py)."""

    def record_missed_response_targets(self, now: datetime | None = None) -> int:
        """Record ResponseTargetMissed on every open ticket with no arrival 24 h after
        opening; returns how many were recorded. Safe to run twice, or in two processes."""
        now = now or self.clock.now()
        watch = self._response_watch()
        recorded = 0
        with watch.lock:
            watch.catch_up(self.recorder, self.mapper)
            for ticket_id in list(watch.due(now)):
                try:
                    recorded += self._record_missed_target(ticket_id, now)
                except Conflict:
                    continue  # the ticket changed meanwhile: check it again next run
                watch.forget(ticket_id)  # past its deadline, a ticket never becomes due again
        return recorded

    def _record_missed_target(self, ticket_id: UUID, now: datetime) -> bool:
        if not self.load(Ticket, ticket_id).response_target_missed_due(now):
            return False  # arrived, closed, remote only, or already recorded
        meta = EventMeta(
            actor_id=RESPONSE_JOB_ACTOR,
            actor_role=Role.SYSTEM,
            correlation_id=f"response-target:{ticket_id}",
            causation_id=f"response-target:{now.isoformat()}",
        )
        ctx = CommandContext(meta=meta)

        def command() -> list[Ticket]:
            ticket = self.load(Ticket, ticket_id)
            ticket.record_missed_response_target(self.cause(ctx, at=now))
            return [ticket]

        try:
            self.execute(ctx, command)
        except RuleViolation:
            return False  # another run recorded it between our read and our write
        return True

    def _response_watch(self) -> ResponseWatch:
        with _WATCH_CREATION:
            watch = self.__dict__.get("_ticket_response_watch")
            if watch is None:
                watch = self.__dict__["_ticket_response_watch"] = ResponseWatch()
            return watch
