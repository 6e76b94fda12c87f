"""A data subject's erasures (issue 9): erasing personal data is itself an event of the trail.

A data subject is whoever personal fields are about (domain/personal.py): a customer
company (`contract:<id>`) or a concierge (`concierge:<id>`). The operator erases a
subject's personal data on request (Japan's Act on the Protection of Personal
Information); the key is destroyed outside the domain, and this records who did it,
when, why, and which keys were destroyed. Everything else of the trail stays.
"""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5

from domain.aggregates.base import TracedAggregate
from domain.errors import InvalidInput, RuleViolation
from domain.meta import Cause, Role

#: `contract:<uuid>` (a customer company) or `concierge:<uuid>` (a person).
SUBJECT = re.compile(r"^(contract|concierge):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MIN_REASON = 10  # a reason a reviewer can follow (e.g. the request's reference)


def data_subject_id(subject: str) -> UUID:
    """The aggregate id of a subject's erasure record (one per subject)."""
    return uuid5(NAMESPACE_URL, f"urn:econcierge:data-subject:{subject}")


def check_erasure(cause: Cause, subject: str, reason: str) -> tuple[str, str]:
    """The subject and reason of an allowed erasure, normalised; refuses anything else."""
    if cause.role is not Role.OPERATOR:
        raise RuleViolation(
            f"only the operator may erase personal data, not the {cause.role}", role=cause.role
        )
    subject = subject.strip().lower()
    if not SUBJECT.match(subject):
        raise InvalidInput(
            "subject must be contract:<uuid> or concierge:<uuid>", subject=subject
        )
    reason = reason.strip()
    if len(reason) < MIN_REASON:
        raise InvalidInput(
            f"an erasure needs a reason of at least {MIN_REASON} characters", reason=reason
        )
    return subject, reason


class DataSubject(TracedAggregate):
    """The erasures of one data subject's personal data."""

    class SubjectRecorded(TracedAggregate.Created):
        subject: str

    class PersonalDataErased(TracedAggregate.Event):
        subject: str
        reason: str  # cites the request; it must not itself name the person
        key_ids: tuple[str, ...]  # the keys destroyed (none when a retry found them gone)

        def apply(self, record: DataSubject) -> None:
            record.erasures += 1

    def __init__(self, subject: str) -> None:
        self.subject = subject
        self.erasures = 0

    @classmethod
    def erase(
        cls,
        record: DataSubject | None,
        cause: Cause,
        *,
        subject: str,
        reason: str,
        key_ids: tuple[str, ...],
    ) -> DataSubject:
        """Record an erasure of the subject's personal data (after `check_erasure`)."""
        subject, reason = check_erasure(cause, subject, reason)
        if record is None:
            record = cls._create_traced(
                cls.SubjectRecorded, cause, id=data_subject_id(subject), subject=subject
            )
        record._record(cls.PersonalDataErased, cause, subject=subject, reason=reason, key_ids=key_ids)
        return record
