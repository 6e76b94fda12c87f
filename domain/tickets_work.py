"""Ticket commands of the work itself: instruction (O5), scope (S6), informed consent (O6),
work, visits (O1, K2), vendor calls (S4) and backups (O4).

The decisions behind them are listed in domain/aggregates/ticket.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.meta import Cause, Role
from domain.service_hours import HolidayCalendar, is_off_hours_visit, to_japan_time
from domain.tickets_rules import optional_text, require_role, required_text
from domain.tickets_values import OutOfScopeReason, RiskLevel, RiskStatus, ServiceScope

if TYPE_CHECKING:
    from domain.aggregates.ticket import Ticket


class TicketWork:
    """The Ticket's commands for doing the work (a mixin of domain.aggregates.ticket.Ticket)."""

    def instruct(self: Ticket, cause: Cause, what: str) -> None:
        """O5: the customer's instruction (who, when, what) comes before any work."""
        self._require_open()
        require_role(cause, (Role.CUSTOMER,), rule="O5", action="instruct work")
        self._record(self.WorkInstructed, cause, what=required_text(what, "what", rule="O5"))

    def classify(
        self: Ticket,
        cause: Cause,
        scope: ServiceScope,
        *,
        reason_code: OutOfScopeReason | None,
        reason: str | None,
        serving: frozenset[str],
    ) -> None:
        """S6: daily, extra or out of scope; only the operator reclassifies, with a reason."""
        self._require_open()
        previous = self.classification
        if previous is None:
            require_role(
                cause, (Role.OPERATOR, Role.CONCIERGE), rule="S6", action="classify a ticket"
            )
            self._require_ticket_concierge(cause, serving)
        else:
            require_role(
                cause, (Role.OPERATOR,), rule="S6", action="change a ticket's classification"
            )
            if not optional_text(reason):
                raise InvalidInput("a change of classification needs a reason", rule="S6")
        if scope is ServiceScope.OUT_OF_SCOPE and reason_code is None:
            raise InvalidInput("an out-of-scope request needs a reason code", rule="S6")
        if scope is not ServiceScope.OUT_OF_SCOPE and reason_code is not None:
            raise InvalidInput("a reason code belongs to out-of-scope requests only", rule="S6")
        if previous and (previous.scope, previous.reason_code) == (scope, reason_code):
            raise RuleViolation(f"the ticket is already classified {scope}", rule="S6")
        self._record(
            self.ScopeClassified,
            cause,
            scope=scope,
            reason_code=reason_code,
            reason=optional_text(reason),
            previous_scope=previous.scope if previous else None,
        )

    # ---- informed consent (O6) --------------------------------------------------------

    def disclose_risk(
        self: Ticket, cause: Cause, description: str, level: RiskLevel, *, serving: frozenset[str]
    ) -> str:
        """O6: the concierge explains a risk; returns its id on the ticket."""
        self._require_open()
        require_role(cause, (Role.CONCIERGE,), rule="O6", action="disclose a risk")
        self._require_ticket_concierge(cause, serving)
        risk_id = f"risk-{len(self.risks) + 1}"
        text = required_text(description, "description", rule="O6")
        self._record(self.RiskDisclosed, cause, risk_id=risk_id, description=text, level=level)
        return risk_id

    def acknowledge_risk(self: Ticket, cause: Cause, risk_id: str) -> None:
        """O6: the customer's GO for work carrying this risk."""
        self._require_pending_risk(cause, risk_id)
        self._record(self.RiskAcknowledged, cause, risk_id=risk_id)

    def decline_risk(self: Ticket, cause: Cause, risk_id: str, reason: str | None = None) -> None:
        """O6: the customer says no; work carrying this risk cannot start."""
        self._require_pending_risk(cause, risk_id)
        self._record(self.RiskDeclined, cause, risk_id=risk_id, reason=optional_text(reason))

    def _require_pending_risk(self: Ticket, cause: Cause, risk_id: str) -> None:
        self._require_open()
        require_role(cause, (Role.CUSTOMER,), rule="O6", action="answer a disclosed risk")
        risk = self.risks.get(risk_id)
        if risk is None:
            raise NotFound(f"no risk {risk_id!r} on this ticket", rule="O6")
        if risk.status is not RiskStatus.PENDING:
            raise RuleViolation(f"risk {risk_id} was already {risk.status}", rule="O6")

    # ---- work ------------------------------------------------------------------------

    def start_work(
        self: Ticket,
        cause: Cause,
        work: str,
        *,
        risk_ids: tuple[str, ...] | None = None,
        serving: frozenset[str],
    ) -> None:
        """Start a job: instructed (O5), in scope (S6), every high risk answered (O6)."""
        require_role(cause, (Role.CONCIERGE,), rule="O5", action="start work")
        self._require_work_allowed(cause, serving, action="start work")
        carried = tuple(self.risks) if risk_ids is None else tuple(dict.fromkeys(risk_ids))
        unknown = [r for r in carried if r not in self.risks]
        if unknown:
            raise InvalidInput(f"unknown risks: {', '.join(unknown)}", rule="O6", risk_ids=unknown)
        pending = [
            r.risk_id
            for r in self.risks.values()
            if r.level is RiskLevel.HIGH and r.status is RiskStatus.PENDING
        ]
        if pending:
            raise RuleViolation(
                "work cannot start while a disclosed high risk awaits the customer's GO: "
                + ", ".join(pending),
                rule="O6",
                risk_ids=pending,
            )
        declined = [r for r in carried if self.risks[r].status is RiskStatus.DECLINED]
        if declined:
            raise RuleViolation(
                "the customer declined a risk this work carries: "
                + ", ".join(declined)
                + "; name the risks of a different approach, or close the ticket",
                rule="O6",
                risk_ids=declined,
            )
        text = required_text(work, "work", rule="O5")
        self._record(self.WorkStarted, cause, work=text, risk_ids=carried)

    def log_visit(
        self: Ticket,
        cause: Cause,
        arrival: datetime,
        departure: datetime,
        *,
        calendar: HolidayCalendar,
        serving: frozenset[str],
        concierge_id: str | None = None,
        note: str | None = None,
    ) -> None:
        """A visit by an assigned or dispatched concierge (K2, O4); off-hours per O1."""
        require_role(cause, (Role.CONCIERGE, Role.OPERATOR), rule="K2", action="log a visit")
        self._require_work_allowed(cause, serving, action="log a visit")
        visitor = concierge_id or (cause.actor_id if cause.role is Role.CONCIERGE else None)
        if visitor is None:
            raise InvalidInput("a visit names the concierge who made it", rule="K2")
        if cause.role is Role.CONCIERGE and visitor != cause.actor_id:
            raise RuleViolation("a concierge logs only its own visits", rule="K2")
        if visitor not in serving | self.backups:
            raise RuleViolation(
                f"concierge {visitor} is neither assigned to this site cluster nor dispatched"
                " to this ticket",
                rule="K2",
                concierge_id=visitor,
            )
        off_hours = is_off_hours_visit(arrival, departure, calendar)  # also checks the order
        if to_japan_time(departure) > cause.at:
            raise InvalidInput("a visit is logged after it ends, not before", rule="O1")
        if to_japan_time(arrival) < self.opened_at:
            # rule O3: the target runs from the opening to the first arrival; a visit that
            # began before the request was recorded cannot answer it (see ticket.py).
            raise InvalidInput(
                f"a visit cannot arrive before the ticket was opened ({self.opened_at.isoformat()})",
                rule="O3",
                opened_at=self.opened_at,
                arrival=to_japan_time(arrival),
            )
        self._record(
            self.VisitLogged,
            cause,
            concierge_id=visitor,
            arrival=to_japan_time(arrival),
            departure=to_japan_time(departure),
            off_hours=off_hours,
            note=optional_text(note),
        )

    def place_vendor_call(
        self: Ticket,
        cause: Cause,
        vendor: str,
        equipment: str,
        *,
        reference: str | None = None,
        serving: frozenset[str],
    ) -> None:
        """S4: the concierge calls the equipment's vendor on the customer's behalf."""
        require_role(cause, (Role.CONCIERGE,), rule="S4", action="place a vendor call")
        self._require_work_allowed(cause, serving, action="place a vendor call")
        self._record(
            self.VendorCallPlaced,
            cause,
            vendor=required_text(vendor, "vendor", rule="S4"),
            equipment=required_text(equipment, "equipment", rule="S4"),
            reference=optional_text(reference),
        )

    def dispatch_backup(
        self: Ticket,
        cause: Cause,
        concierge_id: str,
        *,
        serving: frozenset[str],
        reason: str | None = None,
    ) -> None:
        """O4: when emergencies overlap, the operator sends another concierge."""
        self._require_open()
        require_role(cause, (Role.OPERATOR,), rule="O4", action="dispatch a backup concierge")
        backup = required_text(concierge_id, "concierge_id", rule="O4")
        if backup in serving:
            raise RuleViolation(f"concierge {backup} already serves this site cluster", rule="O4")
        if backup in self.backups:
            raise RuleViolation(f"concierge {backup} was already dispatched", rule="O4")
        self._record(
            self.BackupDispatched, cause, concierge_id=backup, reason=optional_text(reason)
        )

    def _require_work_allowed(
        self: Ticket, cause: Cause, serving: frozenset[str], *, action: str
    ) -> None:
        self._require_open()
        self._require_ticket_concierge(cause, serving)
        if not self.instructions:
            raise RuleViolation(
                f"cannot {action} before an authorised customer contact has instructed the work",
                rule="O5",
            )
        if self.scope is ServiceScope.OUT_OF_SCOPE:
            assert self.classification is not None
            raise RuleViolation(
                f"the request is out of scope ({self.classification.reason_code}); no work is done",
                rule="S6",
                reason_code=self.classification.reason_code,
            )
