"""Who is calling. One function, so authentication can replace it in one place."""

from __future__ import annotations

import msgspec
from litestar import Request

from domain.meta import Role


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The verified caller: subject, role, and the tenant scope the role is limited to."""

    subject: str
    role: Role
    contract_ids: frozenset[str] = frozenset()  # customer contacts: their contract(s)
    concierge_id: str | None = None  # concierges: their own profile id


DEVELOPMENT_OPERATOR = Principal(subject="dev-operator", role=Role.OPERATOR)


def identify(request: Request) -> Principal:
    """The caller of this request (until authentication lands: a development operator)."""
    return DEVELOPMENT_OPERATOR
