"""Value objects of a ticket: kinds, channels, scope, risks and the records kept on it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec


class WorkKind(StrEnum):
    """rule S1: the three kinds of work the service covers."""

    TROUBLE = "trouble"
    SETUP = "setup"
    CONSULTATION = "consultation"


class Urgency(StrEnum):
    """How soon the customer needs help; the dispatch view orders by it (rule O3)."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    EMERGENCY = "emergency"

    @property
    def rank(self) -> int:
        """Higher is more urgent (for ordering; the string values do not sort)."""
        return list(Urgency).index(self)


class Channel(StrEnum):
    """rule O2: how the request reached the concierge (or the operator)."""

    BUSINESS_MOBILE = "business_mobile"
    VOICEMAIL = "voicemail"
    MAIL = "mail"
    WEB = "web"
    IN_PERSON = "in_person"


class ServiceScope(StrEnum):
    """rule S6: inside the fixed fee, extra-charge, or refused."""

    DAILY = "daily"
    EXTRA = "extra"
    OUT_OF_SCOPE = "out_of_scope"


class OutOfScopeReason(StrEnum):
    """rule S6: why a request is refused (the list of the FAQ)."""

    UNCONTRACTED_DEVICE = "uncontracted_device"
    NOT_OWN_USE = "not_own_use"
    ILLEGAL = "illegal"
    NON_WINDOWS = "non_windows"
    USER_PROGRAM = "user_program"
    TIME_BOUND = "time_bound"
    LIABILITY_IMPOSED = "liability_imposed"
    BEYOND_SPEC = "beyond_spec"
    NOT_IT = "not_it"


class RiskLevel(StrEnum):
    """rule O6: a high risk needs the customer's GO before work; a low one is disclosed only."""

    HIGH = "high"
    LOW = "low"


class RiskStatus(StrEnum):
    PENDING = "pending"
    ACKNOWLEDGED = "acknowledged"  # the customer's GO (rule O6)
    DECLINED = "declined"  # stops the work that carries it (rule O6)


class ReferralTarget(StrEnum):
    """rule X1: who takes extra work; `concierge_direct` is a Second job (rule X2)."""

    OPERATOR = "operator"
    ANOTHER_VENDOR = "another_vendor"
    CONCIERGE_DIRECT = "concierge_direct"


class Seller(StrEnum):
    """rule O8: who sold a product, and so who bills it."""

    OPERATOR = "operator"
    CONCIERGE = "concierge"


class Completion(StrEnum):
    """rule O7: how far the job went (L1: the service does not promise completion)."""

    COMPLETED = "completed"
    PARTIAL = "partial"
    NOT_COMPLETED = "not_completed"


class TicketStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"  # work started (rule O5)
    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"  # rule L1


class Instruction(msgspec.Struct, frozen=True, kw_only=True):
    """rule O5: who instructed what, and when."""

    by: str
    at: datetime
    what: str


class Classification(msgspec.Struct, frozen=True, kw_only=True):
    """rule S6: the current scope of the ticket and why."""

    scope: ServiceScope
    reason_code: OutOfScopeReason | None
    reason: str | None
    by: str
    at: datetime


class Risk(msgspec.Struct, frozen=True, kw_only=True):
    """rule O6: a risk the concierge explained, and the customer's answer."""

    risk_id: str
    description: str
    level: RiskLevel
    status: RiskStatus = RiskStatus.PENDING
    disclosed_by: str
    answered_by: str | None = None


class Job(msgspec.Struct, frozen=True, kw_only=True):
    """One start of work (rule O5), with the risks it carries (rule O6)."""

    work: str
    risk_ids: tuple[str, ...]
    by: str
    at: datetime


class Visit(msgspec.Struct, frozen=True, kw_only=True):
    """rule O1: one on-site visit; `off_hours` was computed when it was logged."""

    concierge_id: str
    arrival: datetime
    departure: datetime
    off_hours: bool
    note: str | None = None


class VendorCall(msgspec.Struct, frozen=True, kw_only=True):
    """rule S4: a maintenance call placed with the equipment's vendor."""

    vendor: str
    equipment: str
    reference: str | None
    by: str
    at: datetime


class ExtraWorkQuote(msgspec.Struct, frozen=True, kw_only=True):
    """rule X1: extra-charge work is quoted separately."""

    quote_id: str
    description: str
    amount: int
    quoted_by: str


class Referral(msgspec.Struct, frozen=True, kw_only=True):
    """rules X1/X2: who takes the extra work; the operator bills only work it takes."""

    referral_id: str
    to: ReferralTarget
    description: str
    vendor_name: str | None
    concierge_id: str | None
    amount: int | None
    operator_bills: bool


class Sale(msgspec.Struct, frozen=True, kw_only=True):
    """rule O8: a product sold through the concierge or by the operator."""

    sale_id: str
    item: str
    quantity: int
    amount: int
    sold_by: Seller
    operator_bills: bool


class WorkSlip(msgspec.Struct, frozen=True, kw_only=True):
    """rule O7: the slip given to the customer after a job, or why a minor job has none."""

    waived: bool
    content: str | None
    completion: Completion | None
    reason: str | None
    by: str
    at: datetime


class Outcome(StrEnum):
    """How a ticket ends: resolved after its work slip (O7), or closed unresolved (L1)."""

    RESOLVED = "resolved"
    CLOSED_UNRESOLVED = "closed_unresolved"
