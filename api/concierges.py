"""HTTP resources of concierge profiles (K1); assignments live in api/assignments.py."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response, get, patch, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody

from api.assignments import AssignmentController, ContractAssignmentsController
from api.context import Context, Service, provide_command_context
from api.contracts import Body
from api.limits import Name, Ref
from api.responses import command_response, state_after
from domain.aggregates.concierge import Concierge, ConciergeKind
from infra.application import CommandResult
from infra.bootstrap import EConcierge
from infra.services.concierges import ConciergeProfile

Refs = Annotated[list[Ref], msgspec.Meta(max_length=100)]


class ConciergeBody(Body):
    name: Name
    kind: ConciergeKind
    regions: Refs  # prefectures, romaji or kanji ("Tokyo", "大阪府")
    skills: Refs = msgspec.field(default_factory=list)
    languages: Refs = msgspec.field(default_factory=lambda: ["ja"])  # ISO 639-1


class ProfileChangeBody(Body):
    """Only the fields given change; each list replaces the old one."""

    name: Name | None = None
    skills: Refs | None = None
    regions: Refs | None = None
    languages: Refs | None = None


class ConciergeView(msgspec.Struct, kw_only=True):
    id: UUID
    version: int
    name: str
    kind: ConciergeKind
    skills: tuple[str, ...]
    regions: tuple[str, ...]
    languages: tuple[str, ...]
    english_service_regions: tuple[str, ...]  # K1: English only in Tokyo and Osaka
    position: int | None = None


def concierge_view(concierge: Concierge, position: int | None = None) -> ConciergeView:
    return ConciergeView(
        id=concierge.id,
        version=concierge.version,
        name=concierge.name,
        kind=concierge.kind,
        skills=concierge.skills,
        regions=concierge.regions,
        languages=concierge.languages,
        english_service_regions=concierge.english_service_regions,
        position=position,
    )


def _answer(
    service: EConcierge, result: CommandResult, status: int = 200
) -> Response[ConciergeView]:
    concierge = state_after(service, Concierge, result)
    view = concierge_view(concierge, result.position)
    return command_response(view, result, status, f"/v1/concierges/{result.id}")


class ConciergeController(Controller):
    path = "/concierges"
    tags = ("concierges",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - litestar reads it per class

    @post("/", sync_to_thread=True, summary="Register a concierge's profile (K1)")
    def register(
        self, data: JSONBody[ConciergeBody], service: Service, ctx: Context
    ) -> Response[ConciergeView]:
        profile = msgspec.convert(msgspec.to_builtins(data), ConciergeProfile)
        return _answer(service, service.register_concierge(ctx, profile), status=201)

    @get("/{concierge_id:uuid}", sync_to_thread=True, summary="A concierge's profile")
    def read(self, concierge_id: FromPath[UUID], service: Service) -> Response[ConciergeView]:
        concierge = service.get_concierge(concierge_id)
        return Response(concierge_view(concierge), headers={"ETag": f'"{concierge.version}"'})

    @patch("/{concierge_id:uuid}", sync_to_thread=True, summary="Change a concierge's profile (K1)")
    def update(
        self,
        concierge_id: FromPath[UUID],
        data: JSONBody[ProfileChangeBody],
        service: Service,
        ctx: Context,
    ) -> Response[ConciergeView]:
        result = service.update_concierge_profile(
            ctx,
            concierge_id,
            name=data.name,
            skills=data.skills,
            regions=data.regions,
            languages=data.languages,
        )
        return _answer(service, result)


ROUTES: list[object] = [ConciergeController, AssignmentController, ContractAssignmentsController]
