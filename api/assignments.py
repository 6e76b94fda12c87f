"""HTTP resources of concierge assignments: selection (K4), replacement (K5), teams (K3)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from api.context import Context, Service, provide_command_context
from api.contracts import Body
from api.limits import Ref, Text
from api.paging import Paging, bad_cursor, slice_page
from api.responses import command_response, state_after
from domain.aggregates.concierge_assignment import (
    AssignmentStatus,
    ConciergeAssignment,
    ReplacementReason,
    TeamReason,
)
from infra.application import CommandResult
from infra.bootstrap import EConcierge


class ProposalBody(Body):
    contract_id: UUID
    cluster: Ref
    concierge_id: UUID


class InterviewBody(Body):
    interview_at: datetime  # with its UTC offset, e.g. 2026-11-20T14:00:00+09:00


class RejectionBody(Body):
    reason: Text | None = None


class ReplacementBody(Body):
    reason: ReplacementReason
    detail: Text | None = None  # required when reason is "other"


class TeamMemberBody(Body):
    concierge_id: UUID
    reason: TeamReason
    note: Text | None = None


class EndBody(Body):
    reason: Text


class ReplacementView(msgspec.Struct, kw_only=True):
    concierge_id: UUID
    reason: ReplacementReason
    detail: str
    requested_at: datetime


class AssignmentView(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    contract_id: UUID
    cluster: str
    prefectures: tuple[str, ...]
    status: AssignmentStatus
    accepted_concierge_id: UUID | None
    candidate_concierge_id: UUID | None
    interview_at: datetime | None
    replacement: ReplacementView | None
    team_member_ids: list[UUID]
    team_active: bool  # K3/P11: the team surcharge applies
    serving_concierge_ids: list[UUID]
    ended_at: datetime | None
    position: int | None = None


def assignment_view(assignment: ConciergeAssignment, position: int | None = None) -> AssignmentView:
    pending = assignment.replacement
    return AssignmentView(
        id=assignment.id,
        version=assignment.version,
        contract_id=assignment.contract_id,
        cluster=assignment.cluster,
        prefectures=assignment.prefectures,
        status=assignment.status,
        accepted_concierge_id=assignment.accepted_concierge_id,
        candidate_concierge_id=assignment.candidate_concierge_id,
        interview_at=assignment.interview_at,
        replacement=(
            ReplacementView(
                concierge_id=pending.concierge_id,
                reason=pending.reason,
                detail=pending.detail,
                requested_at=pending.requested_at,
            )
            if pending
            else None
        ),
        team_member_ids=sorted(assignment.team_member_ids),
        team_active=assignment.team_active,
        serving_concierge_ids=sorted(assignment.serving_concierge_ids),
        ended_at=assignment.ended_at,
        position=position,
    )


def _answer(
    service: EConcierge, result: CommandResult, status: int = 200
) -> Response[AssignmentView]:
    assignment = state_after(service, ConciergeAssignment, result)
    view = assignment_view(assignment, result.position)
    return command_response(view, result, status, f"/v1/assignments/{result.id}")


class AssignmentController(Controller):
    path = "/assignments"
    tags = ("concierges",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - litestar reads it per class

    @post("/", sync_to_thread=True, summary="Propose a concierge for a site cluster (K2, K4, K5)")
    def propose(
        self, data: JSONBody[ProposalBody], service: Service, ctx: Context
    ) -> Response[AssignmentView]:
        result = service.propose_concierge(ctx, data.contract_id, data.cluster, data.concierge_id)
        return _answer(service, result, status=201)

    @get("/{assignment_id:uuid}", sync_to_thread=True, summary="An assignment's current state")
    def read(self, assignment_id: FromPath[UUID], service: Service) -> Response[AssignmentView]:
        assignment = service.get_assignment(assignment_id)
        return Response(assignment_view(assignment), headers={"ETag": f'"{assignment.version}"'})

    @post(
        "/{assignment_id:uuid}/interview",
        sync_to_thread=True,
        status_code=200,
        summary="Schedule the interview (K4)",
    )
    def interview(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[InterviewBody],
        service: Service,
        ctx: Context,
    ) -> Response[AssignmentView]:
        return _answer(service, service.schedule_interview(ctx, assignment_id, data.interview_at))

    @post(
        "/{assignment_id:uuid}/accept",
        sync_to_thread=True,
        status_code=200,
        summary="Customer accepts the candidate (K4)",
    )
    def accept(
        self, assignment_id: FromPath[UUID], service: Service, ctx: Context
    ) -> Response[AssignmentView]:
        return _answer(service, service.accept(ctx, assignment_id))

    @post(
        "/{assignment_id:uuid}/reject",
        sync_to_thread=True,
        status_code=200,
        summary="Customer rejects the candidate (K4)",
    )
    def reject(
        self,
        assignment_id: FromPath[UUID],
        service: Service,
        ctx: Context,
        data: JSONBody[RejectionBody | None] = None,
    ) -> Response[AssignmentView]:
        reason = data.reason if data else None
        return _answer(service, service.reject(ctx, assignment_id, reason))

    @post(
        "/{assignment_id:uuid}/replacement-request",
        sync_to_thread=True,
        status_code=200,
        summary="Customer requests a replacement, with a reason (K5)",
    )
    def request_replacement(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[ReplacementBody],
        service: Service,
        ctx: Context,
    ) -> Response[AssignmentView]:
        result = service.request_replacement(ctx, assignment_id, data.reason, data.detail)
        return _answer(service, result)

    @post(
        "/{assignment_id:uuid}/team-members",
        sync_to_thread=True,
        status_code=200,
        summary="Add a team member (K3)",
    )
    def add_team_member(
        self,
        assignment_id: FromPath[UUID],
        data: JSONBody[TeamMemberBody],
        service: Service,
        ctx: Context,
    ) -> Response[AssignmentView]:
        result = service.add_team_member(
            ctx, assignment_id, data.concierge_id, data.reason, data.note
        )
        return _answer(service, result)

    @delete(
        "/{assignment_id:uuid}/team-members/{concierge_id:uuid}",
        sync_to_thread=True,
        status_code=200,
        summary="Remove a team member (K3)",
    )
    def remove_team_member(
        self,
        assignment_id: FromPath[UUID],
        concierge_id: FromPath[UUID],
        service: Service,
        ctx: Context,
    ) -> Response[AssignmentView]:
        return _answer(service, service.remove_team_member(ctx, assignment_id, concierge_id))

    @post(
        "/{assignment_id:uuid}/end",
        sync_to_thread=True,
        status_code=200,
        summary="End the assignment (K2)",
    )
    def end(
        self, assignment_id: FromPath[UUID], data: JSONBody[EndBody], service: Service, ctx: Context
    ) -> Response[AssignmentView]:
        return _answer(service, service.end_assignment(ctx, assignment_id, data.reason))


class AssignmentsPage(msgspec.Struct, kw_only=True):
    items: list[AssignmentView]  # in the contract's cluster order
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last one


class ContractAssignmentsController(Controller):
    path = "/contracts/{contract_id:uuid}/assignments"
    tags = ("concierges",)

    @get("/", sync_to_thread=True, summary="The assignments of a contract's site clusters (K2)")
    def of_contract(
        self, contract_id: FromPath[UUID], service: Service, page: Paging
    ) -> AssignmentsPage:
        # One assignment per site cluster (K2), in the contract's cluster order; a contract
        # never loses a cluster, so the last cluster shown marks where the next page starts.
        assignments = service.assignments_of(contract_id)
        clusters = [a.cluster for a in assignments]
        start = 0
        if page.cursor is not None:
            if page.cursor not in clusters:
                raise bad_cursor(page.cursor)
            start = clusters.index(page.cursor) + 1
        shown, more = slice_page(assignments, page, start)
        return AssignmentsPage(
            items=[assignment_view(a) for a in shown],
            next_cursor=shown[-1].cluster if more else None,
        )
