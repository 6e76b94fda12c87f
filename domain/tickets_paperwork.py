"""Ticket commands of the paperwork around the work: extra work and Second jobs (X1–X3),
sales (O8), work slips (O7), closure (L1) and the response target (O3)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role
from domain.tickets_rules import optional_text, positive_amount, require_role, required_text
from domain.tickets_values import Completion, ReferralTarget, Seller, ServiceScope

if TYPE_CHECKING:
    from domain.aggregates.ticket import Ticket


class TicketPaperwork:
    """The Ticket's commands for quotes, sales, slips and closure (a mixin of Ticket)."""

    # ---- extra work and sales (X1–X3, O8) -----------------------------------------------

    def quote_extra_work(
        self: Ticket, cause: Cause, description: str, amount: int, *, serving: frozenset[str]
    ) -> str:
        """X1: extra-charge work is quoted separately; returns the quote's id."""
        self._require_extra(cause, serving, action="quote extra work")
        quote_id = f"quote-{len(self.quotes) + 1}"
        self._record(
            self.ExtraWorkQuoted,
            cause,
            quote_id=quote_id,
            description=required_text(description, "description", rule="X1"),
            amount=positive_amount(amount, rule="X1"),
        )
        return quote_id

    def refer_extra_work(
        self: Ticket,
        cause: Cause,
        to: ReferralTarget,
        description: str,
        *,
        serving: frozenset[str],
        vendor_name: str | None = None,
        concierge_id: str | None = None,
        amount: int | None = None,
    ) -> str:
        """X1/X2: the operator, another vendor, or the concierge directly (a Second job)."""
        self._require_extra(cause, serving, action="refer extra work")
        vendor = optional_text(vendor_name)
        if to is ReferralTarget.ANOTHER_VENDOR and vendor is None:
            raise InvalidInput("a referral to another vendor names the vendor", rule="X1")
        taker = None
        if to is ReferralTarget.CONCIERGE_DIRECT:
            taker = concierge_id or (cause.actor_id if cause.role is Role.CONCIERGE else None)
            if taker is None or taker not in serving | self.backups:
                raise RuleViolation(
                    "a Second job is ordered from a concierge of this ticket",
                    rule="X2",
                    concierge_id=taker,
                )
        if amount is not None and amount < 0:
            raise InvalidInput("an amount is never below zero", rule="X1")
        referral_id = f"referral-{len(self.referrals) + 1}"
        self._record(
            self.SecondJobReferred,
            cause,
            referral_id=referral_id,
            to=to,
            description=required_text(description, "description", rule="X1"),
            vendor_name=vendor if to is ReferralTarget.ANOTHER_VENDOR else None,
            concierge_id=taker,
            amount=amount,
            # X2: a Second job (and another vendor's job) is outside the operator's billing.
            operator_bills=to is ReferralTarget.OPERATOR,
        )
        return referral_id

    def _require_extra(self: Ticket, cause: Cause, serving: frozenset[str], *, action: str) -> None:
        self._require_open()
        require_role(cause, (Role.OPERATOR, Role.CONCIERGE), rule="X1", action=action)
        self._require_ticket_concierge(cause, serving)
        if self.scope is not ServiceScope.EXTRA:
            raise RuleViolation(
                f"cannot {action} on a ticket classified {self.scope or 'not yet'}; "
                "only extra-charge work is quoted and referred",
                rule="X1",
            )

    def record_sale(
        self: Ticket,
        cause: Cause,
        item: str,
        amount: int,
        *,
        serving: frozenset[str],
        quantity: int = 1,
        sold_by: Seller | None = None,
    ) -> str:
        """O8: a product bought through the concierge; billed by whoever sold it."""
        self._require_open()
        require_role(cause, (Role.OPERATOR, Role.CONCIERGE), rule="O8", action="record a sale")
        self._require_ticket_concierge(cause, serving)
        if quantity <= 0:
            raise InvalidInput("a sale is of at least one item", rule="O8")
        seller = sold_by or (Seller.OPERATOR if cause.role is Role.OPERATOR else Seller.CONCIERGE)
        sale_id = f"sale-{len(self.sales) + 1}"
        self._record(
            self.ProductSold,
            cause,
            sale_id=sale_id,
            item=required_text(item, "item", rule="O8"),
            quantity=quantity,
            amount=positive_amount(amount, rule="O8"),
            sold_by=seller,
            operator_bills=seller is Seller.OPERATOR,
        )
        return sale_id

    # ---- work slips and closure (O7, L1, O3) --------------------------------------------

    def issue_work_slip(
        self: Ticket, cause: Cause, content: str, completion: Completion, *, serving: frozenset[str]
    ) -> None:
        """O7: after each job the concierge gives the customer a work slip."""
        self._require_slip_due(cause, serving)
        text = required_text(content, "content", rule="O7")
        self._record(self.WorkSlipIssued, cause, content=text, completion=completion)

    def waive_work_slip(
        self: Ticket, cause: Cause, reason: str, *, serving: frozenset[str]
    ) -> None:
        """O7: a minor job may go without a slip; the ticket says so and why."""
        self._require_slip_due(cause, serving)
        self._record(self.WorkSlipWaived, cause, reason=required_text(reason, "reason", rule="O7"))

    def _require_slip_due(self: Ticket, cause: Cause, serving: frozenset[str]) -> None:
        self._require_open()
        require_role(cause, (Role.CONCIERGE,), rule="O7", action="issue or waive a work slip")
        self._require_ticket_concierge(cause, serving)
        if not self.unslipped_work:
            raise RuleViolation(
                "a work slip follows a job: no job was started since the last slip", rule="O7"
            )

    def resolve(
        self: Ticket, cause: Cause, *, serving: frozenset[str], note: str | None = None
    ) -> None:
        """Resolved after a job whose slip was issued or waived (O7)."""
        self._require_open()
        require_role(cause, (Role.CONCIERGE, Role.OPERATOR), rule="O7", action="resolve a ticket")
        self._require_ticket_concierge(cause, serving)
        if not self.jobs:
            raise RuleViolation(
                "no work was done on this ticket: close it unresolved with a reason instead",
                rule="O7",
            )
        if self.unslipped_work:
            raise RuleViolation(
                "the last job has no work slip: issue one, or waive it for a minor job", rule="O7"
            )
        self._record(self.TicketResolved, cause, note=optional_text(note))

    def close_unresolved(
        self: Ticket, cause: Cause, reason: str, *, serving: frozenset[str]
    ) -> None:
        """L1: the service promises effort, not a result; an unfinished job closes with a reason."""
        self._require_open()
        require_role(
            cause,
            (Role.CONCIERGE, Role.OPERATOR, Role.CUSTOMER),
            rule="L1",
            action="close a ticket",
        )
        self._require_ticket_concierge(cause, serving)
        self._record(
            self.TicketClosedUnresolved, cause, reason=required_text(reason, "reason", rule="L1")
        )

    def record_missed_response_target(self: Ticket, cause: Cause) -> None:
        """O3: no arrival 24 hours after opening; recorded at most once."""
        self._require_open()
        require_role(
            cause, (Role.SYSTEM, Role.OPERATOR), rule="O3", action="record a missed response target"
        )
        if not self.response_target_missed_due(cause.at):
            raise RuleViolation("the 24-hour response target is not missed", rule="O3")
        self._record(self.ResponseTargetMissed, cause, deadline=self.response_deadline)
