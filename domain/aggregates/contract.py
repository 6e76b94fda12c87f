"""The Contract aggregate: pricing and term rules of the service agreement (P1–P13, C1–C6)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

import msgspec

from domain.aggregates.base import TracedAggregate
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause
from domain.personal import PersonalText
from domain.pricing import REDUCED_PLANS, Plan, Quote, QuoteInputs, Site, check_agreed_fee
from domain.rates import Rates
from domain.terms import (
    ANNUAL_TERM_MONTHS,
    Term,
    check_requested_end,
    earliest_end_date,
    service_start_date,
)


class ContractStatus(StrEnum):
    APPLIED = "applied"  # signed up, service not started yet (C1, C6)
    ACTIVE = "active"  # in service
    ENDED = "ended"


class Payment(StrEnum):
    """C2: monthly invoices, or the whole 12-month term invoiced at once (no discount)."""

    MONTHLY = "monthly"
    ANNUAL = "annual"


class Tariff(msgspec.Struct, frozen=True, kw_only=True):
    """The rates the contract was made on (P10–P13); later tariff changes do not touch it."""

    unit_fee: int
    spot_fee: int
    off_hours_surcharge_pct: int
    team_surcharge_pct: int
    monthly_report_fee: int
    tax_rate_pct: int

    @classmethod
    def from_rates(cls, rates: Rates) -> Tariff:
        return cls(
            unit_fee=rates.unit_fee,
            spot_fee=rates.spot_fee,
            off_hours_surcharge_pct=rates.off_hours_surcharge_pct,
            team_surcharge_pct=rates.team_surcharge_pct,
            monthly_report_fee=rates.monthly_report_fee,
            tax_rate_pct=rates.tax_rate_pct,
        )


class ClusterVolume(msgspec.Struct, frozen=True):
    """The recorded size of one site cluster's IT environment (P8)."""

    clients: int
    servers: int


class Nda(msgspec.Struct, frozen=True):
    signed_on: date
    reference: str


class Cancellation(msgspec.Struct, frozen=True):
    requested_end_date: date
    received_on: date


_NOT_STATE = frozenset({"originator_id", "originator_version", "originator_topic", "timestamp", "meta"})


def _volumes(sites: tuple[Site, ...]) -> dict[str, ClusterVolume]:
    """P8: the volume recorded at application; later changes are recorded, never repriced."""
    volumes: dict[str, ClusterVolume] = {}
    for site in sites:
        old = volumes.get(site.cluster, ClusterVolume(0, 0))
        volumes[site.cluster] = ClusterVolume(old.clients + site.clients, old.servers + site.servers)
    return volumes


def _no_future(received_on: date, today: date, rule: str) -> None:
    # Operators record phone and mail requests after the fact, never before they arrive.
    # The refusal cites the rule that reads the date: C1 (application), C4 (cancellation).
    if received_on > today:
        raise InvalidInput(f"received_on {received_on} is in the future", rule=rule)


class Contract(TracedAggregate):
    """One customer company's service contract."""

    class ContractApplied(TracedAggregate.Created):
        customer_name: str
        sites: tuple[Site, ...]
        plan: Plan
        extended_hours: bool
        team_response: bool
        monthly_report: bool
        term: Term
        payment: Payment
        units: float
        standard_monthly_fee: int | None  # None when the quote required negotiation (P4)
        monthly_fee: int  # the agreed fee (P3)
        fee_reason: PersonalText | None
        tariff: Tariff
        received_on: date
        service_start_date: date
        mid_month_start: bool  # C1: the first month is then billed in full

        def apply(self, contract: Contract) -> None:
            for name in self.__dataclass_fields__:
                if name not in _NOT_STATE:
                    setattr(contract, name, getattr(self, name))
            contract.volumes = _volumes(self.sites)

    class ContractStarted(TracedAggregate.Event):
        started_on: date

        def apply(self, contract: Contract) -> None:
            contract.status = ContractStatus.ACTIVE
            contract.started_on = self.started_on

    class ClientCountChanged(TracedAggregate.Event):
        cluster: str
        clients: int
        servers: int

        def apply(self, contract: Contract) -> None:
            contract.volumes = {**contract.volumes, self.cluster: ClusterVolume(self.clients, self.servers)}

    class FeeRenegotiated(TracedAggregate.Event):
        monthly_fee: int
        previous_fee: int
        reason: PersonalText
        effective_from: date

        def apply(self, contract: Contract) -> None:
            contract.monthly_fee = self.monthly_fee
            contract.fee_reason = self.reason

    class NdaSigned(TracedAggregate.Event):
        signed_on: date
        reference: str

        def apply(self, contract: Contract) -> None:
            contract.nda = Nda(self.signed_on, self.reference)

    class CancellationRequested(TracedAggregate.Event):
        requested_end_date: date
        received_on: date

        def apply(self, contract: Contract) -> None:
            contract.cancellation = Cancellation(self.requested_end_date, self.received_on)

    class CancellationWithdrawn(TracedAggregate.Event):
        requested_end_date: date

        def apply(self, contract: Contract) -> None:
            contract.cancellation = None

    class ContractEnded(TracedAggregate.Event):
        ended_on: date

        def apply(self, contract: Contract) -> None:
            contract.status = ContractStatus.ENDED
            contract.ended_on = self.ended_on

    def __init__(self) -> None:
        # The application's own fields are set by ContractApplied.apply.
        self.status = ContractStatus.APPLIED
        self.started_on: date | None = None
        self.ended_on: date | None = None
        self.nda: Nda | None = None
        self.cancellation: Cancellation | None = None

    # ---- commands -------------------------------------------------------------------

    @classmethod
    def apply_for(
        cls,
        cause: Cause,
        *,
        customer_name: str,
        inputs: QuoteInputs,
        quote: Quote,
        rates: Rates,
        term: Term,
        payment: Payment,
        agreed_fee: int | None,
        fee_reason: str | None,
        received_on: date,
        requested_start: date | None,
        insists_mid_month: bool,
    ) -> Contract:
        """Record an application; C1 fixes the start, P3–P6 the agreed fee, C2 the payment."""
        _no_future(received_on, cause.at.date(), rule="C1")
        if not customer_name.strip():
            raise InvalidInput("customer_name must not be empty")
        if payment is Payment.ANNUAL and term is not Term.ANNUAL:
            raise InvalidInput("annual payment needs an annual contract", rule="C2")
        fee = check_agreed_fee(quote, agreed_fee, fee_reason)
        start = service_start_date(received_on, requested_start, insists_mid_month)
        return cls._create_traced(
            cls.ContractApplied,
            cause,
            customer_name=customer_name.strip(),
            sites=inputs.sites,
            plan=inputs.plan,
            extended_hours=inputs.extended_hours,
            team_response=inputs.team_response,
            monthly_report=inputs.monthly_report,
            term=term,
            payment=payment,
            units=quote.units,
            standard_monthly_fee=quote.monthly_fee,
            monthly_fee=fee,
            fee_reason=fee_reason if fee != quote.monthly_fee else None,
            tariff=Tariff.from_rates(rates),
            received_on=received_on,
            service_start_date=start,
            mid_month_start=start.day != 1,
        )

    def start(self, cause: Cause, staffed_clusters: frozenset[str]) -> None:
        """Begin service; C6: every site cluster needs an accepted concierge first."""
        if self.status is not ContractStatus.APPLIED:
            raise RuleViolation(f"the contract is already {self.status}", rule="C1")
        missing = sorted(set(self.clusters) - staffed_clusters)
        if missing:
            raise RuleViolation(
                "service cannot start before every site cluster has an accepted concierge; "
                f"missing: {', '.join(missing)}",
                rule="C6",
                clusters_without_concierge=missing,
            )
        self._record(self.ContractStarted, cause, started_on=self.service_start_date)

    def record_client_count(self, cause: Cause, cluster: str, clients: int, servers: int) -> None:
        """P8: the new volume is recorded; the fee stays until renegotiated."""
        self._refuse_if_ended()
        if cluster not in self.clusters:
            raise InvalidInput(f"unknown site cluster {cluster!r}", rule="P9")
        if clients < 0 or servers < 0:
            raise InvalidInput("client and server counts cannot be negative", rule="P8")
        self._record(self.ClientCountChanged, cause, cluster=cluster, clients=clients, servers=servers)

    def renegotiate_fee(self, cause: Cause, monthly_fee: int, reason: str, effective_from: date) -> None:
        """P8/P3: a fee change is its own event, with a reason, from the 1st of a month."""
        self._refuse_if_ended()
        if not reason or not reason.strip():
            raise InvalidInput("a fee change needs a reason", rule="P3")
        if monthly_fee < 0:
            raise InvalidInput("a fee is never below zero", rule="P6")
        minimum = 0 if self.plan in REDUCED_PLANS else self.tariff.unit_fee
        if monthly_fee < minimum:
            raise RuleViolation(
                f"the fee cannot go below {minimum} yen on the {self.plan} plan; "
                "only the remote_only and visits_on_trouble_only plans go lower (P6)",
                rule="P5",
            )
        if effective_from.day != 1:
            raise InvalidInput("a fee change takes effect on the 1st of a month", rule="C1")
        if monthly_fee == self.monthly_fee:
            raise RuleViolation(f"the fee is already {monthly_fee} yen", rule="P8")
        self._record(
            self.FeeRenegotiated,
            cause,
            monthly_fee=monthly_fee,
            previous_fee=self.monthly_fee,
            reason=reason.strip(),
            effective_from=effective_from,
        )

    def sign_nda(self, cause: Cause, signed_on: date, reference: str) -> None:
        """C5: a separate NDA on top of the confidentiality of the application terms."""
        self._refuse_if_ended()
        if self.nda is not None:
            raise RuleViolation(f"an NDA was already signed on {self.nda.signed_on}", rule="C5")
        if signed_on > cause.at.date():
            raise InvalidInput("an NDA cannot be signed in the future", rule="C5")
        if not reference.strip():
            raise InvalidInput("an NDA needs its document reference", rule="C5")
        self._record(self.NdaSigned, cause, signed_on=signed_on, reference=reference.strip())

    def request_cancellation(self, cause: Cause, requested_end: date, received_on: date) -> None:
        """C3/C4: a month's notice, end of a month, not within the minimum term."""
        self._refuse_if_ended()
        _no_future(received_on, cause.at.date(), rule="C4")
        if self.cancellation is not None:
            raise RuleViolation(
                f"a cancellation for {self.cancellation.requested_end_date} is already pending",
                rule="C4",
            )
        check_requested_end(requested_end, self.service_start_date, self.term, received_on)
        self._record(
            self.CancellationRequested, cause, requested_end_date=requested_end, received_on=received_on
        )

    def withdraw_cancellation(self, cause: Cause) -> None:
        """C4: a pending cancellation may be withdrawn until its end date has passed."""
        self._refuse_if_ended()
        if self.cancellation is None:
            raise RuleViolation("there is no pending cancellation to withdraw", rule="C4")
        # Past its end date the cancellation has taken effect: service needs a new application.
        if cause.at.date() > self.cancellation.requested_end_date:
            raise RuleViolation(
                f"the cancellation took effect on {self.cancellation.requested_end_date}",
                rule="C4",
            )
        self._record(
            self.CancellationWithdrawn, cause, requested_end_date=self.cancellation.requested_end_date
        )

    def end(self, cause: Cause) -> None:
        """Close the contract once the day after its cancellation's end date has come (C4)."""
        self._refuse_if_ended()
        if self.cancellation is None:
            raise RuleViolation("a contract ends only through a cancellation", rule="C4")
        if cause.at.date() <= self.cancellation.requested_end_date:
            raise RuleViolation(
                f"the contract runs until {self.cancellation.requested_end_date}", rule="C4"
            )
        self._record(self.ContractEnded, cause, ended_on=self.cancellation.requested_end_date)

    # ---- queries --------------------------------------------------------------------

    @property
    def clusters(self) -> tuple[str, ...]:
        """Site cluster keys in order of first appearance (P9)."""
        return tuple(dict.fromkeys(site.cluster for site in self.sites))

    @property
    def months_per_invoice(self) -> int:
        """C2: an annual payment invoices the whole 12-month term at once."""
        return ANNUAL_TERM_MONTHS if self.payment is Payment.ANNUAL else 1

    @property
    def annual_amount(self) -> int:
        """C2: a 12-month term costs exactly 12 monthly fees; paying at once earns no discount."""
        return ANNUAL_TERM_MONTHS * self.monthly_fee

    def earliest_end_date(self, today: date) -> date | None:
        """The earliest end a cancellation received today could ask for (C3/C4)."""
        if self.status is ContractStatus.ENDED:
            return None
        return earliest_end_date(self.service_start_date, self.term, today)

    def is_in_service(self, today: date) -> bool:
        """Started, the start date reached, and not past a cancellation's end."""
        if self.status is not ContractStatus.ACTIVE or today < self.service_start_date:
            return False
        return self.cancellation is None or today <= self.cancellation.requested_end_date

    def _refuse_if_ended(self) -> None:
        if self.status is ContractStatus.ENDED:
            raise RuleViolation(f"the contract ended on {self.ended_on}", rule="C4")
