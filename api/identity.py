"""Who is calling: the verified bearer token, in one place."""

from __future__ import annotations

import msgspec
from litestar import Request
from litestar.exceptions import NotAuthorizedException

from domain.meta import Role
from infra.tokens import TokenError, TokenService


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The verified caller: subject, role, and the tenant scope the role is limited to."""

    subject: str
    role: Role
    contract_ids: frozenset[str] = frozenset()  # customer contacts: their contract(s)
    concierge_id: str | None = None  # concierges: their own profile id


def identify(request: Request) -> Principal:
    """The caller of this request, from `Authorization: Bearer <JWT>` (401 otherwise)."""
    cached = request.scope.get("econcierge.principal")
    if cached is not None:
        return cached
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthorizedException(
            detail="a bearer token is required (get one with `econcierge token`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    tokens: TokenService = request.app.state.tokens
    try:
        claims = tokens.verify(token.strip())
    except TokenError as error:
        raise NotAuthorizedException(
            detail=f"invalid bearer token: {error}",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from None
    principal = Principal(
        subject=claims.sub,
        role=claims.role,
        contract_ids=frozenset(claims.contracts),
        concierge_id=claims.concierge,
    )
    request.scope["econcierge.principal"] = principal  # type: ignore[typeddict-unknown-key]
    return principal
