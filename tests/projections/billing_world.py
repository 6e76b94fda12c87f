"""Steps of the billing, liability and dispatch specifications: every event is made by the
application service (contracts, assignments, tickets, claims, month closes), then the
views are brought up to the log's head and read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4

from domain.aggregates.concierge import ConciergeKind
from domain.aggregates.concierge_assignment import TeamReason, assignment_id
from domain.aggregates.contract import Payment
from domain.billing import Statement
from domain.billing_lines import add_months
from domain.meta import EventMeta, Role
from domain.pricing import Plan, QuoteInputs, Site
from domain.terms import Term
from domain.tickets_values import Completion, RiskLevel, ServiceScope, Urgency, WorkKind
from infra.application import CommandContext, CommandResult
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from infra.services.concierges import ConciergeProfile
from infra.services.contracts import ContractApplication
from infra.services.tickets import TicketRequest
from projections.billing_query import StatementFilter, find_statements
from projections.catalog import VIEWS, views_of
from projections.runner import catch_up_all

OPERATOR, CUSTOMER, BILLING = "op-tanaka", "cust-yamada", "bill-suzuki"


def ctx(actor: str, role: Role) -> CommandContext:
    return CommandContext(meta=EventMeta(actor, role, f"corr-{uuid4().hex[:8]}", "req"))


def jst(text: str) -> datetime:
    """`2026-12-02 10:00` in Japan time."""
    return datetime.fromisoformat(text).replace(tzinfo=JST)


def month(text: str) -> date:
    return date.fromisoformat(f"{text}-01")


@dataclass
class World:
    """One service, its clock, and the steps the specifications are written in."""

    service: EConcierge
    clock: FixedClock

    # ---- actors ---------------------------------------------------------------------

    def operator(self) -> CommandContext:
        return ctx(OPERATOR, Role.OPERATOR)

    def customer(self) -> CommandContext:
        return ctx(CUSTOMER, Role.CUSTOMER)

    def concierge_ctx(self, concierge_id: UUID) -> CommandContext:
        return ctx(str(concierge_id), Role.CONCIERGE)

    def at(self, when: str) -> World:
        """Move the clock to `2026-12-02 10:00` (Japan time)."""
        self.clock.set(jst(when))
        return self

    # ---- contracts and concierges -------------------------------------------------------

    def contract(
        self,
        customer: str = "Sakura Trading",
        *,
        sites: tuple[tuple[str, str, int, int], ...] = (("Tokyo", "hq", 10, 1),),
        plan: Plan = Plan.standard,
        payment: Payment = Payment.MONTHLY,
        **options: Any,
    ) -> UUID:
        """An operator records an application; sites are (prefecture, cluster, clients, servers)."""
        quote = {k: options.pop(k) for k in ("monthly_report", "team_response") if k in options}
        application = ContractApplication(
            customer_name=customer,
            quote=QuoteInputs(
                sites=tuple(Site(p, "Somewhere", c, n, s) for p, c, n, s in sites),
                plan=plan,
                **quote,
            ),
            payment=payment,
            term=Term.ANNUAL if payment is Payment.ANNUAL else Term.MONTHLY,
            **options,
        )
        return self.service.apply_for_contract(self.operator(), application).id

    def concierge(self, name: str = "Sato", regions: tuple[str, ...] = ("Tokyo",)) -> UUID:
        profile = ConciergeProfile(name=name, kind=ConciergeKind.SOLE_PROPRIETOR, regions=regions)
        return self.service.register_concierge(self.operator(), profile).id

    def staff(self, contract_id: UUID, cluster: str, concierge_id: UUID) -> UUID:
        """K4: proposed, interviewed now, accepted by the customer."""
        s = self.service
        s.propose_concierge(self.operator(), contract_id, cluster, concierge_id)
        assignment = assignment_id(contract_id, cluster)
        s.schedule_interview(self.operator(), assignment, self.clock.now())
        s.accept(self.customer(), assignment)
        return assignment

    def in_service(self, customer: str = "Sakura Trading", **terms: Any) -> tuple[UUID, UUID]:
        """A contract whose every cluster is staffed, started (C6): (contract, concierge)."""
        contract_id = self.contract(customer, **terms)
        contract = self.service.get_contract(contract_id)
        prefectures = tuple(dict.fromkeys(s.prefecture for s in contract.sites))
        concierge = self.concierge(regions=prefectures)
        for cluster in contract.clusters:
            self.staff(contract_id, cluster, concierge)
        self.service.start_contract(self.operator(), contract_id)
        return contract_id, concierge

    @staticmethod
    def staff_of(contract_id: UUID, cluster: str = "hq") -> UUID:
        """The cluster's assignment (K2)."""
        return assignment_id(contract_id, cluster)

    def add_team_member(self, contract_id: UUID, cluster: str = "hq") -> UUID:
        member = self.concierge("Team member")
        self.service.add_team_member(
            self.operator(), assignment_id(contract_id, cluster), member, TeamReason.URGENT_TROUBLE
        )
        return member

    # ---- tickets ------------------------------------------------------------------------

    def ticket(
        self, contract_id: UUID, cluster: str = "hq", urgency: Urgency = Urgency.NORMAL
    ) -> UUID:
        request = TicketRequest(
            contract_id=contract_id, cluster=cluster, kind=WorkKind.TROUBLE,
            summary="The printer does not print", urgency=urgency,
        )  # fmt: skip
        return self.service.open_ticket(self.customer(), request).id

    def instructed(self, contract_id: UUID, **fields: Any) -> UUID:
        ticket_id = self.ticket(contract_id, **fields)
        self.service.instruct_work(self.customer(), ticket_id, "Please fix it")
        return ticket_id

    def visit(self, ticket_id: UUID, concierge_id: UUID, arrival: str, hours: int = 1) -> Any:
        """The concierge logs a visit; a clock before its end moves to its end (O1)."""
        start = jst(arrival)
        end = start + timedelta(hours=hours)
        if self.clock.now() < end:
            self.clock.set(end)
        return self.service.log_visit(self.concierge_ctx(concierge_id), ticket_id, start, end)

    def extra(self, ticket_id: UUID) -> None:
        self.service.classify_ticket(self.operator(), ticket_id, ServiceScope.EXTRA, None, None)

    def risky_work(self, ticket_id: UUID, concierge_id: UUID, *, acknowledge: bool) -> str:
        """O6: a high risk disclosed, answered by the customer, then work carrying it."""
        self.service.disclose_risk(
            self.concierge_ctx(concierge_id), ticket_id, "Data may be lost", RiskLevel.HIGH
        )
        if acknowledge:
            self.service.acknowledge_risk(self.customer(), ticket_id, "risk-1")
        self.service.start_work(self.concierge_ctx(concierge_id), ticket_id, "Reinstall", None)
        return "risk-1"

    def work(self, ticket_id: UUID, concierge_id: UUID) -> CommandResult:
        return self.service.start_work(self.concierge_ctx(concierge_id), ticket_id, "Fix", ())

    def slip(self, ticket_id: UUID, concierge_id: UUID, completion: Completion) -> None:
        self.service.issue_work_slip(
            self.concierge_ctx(concierge_id), ticket_id, "Tried", completion
        )

    # ---- billing ------------------------------------------------------------------------

    def close(self, text: str) -> CommandResult:
        return self.service.close_billing_month(ctx(BILLING, Role.BILLING), month(text))

    def close_months(self, *texts: str) -> None:
        """Billing closes each month on the 2nd of the next (the clock moves there if earlier)."""
        for text in texts:
            due = datetime.combine(add_months(month(text), 1).replace(day=2), time(10), JST)
            if self.clock.now() < due:
                self.clock.set(due)
            self.close(text)

    def project(self) -> None:
        catch_up_all(self.service, views_of(self.service), VIEWS)

    def statements(self, contract_id: UUID | str | None = None, **criteria: Any) -> list[Statement]:
        """The billing view's statements (after projecting), by month."""
        self.project()
        where = StatementFilter(contract_id=str(contract_id) if contract_id else None, **criteria)
        with views_of(self.service).read() as tx:
            return [found.statement for found in find_statements(tx, where, limit=10_000)]

    def statement(self, contract_id: UUID, text: str) -> Statement:
        (found,) = self.statements(contract_id, month=month(text))
        return found

    def totals(self, contract_id: UUID) -> dict[str, int]:
        return {f"{s.month:%Y-%m}": s.total for s in self.statements(contract_id)}
