"""A dispute's trail as a file from the console: the API's export (api/exports.py), as an attachment."""

from __future__ import annotations

from litestar import Response

from api.exports import dispute_export
from infra.bootstrap import EConcierge
from projections.audit_query import AuditEntry
from projections.catalog import views_of
from projections.runner import wait_for_position


def export(
    service: EConcierge, entries: list[AuditEntry], *, subject: str, fmt: str
) -> Response[bytes]:
    """The trail as an attachment named after its subject, with its evidence (issue 9)."""
    position, _ = wait_for_position(views_of(service), "audit", None)
    found = dispute_export(service, entries, subject=subject, html=fmt == "html", position=position)
    headers = {"Content-Disposition": f'attachment; filename="{found.filename}"'}
    if (csp := found.csp()) is not None:
        headers["Content-Security-Policy"] = csp
    return Response(found.body, media_type=found.media_type, headers=headers)
