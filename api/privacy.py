"""Erasure of personal data on request (issue 9): `POST /v1/privacy/erasures`, operator only.

The subject's keys are destroyed and `PersonalDataErased` is recorded (infra/privacy.py);
then every view is rebuilt from the log, so that views, exports and API reads show the
subject's personal fields as "[erased]" from the response on. The rebuild waits first
for the key ring's refresh interval, so that other processes (workers) have forgotten
the key before they could write decrypted text into the new views.
"""

from __future__ import annotations

import time
from uuid import UUID

import msgspec
from litestar import Controller, Response, post
from litestar.di import Provide
from litestar.params import JSONBody

from api.context import Context, Service, provide_command_context
from api.contracts import Body
from api.limits import Ref, Text
from domain.aggregates.data_subject import DataSubject
from infra.bootstrap import EConcierge
from infra.privacy import erase_personal_data


class ErasureBody(Body):
    subject: Ref  # contract:<uuid> (a customer company) or concierge:<uuid> (a person)
    reason: Text  # cite the request (its reference and date); do not name the person


class ErasureView(msgspec.Struct, kw_only=True):
    id: UUID  # the subject's erasure record
    version: int
    subject: str
    key_ids: list[str]  # the keys destroyed by this erasure
    views_rebuilt: list[str]
    position: int | None  # the log position of the erasure event


def rebuild_views(service: EConcierge) -> list[str]:
    """Rebuild every view, so none keeps the erased text (after other processes forgot keys)."""
    from projections.catalog import VIEWS, views_of
    from projections.rebuild import rebuild_views as rebuild_all

    time.sleep(service.mapper.keys.refresh_seconds)  # type: ignore[attr-defined]
    rebuild_all(service, views_of(service), VIEWS)  # one read of the log for every view
    return [view.name for view in VIEWS]


class PrivacyController(Controller):
    path = "/privacy"
    tags = ("privacy",)
    dependencies = {"ctx": Provide(provide_command_context)}  # noqa: RUF012 - litestar reads the class attribute

    @post("/erasures", sync_to_thread=True, status_code=201, summary="Erase a data subject's personal data")
    def erase(self, data: JSONBody[ErasureBody], service: Service, ctx: Context) -> Response[ErasureView]:
        result = erase_personal_data(service, ctx, data.subject, data.reason)
        record = service.state_at(DataSubject, result.id, result.version)
        erased = [e for e in service.events.get(result.id, gt=result.version - 1)]
        view = ErasureView(
            id=result.id,
            version=result.version,
            subject=record.subject,
            key_ids=list(getattr(erased[-1], "key_ids", ())) if erased else [],
            views_rebuilt=rebuild_views(service),
            position=result.position,
        )
        return Response(view, status_code=201, headers={"ETag": f'"{result.version}"'})
