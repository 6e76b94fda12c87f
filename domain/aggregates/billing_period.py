"""The billing periods: which months are closed, and what each close sealed (P14, P15).

One aggregate for the whole service, so that months close in order and a second close of
the same month loses the optimistic-concurrency race instead of sealing twice. Closing
month M closes every earlier month still open (the first close starts the books). The
close records, for each statement it closes, the total and a digest of its lines, and
the log position its facts run to: the billing view rebuilds each closed statement from
exactly those facts, so it never changes, and a later fact for a closed month becomes
an adjustment on the next open statement (domain/billing.py).
"""

from __future__ import annotations

import re
from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

import msgspec

from domain.aggregates.base import TracedAggregate
from domain.billing import Closure
from domain.billing_lines import add_months, label, month_end
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role

#: The one billing-periods aggregate of the service.
BILLING_PERIODS_ID: UUID = uuid5(NAMESPACE_URL, "urn:econcierge:billing-periods")
#: P14: a qualified-invoice issuer's registration number is `T` and 13 digits.
REGISTRATION_NUMBER = re.compile(r"^T\d{13}$")


class StatementSeal(msgspec.Struct, frozen=True, kw_only=True):
    """What a close fixes of one statement: its total and the digest of its lines."""

    statement_id: str
    contract_id: str
    month: date
    total: int
    digest: str


class BillingPeriods(TracedAggregate):
    """The months of billing, closed one after another by the billing staff."""

    class BooksOpened(TracedAggregate.Created):
        pass

    class MonthClosed(TracedAggregate.Event):
        month: date  # the 1st of the month closed; earlier open months close with it
        first_month: date | None  # the first month this close covers (None: all before)
        as_of_position: int  # the statements hold the facts up to this log position
        statements: tuple[StatementSeal, ...]
        total: int  # of every statement closed
        issuer_name: str  # P14: as printed on the statements it closes
        registration_number: str

        def apply(self, periods: BillingPeriods) -> None:
            periods.closed_through = self.month
            periods.last_sealed = self.statements
            periods.closures += (
                Closure(
                    through=self.month,
                    as_of_position=self.as_of_position,
                    event_id=f"{self.originator_id}:{self.originator_version}",
                    closed_at=self.timestamp,
                    issuer_name=self.issuer_name,
                    registration_number=self.registration_number,
                ),
            )

    def __init__(self) -> None:
        self.closed_through: date | None = None
        self.closures: tuple[Closure, ...] = ()
        self.last_sealed: tuple[StatementSeal, ...] = ()  # what the last close sealed

    @classmethod
    def open_books(cls, cause: Cause) -> BillingPeriods:
        """The books before their first close (saved together with that close)."""
        return cls._create_traced(cls.BooksOpened, cause, id=BILLING_PERIODS_ID)

    @staticmethod
    def require_closable(cause: Cause, month: date, closed_through: date | None) -> None:
        """P14: billing closes a month once it has ended, after the months before it."""
        if cause.role is not Role.BILLING:
            raise RuleViolation(
                f"only the billing staff close a month, not the {cause.role}", rule="P14"
            )
        if month.day != 1:
            raise InvalidInput("a billing month is given by its 1st day", rule="P14")
        if month_end(month) >= cause.at.date():
            raise RuleViolation(
                f"{label(month)} has not ended yet; it can be closed from {add_months(month, 1)}",
                rule="P14",
                month=label(month),
            )
        if closed_through is not None and month <= closed_through:
            raise RuleViolation(
                f"{label(month)} is already closed (closed through {label(closed_through)});"
                " a correction goes on the next open statement",
                rule="P14",
                closed_through=label(closed_through),
            )

    def close_month(
        self,
        cause: Cause,
        month: date,
        *,
        as_of_position: int,
        statements: tuple[StatementSeal, ...],
        issuer_name: str,
        registration_number: str,
    ) -> None:
        """Seal every statement of the months from the last close through `month`."""
        self.require_closable(cause, month, self.closed_through)
        if not issuer_name.strip():
            raise InvalidInput("a qualified invoice names its issuer", rule="P14")
        if not REGISTRATION_NUMBER.match(registration_number):
            raise InvalidInput(
                "the invoice registration number is `T` followed by 13 digits",
                rule="P14",
                registration_number=registration_number,
            )
        first = add_months(self.closed_through, 1) if self.closed_through else None
        self._record(
            self.MonthClosed,
            cause,
            month=month,
            first_month=first,
            as_of_position=as_of_position,
            statements=statements,
            total=sum(s.total for s in statements),
            issuer_name=issuer_name.strip(),
            registration_number=registration_number,
        )
