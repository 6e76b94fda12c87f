"""Erasing a data subject's personal data (issue 9): destroy its keys, record the erasure.

Order: the request is checked first (operator, subject, reason); then the keys are
destroyed; then `PersonalDataErased` is saved. If saving fails after the keys are gone
(a crash, a conflict), sending the request again records the event (with no key ids
left to destroy). This process forgets cached keys and aggregates at once, others within
the key ring's `refresh_seconds` (infra/keys.py). Views are rebuilt by the caller
(api/privacy.py), since infra does not know the read side.
"""

from __future__ import annotations

import contextlib
from typing import Any

from domain.aggregates.data_subject import DataSubject, check_erasure, data_subject_id
from domain.errors import NotFound
from infra.application import CommandContext, CommandResult
from infra.erasure import forget_snapshots
from infra.keys import KeyRing


def erase_personal_data(service: Any, ctx: CommandContext, subject: str, reason: str) -> CommandResult:
    """Erase every personal field of `subject` (operator only, with a reason)."""
    keys: KeyRing = service.mapper.keys

    def command() -> list[DataSubject]:
        cause = service.cause(ctx)
        checked, _ = check_erasure(cause, subject, reason)
        record = None
        with contextlib.suppress(NotFound):
            record = service.load(DataSubject, data_subject_id(checked))
        if record is None and not keys.knows(checked):
            raise NotFound(f"no personal data was ever recorded for {checked}", subject=checked)
        wiped = tuple(keys.erase(checked, cause.at))
        forget_snapshots(service, wiped)  # unreadable now; deleted too (infra/erasure.py)
        return [DataSubject.erase(record, cause, subject=checked, reason=reason, key_ids=wiped)]

    return service.execute(ctx, command)
