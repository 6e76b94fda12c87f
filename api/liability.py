"""HTTP resources of liability claims (L1–L7): filing, findings, and the decision.

Filing and findings are the operator's commands (LiabilityClaim events); the decision,
its rule and its evidence come from the liability view (projections/liability.py).
"""

from __future__ import annotations

from uuid import UUID

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from api.context import Context, Service, provide_command_context
from api.contracts import Body
from api.limits import Text
from api.responses import command_response, state_after
from api.view_reads import MinPosition, caught_up
from domain.aggregates.liability_claim import LiabilityClaim
from domain.errors import NotFound
from domain.liability import ClaimKind, FindingKind
from infra.application import CommandResult
from infra.bootstrap import EConcierge
from projections.catalog import views_of
from projections.liability import ClaimRecord, claim

VIEW = "liability"


class ClaimBody(Body):
    ticket_id: UUID
    kind: ClaimKind
    description: Text


class FindingBody(Body):
    finding: FindingKind
    value: bool
    note: Text | None = None  # needed when a finding changes


class ClaimView(msgspec.Struct, kw_only=True):
    """The claim as recorded (the decision is read with GET, from the liability view)."""

    id: UUID
    version: int
    ticket_id: UUID
    contract_id: UUID
    kind: ClaimKind
    description: str
    findings: dict[FindingKind, bool]
    position: int | None  # pass as `min_position` to read the decision it leads to


class DecisionView(ClaimRecord, kw_only=True):
    position: int  # the liability view's position when read
    stale: bool  # true when `min_position` was not reached within the wait


def _answer(service: EConcierge, result: CommandResult, status: int) -> Response[ClaimView]:
    c = state_after(service, LiabilityClaim, result)
    view = ClaimView(
        id=c.id, version=c.version, ticket_id=c.ticket_id, contract_id=c.contract_id,
        kind=c.kind, description=c.description, findings=c.findings, position=result.position,
    )  # fmt: skip
    return command_response(view, result, status, f"/v1/liability/claims/{result.id}")


class LiabilityController(Controller):
    path = "/liability/claims"
    tags = ("liability",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - read per class

    @post("/", sync_to_thread=True, summary="File a liability claim on a ticket (operator)")
    def file(
        self, data: JSONBody[ClaimBody], service: Service, ctx: Context
    ) -> Response[ClaimView]:
        result = service.file_liability_claim(ctx, data.ticket_id, data.kind, data.description)
        return _answer(service, result, 201)

    @post(
        "/{claim_id:uuid}/findings",
        sync_to_thread=True,
        status_code=200,
        summary="Record a finding (operator)",
    )
    def finding(
        self, claim_id: FromPath[UUID], data: JSONBody[FindingBody], service: Service, ctx: Context
    ) -> Response[ClaimView]:
        result = service.record_liability_finding(
            ctx, claim_id, data.finding, data.value, data.note
        )
        return _answer(service, result, 200)

    @get(
        "/{claim_id:uuid}",
        sync_to_thread=True,
        summary="Who is liable, under which rule, on which events",
    )
    def decision(
        self, claim_id: FromPath[UUID], service: Service, min_position: MinPosition = None
    ) -> DecisionView:
        position, fresh = caught_up(service, VIEW, min_position)
        with views_of(service).read() as tx:
            found = claim(tx, claim_id)
        if found is None:
            raise NotFound(f"no liability claim with id {claim_id}", view_position=position)
        return DecisionView(**msgspec.structs.asdict(found), position=position, stale=not fresh)
