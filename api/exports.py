"""A dispute's trail as a file, with its evidence: one builder for the API and the console.

Both answer the same bytes for the same trail (issue 6's export, issue 9's evidence), so a
file downloaded from the console verifies with scripts/verify_export.py exactly as one
fetched from `GET /v1/audit/export`: JSON Lines carry each event's hashes and stored bytes
(infra/evidence.py), the HTML document the checkpoints and each event's inclusion proof.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

from infra.bootstrap import EConcierge
from infra.evidence import export_with_evidence, trail_evidence
from projections.audit_export import to_html
from projections.audit_query import AuditEntry

_STYLE = re.compile(r"<style>(.*?)</style>", re.DOTALL)


@dataclass(frozen=True)
class ExportFile:
    """The exported trail: its bytes, media type and file name."""

    body: bytes
    media_type: str
    filename: str
    html: bool

    def csp(self) -> str | None:
        """For the HTML document: no scripts, only its own inline style (by hash)."""
        if not self.html:
            return None
        hashes = " ".join(
            "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
            for s in _STYLE.findall(self.body.decode())
        )
        styles = hashes or "'none'"
        return f"default-src 'none'; style-src {styles}; frame-ancestors 'none'"


def dispute_export(
    service: EConcierge, entries: list[AuditEntry], *, subject: str, html: bool, position: int
) -> ExportFile:
    """The trail of `subject` (e.g. "contract <id>") as JSON Lines or an HTML document."""
    name = f"audit-{subject.replace(' ', '-')}"
    if html:
        document = to_html(
            entries,
            subject=subject,
            generated_at=service.clock.now(),
            position=position,
            evidence=trail_evidence(service, (e.position for e in entries)),
        )
        return ExportFile(document.encode(), "text/html; charset=utf-8", f"{name}.html", True)
    body = export_with_evidence(service, entries)
    return ExportFile(body, "application/x-ndjson", f"{name}.jsonl", False)
