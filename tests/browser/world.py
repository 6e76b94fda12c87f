"""The data the browser tests look at: two customer companies, built through the service.

Sakura Trading (30 clients in Minato, ¥92,400) is staffed and in service since 5 October
2026. Billing closed October on 1 November; on 2 November the fee was renegotiated to
¥86,000 backdated to October, so November's statement carries an adjustment for October
(P14). On 17 November its customer opened a high-urgency ticket, instructed it,
acknowledged a disclosed risk, and the concierge started work; no visit yet, so by "now",
2 December 10:00, the ticket is long past the 24-hour target (O3). The operator filed a
damage claim on it and found the damage was the acknowledged risk, without negligence
(L2). Kaede Foods is another company, with an emergency ticket opened this morning.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from domain.aggregates.concierge import ConciergeKind
from domain.liability import ClaimKind, FindingKind
from domain.meta import EventMeta, Role
from domain.pricing import QuoteInputs, Site
from domain.tickets_values import RiskLevel, Urgency, WorkKind
from infra.application import CommandContext
from infra.bootstrap import EConcierge
from infra.clock import JST, FixedClock
from infra.services.concierges import ConciergeProfile
from infra.services.contracts import ContractApplication
from infra.services.tickets import TicketRequest

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=JST)
APPLIED = datetime(2026, 10, 5, 10, 0, tzinfo=JST)
OCTOBER_CLOSED = datetime(2026, 11, 1, 10, 0, tzinfo=JST)
FEE_CHANGED = datetime(2026, 11, 2, 9, 0, tzinfo=JST)
BEFORE_FEE_CHANGE = "2026-11-01T12:00:00"  # as the datetime-local control sends it
TICKET_OPENED = datetime(2026, 11, 17, 9, 0, tzinfo=JST)
CLAIM_FILED = datetime(2026, 11, 20, 15, 0, tzinfo=JST)


@dataclass(frozen=True)
class Company:
    name: str
    contract_id: str
    concierge_id: str
    ticket_id: str
    customer: str  # the customer contact's subject


@dataclass(frozen=True)
class World:
    sakura: Company
    kaede: Company


def _ctx(actor: str, role: Role) -> CommandContext:
    correlation = str(uuid.uuid4())
    return CommandContext(meta=EventMeta(actor, role, correlation, correlation))


OPERATOR = _ctx("op-tanaka", Role.OPERATOR)


def _company(
    service: EConcierge, clock: FixedClock, name: str, concierge_name: str, clients: int, key: str
) -> tuple[str, str, str]:
    """Apply, staff (K4) and start (C6) a contract: (contract id, concierge id, customer)."""
    contract = service.apply_for_contract(
        OPERATOR,
        ContractApplication(
            customer_name=name,
            quote=QuoteInputs(sites=(Site("Tokyo", "Minato", "hq", clients),)),
            requested_start=clock.today(),
            insists_mid_month=True,  # C1: in service from today
        ),
    )
    concierge = service.register_concierge(
        OPERATOR,
        ConciergeProfile(
            name=concierge_name, kind=ConciergeKind.SOLE_PROPRIETOR, regions=("Tokyo",)
        ),
    )
    assignment = service.propose_concierge(OPERATOR, contract.id, "hq", concierge.id)
    service.schedule_interview(OPERATOR, assignment.id, clock.now())
    customer = f"cust-{key}"
    service.accept(_ctx(customer, Role.CUSTOMER), assignment.id)
    service.start_contract(OPERATOR, contract.id)
    return str(contract.id), str(concierge.id), customer


def build_world(service: EConcierge, clock: FixedClock) -> World:
    clock.set(APPLIED)
    sakura_id, sato, sakura_customer = _company(
        service, clock, "さくら商事", "佐藤 健", 30, "sakura"
    )
    kaede_id, kato, kaede_customer = _company(service, clock, "かえで食品", "加藤 美咲", 8, "kaede")

    clock.set(OCTOBER_CLOSED)
    service.close_billing_month(_ctx("billing-mori", Role.BILLING), date(2026, 10, 1))
    clock.set(FEE_CHANGED)
    service.renegotiate_fee(  # backdated into the closed month: an adjustment (P14)
        OPERATOR, uuid.UUID(sakura_id), 86_000, "年間継続による値引き", date(2026, 10, 1)
    )

    clock.set(TICKET_OPENED)
    customer = _ctx(sakura_customer, Role.CUSTOMER)
    ticket = service.open_ticket(
        customer,
        TicketRequest(
            contract_id=uuid.UUID(sakura_id),
            cluster="hq",
            kind=WorkKind.TROUBLE,
            summary="3階のプリンターが紙詰まり",
            urgency=Urgency.HIGH,
        ),
    )
    clock.set(TICKET_OPENED.replace(minute=10))
    service.instruct_work(customer, ticket.id, "プリンターを直してください")  # O5
    concierge = _ctx(sato, Role.CONCIERGE)
    clock.set(TICKET_OPENED.replace(minute=40))
    service.disclose_risk(
        concierge, ticket.id, "ファームウェア更新で設定が初期化される", RiskLevel.HIGH
    )
    clock.set(TICKET_OPENED.replace(minute=45))
    service.acknowledge_risk(customer, ticket.id, "risk-1")  # O6
    clock.set(TICKET_OPENED.replace(minute=50))
    service.start_work(concierge, ticket.id, "ファームウェア更新とローラー交換", None)

    clock.set(CLAIM_FILED)
    claim = service.file_liability_claim(
        OPERATOR, ticket.id, ClaimKind.DAMAGE, "ファームウェア更新後にプリンターの設定が消えた"
    )
    service.record_liability_finding(OPERATOR, claim.id, FindingKind.NEGLIGENCE_FOUND, False)
    service.record_liability_finding(OPERATOR, claim.id, FindingKind.RISK_MATERIALISED, True)

    clock.set(NOW.replace(hour=9))
    kaede_ticket = service.open_ticket(
        _ctx(kaede_customer, Role.CUSTOMER),
        TicketRequest(
            contract_id=uuid.UUID(kaede_id),
            cluster="hq",
            kind=WorkKind.TROUBLE,
            summary="全社のネットワークが停止",
            urgency=Urgency.EMERGENCY,
        ),
    )
    clock.set(NOW)
    return World(
        sakura=Company("さくら商事", sakura_id, sato, str(ticket.id), sakura_customer),
        kaede=Company("かえで食品", kaede_id, kato, str(kaede_ticket.id), kaede_customer),
    )
