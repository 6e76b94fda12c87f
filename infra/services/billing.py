"""Billing use cases of the application service: closing a month (P13–P15, C1–C4).

The close computes each statement with the same pure function the billing view uses
(domain/billing.py), from the billing facts of the event store up to the log's head
when the command runs; it records that position with the seals, so the view rebuilds
exactly the statements the close sealed. It reads the store itself rather than the view
(infra sits below projections), filtering the log by the few event types billing reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.utils import get_topic

from domain.aggregates.billing_period import (
    BILLING_PERIODS_ID,
    BillingPeriods,
    StatementSeal,
)
from domain.billing import PENDING, Closure, statements
from domain.billing_facts import FACT_EVENTS, OWNER_EVENTS, BillingFact, fact_of, owner_of
from domain.rates import Rates
from infra.application import CommandContext, CommandResult, ServiceApplication
from infra.settings import Settings

BILLING_TOPICS = tuple(get_topic(cls) for cls in (*FACT_EVENTS, *OWNER_EVENTS))
_SCAN = 1_000  # notifications per read while collecting facts


class BillingCommands(ServiceApplication):
    """Billing's one command: close a month (billing role)."""

    settings: Settings
    rates: Rates

    def close_billing_month(self, ctx: CommandContext, month: date) -> CommandResult:
        """P14: seal every statement of the months through `month` (the 1st of it)."""

        def command() -> list[BillingPeriods]:
            cause = self.cause(ctx)
            periods = self.billing_periods()
            BillingPeriods.require_closable(
                cause, month, periods.closed_through if periods else None
            )
            as_of = self.recorder.max_notification_id() or 0
            earlier = periods.closures if periods else ()
            closing = Closure(through=month, as_of_position=as_of, event_id=PENDING)
            seals = self.seal_statements((*earlier, closing), month)
            if periods is None:
                periods = BillingPeriods.open_books(cause)
            periods.close_month(
                cause,
                month,
                as_of_position=as_of,
                statements=seals,
                issuer_name=self.settings.invoice_issuer_name,
                registration_number=self.settings.invoice_registration_number,
            )
            return [periods]

        return self.execute(ctx, command)

    def billing_periods(self) -> BillingPeriods | None:
        """The billing periods (None before the first close)."""
        try:
            periods = self.repository.get(BILLING_PERIODS_ID)
        except AggregateNotFoundError:
            return None
        assert isinstance(periods, BillingPeriods)
        return periods

    def seal_statements(
        self, closures: Sequence[Closure], month: date
    ) -> tuple[StatementSeal, ...]:
        """The seals of the statements the last closure (still PENDING) closes."""
        as_of = closures[-1].as_of_position
        seals = []
        for contract_id, facts in self.billing_facts(as_of).items():
            for s in statements(contract_id, facts, closures, month, self.rates):
                if s.closed_by == PENDING:
                    seals.append(
                        StatementSeal(
                            statement_id=s.statement_id,
                            contract_id=s.contract_id,
                            month=s.month,
                            total=s.total,
                            digest=s.digest,
                        )
                    )
        return tuple(sorted(seals, key=lambda seal: seal.statement_id))

    def billing_facts(self, as_of: int) -> dict[str, list[BillingFact]]:
        """Every contract's billing facts up to log position `as_of`, in log order."""
        owners: dict[UUID, UUID] = {}
        facts: dict[str, list[BillingFact]] = {}
        for position, event in self._billing_events(as_of):
            owner = owner_of(event)
            if owner is not None:
                owners[event.originator_id] = owner
            contract_id = owners.get(event.originator_id)
            fact = fact_of(event, position)
            if fact is not None and contract_id is not None:
                facts.setdefault(str(contract_id), []).append(fact)
        return facts

    def _billing_events(self, as_of: int) -> Iterator[tuple[int, object]]:
        start = 1
        while start <= as_of:
            batch = self.recorder.select_notifications(
                start=start, limit=_SCAN, stop=as_of, topics=BILLING_TOPICS
            )
            if not batch:
                return
            for notification in batch:
                yield notification.id, self.mapper.to_domain_event(notification)
            start = batch[-1].id + 1
