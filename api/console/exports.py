"""A dispute's trail as a file: JSON Lines for tools, the readable document for people."""

from __future__ import annotations

import base64
import hashlib
import re

from litestar import Response

from infra.bootstrap import EConcierge
from projections.audit_export import to_html, to_jsonl
from projections.audit_query import AuditEntry
from projections.catalog import views_of
from projections.runner import wait_for_position

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


def document_csp(html: str) -> str:
    """A CSP for the exported document: no scripts, only its own inline style (by hash)."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _STYLE.findall(html)
    )
    styles = hashes or "'none'"
    return f"default-src 'none'; style-src {styles}; frame-ancestors 'none'"


def export(
    service: EConcierge, entries: list[AuditEntry], *, subject: str, fmt: str
) -> Response[bytes]:
    """The trail as an attachment named after its subject."""
    position, _ = wait_for_position(views_of(service), "audit", None)
    name = f"audit-{subject.replace(' ', '-')}"
    if fmt == "html":
        html = to_html(
            entries, subject=subject, generated_at=service.clock.now(), position=position
        )
        return Response(
            html.encode(),
            media_type="text/html; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{name}.html"',
                "Content-Security-Policy": document_csp(html),
            },
        )
    return Response(
        to_jsonl(entries),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="{name}.jsonl"'},
    )
