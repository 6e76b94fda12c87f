"""Which open tickets may miss the 24-hour response target (rule O3), without a read model.

Decision: the job reads the notification log for `TicketOpened` only (the store filters by
topic), from the position it reached last time, and keeps in memory each opened ticket's
deadline until that deadline has passed and the ticket has been checked. A fresh process
starts from position 0, so nothing is ever missed; the pending set holds only tickets
opened within the last 24 hours (plus any not yet checked), so it stays small. No extra
aggregate is written on every opening (a shared index aggregate would make concurrent
openings conflict). Correctness does not rest on this memory: the Ticket itself refuses a
second ResponseTargetMissed, and optimistic concurrency lets only one of two racing
writers save. The dispatch view (issue 6) will later answer "which tickets are late" too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import Mapper, Notification
from eventsourcing.utils import get_topic

from domain.aggregates.ticket import Ticket
from domain.service_hours import response_deadline, to_japan_time

OPENED_TOPIC = get_topic(Ticket.TicketOpened)
PAGE = 500


class NotificationReader(Protocol):
    def select_notifications(
        self, start: int | None, limit: int, stop: int | None = None, topics: tuple[str, ...] = ()
    ) -> list[Notification]: ...


class ResponseWatch:
    """The deadlines of opened tickets still to be checked, and how far the log was read."""

    def __init__(self) -> None:
        self.position = 0  # the last notification id read
        self.deadlines: dict[UUID, datetime] = {}
        self.lock = threading.Lock()  # one run at a time per process

    def catch_up(self, reader: NotificationReader, mapper: Mapper[UUID]) -> None:
        """Read every TicketOpened recorded since the last run."""
        while True:
            page = reader.select_notifications(self.position + 1, PAGE, topics=(OPENED_TOPIC,))
            for notification in page:
                opened = mapper.to_domain_event(notification)
                if not opened.remote_only:  # S3: nobody is expected on site
                    self.deadlines[opened.originator_id] = response_deadline(opened.timestamp)
                self.position = notification.id
            if len(page) < PAGE:
                return

    def due(self, now: datetime) -> Iterator[UUID]:
        """Tickets whose 24 hours have run out by `now`, oldest deadline first."""
        moment = to_japan_time(now, rule="O3")
        late = sorted((d, t) for t, d in self.deadlines.items() if d < moment)
        return (ticket_id for _, ticket_id in late)

    def forget(self, ticket_id: UUID) -> None:
        self.deadlines.pop(ticket_id, None)
