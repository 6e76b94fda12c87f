"""Contract commands and queries of the application service (rules P1–P13, C1–C6)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from domain.aggregates.contract import Contract, Payment
from domain.pricing import Quote, QuoteInputs, standard_quote, validate_inputs
from domain.rates import Rates
from domain.terms import Term, first_of_next_month
from infra.application import CommandContext, CommandResult, ServiceApplication


class ContractApplication(msgspec.Struct, frozen=True, kw_only=True):
    """The inputs of `apply_for_contract` (the API decodes its body into this)."""

    customer_name: str
    quote: QuoteInputs
    term: Term = Term.MONTHLY
    payment: Payment = Payment.MONTHLY
    agreed_fee: int | None = None
    fee_reason: str | None = None
    received_on: date | None = None  # C1: the day the application arrived (default today)
    requested_start: date | None = None
    insists_mid_month: bool = False


class ContractCommands(ServiceApplication):
    """Contract use cases: each loads, calls one command method, and saves once."""

    rates: Rates

    def quote(self, inputs: QuoteInputs) -> Quote:
        validate_inputs(inputs)
        return standard_quote(inputs, self.rates)

    def apply_for_contract(self, ctx: CommandContext, application: ContractApplication) -> CommandResult:
        def command() -> list[Contract]:
            cause = self.cause(ctx)
            return [
                Contract.apply_for(
                    cause,
                    customer_name=application.customer_name,
                    inputs=application.quote,
                    quote=self.quote(application.quote),
                    rates=self.rates,
                    term=application.term,
                    payment=application.payment,
                    agreed_fee=application.agreed_fee,
                    fee_reason=application.fee_reason,
                    received_on=application.received_on or cause.at.date(),
                    requested_start=application.requested_start,
                    insists_mid_month=application.insists_mid_month,
                )
            ]

        return self.execute(ctx, command)

    def start_contract(self, ctx: CommandContext, contract_id: UUID) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            contract.start(self.cause(ctx), self.staffed_clusters(contract))
            return [contract]

        return self.execute(ctx, command)

    def staffed_clusters(self, contract: Contract) -> frozenset[str]:
        """C6: the clusters with an accepted concierge (ConciergeCommands answers it)."""
        return frozenset(c for c in contract.clusters if self.concierges_serving(contract.id, c))

    def concierges_serving(self, contract_id: UUID, cluster: str) -> frozenset[str]:
        raise NotImplementedError

    def record_client_count(
        self, ctx: CommandContext, contract_id: UUID, cluster: str, clients: int, servers: int
    ) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            contract.record_client_count(self.cause(ctx), cluster, clients, servers)
            return [contract]

        return self.execute(ctx, command)

    def renegotiate_fee(
        self,
        ctx: CommandContext,
        contract_id: UUID,
        monthly_fee: int,
        reason: str,
        effective_from: date | None,
    ) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            cause = self.cause(ctx)
            start = effective_from or first_of_next_month(cause.at.date())
            contract.renegotiate_fee(cause, monthly_fee, reason, start)
            return [contract]

        return self.execute(ctx, command)

    def sign_nda(self, ctx: CommandContext, contract_id: UUID, signed_on: date | None, reference: str) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            cause = self.cause(ctx)
            contract.sign_nda(cause, signed_on or cause.at.date(), reference)
            return [contract]

        return self.execute(ctx, command)

    def request_cancellation(
        self, ctx: CommandContext, contract_id: UUID, requested_end: date, received_on: date | None
    ) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            cause = self.cause(ctx)
            contract.request_cancellation(cause, requested_end, received_on or cause.at.date())
            return [contract]

        return self.execute(ctx, command)

    def withdraw_cancellation(self, ctx: CommandContext, contract_id: UUID) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            contract.withdraw_cancellation(self.cause(ctx))
            return [contract]

        return self.execute(ctx, command)

    def end_contract(self, ctx: CommandContext, contract_id: UUID) -> CommandResult:
        def command() -> list[Contract]:
            contract = self.load(Contract, contract_id, ctx)
            contract.end(self.cause(ctx))
            return [contract]

        return self.execute(ctx, command)

    def get_contract(self, contract_id: UUID) -> Contract:
        return self.load(Contract, contract_id)
