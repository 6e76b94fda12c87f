"""Who is calling: the verified bearer token, in one place."""

from __future__ import annotations

import msgspec
from litestar import Request
from litestar.exceptions import NotAuthorizedException

from domain.meta import Role
from infra.tokens import TokenError, TokenService

#: Roles that may hold an API token (SYSTEM is for in-process scheduled jobs only).
API_ROLES = frozenset({Role.CUSTOMER, Role.CONCIERGE, Role.OPERATOR, Role.BILLING, Role.COMPLIANCE})


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The verified caller: subject, role, and the tenant scope the role is limited to."""

    subject: str
    role: Role
    contract_ids: frozenset[str] = frozenset()  # customer contacts: their contract(s)
    concierge_id: str | None = None  # concierges: their own profile id (claim, else sub)


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
    if claims.role not in API_ROLES:
        raise NotAuthorizedException(
            detail=f"invalid bearer token: role {claims.role} cannot call the API",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    concierge_id = (claims.concierge or claims.sub) if claims.role is Role.CONCIERGE else None
    principal = Principal(
        # A concierge acts as its concierge id: the domain checks the actor against the
        # concierges serving a cluster (K2, O4), and the audit trail names the concierge.
        subject=concierge_id or claims.sub,
        role=claims.role,
        contract_ids=frozenset(claims.contracts) if claims.role is Role.CUSTOMER else frozenset(),
        concierge_id=concierge_id,
    )
    request.scope["econcierge.principal"] = principal  # type: ignore[typeddict-unknown-key]
    return principal
