"""Bearer tokens (JWT): issue development tokens and verify every request's token.

HS256 with a secret is the embedded default; RS256 with a public key (or a JWKS URL)
is for production, where tokens come from the provider's identity service.

A client sends the same token with every request until it expires, so a verified token's
claims are remembered (keyed by the whole token, signature included; a bounded LRU):
the next request with exactly that token skips the signature check and the decoding.
A remembered token still stops working at its `exp` (with the same leeway as a full
check), and is checked in full again after `VERIFIED_MAX_AGE` seconds, so a key withdrawn
from a JWKS stops the tokens it signed within that time (PyJWKClient caches keys as long).
A token that fails is never remembered.
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import msgspec

from domain.meta import Role
from infra.settings import Settings

SECRET_FILE = "jwt-secret"
MIN_SECRET_BYTES = 32  # RFC 7518 3.2: an HS256 key at least as long as the hash
VERIFIED_CACHE_SIZE = 4096  # verified tokens remembered (a few hundred bytes each)
VERIFIED_MAX_AGE = 300.0  # seconds before a remembered token is checked in full again


class Claims(msgspec.Struct, frozen=True, kw_only=True):
    """What a verified token says about its bearer."""

    sub: str
    role: Role
    contracts: tuple[str, ...] = ()  # customer contacts: the contract ids they act for
    concierge: str | None = None  # concierges: their own concierge id
    exp: int


class TokenError(Exception):
    """A token that cannot be trusted (missing, malformed, expired, badly signed)."""


def check_key_settings(settings: Settings) -> None:
    """Exactly one source of keys: a secret (HS256), a public key or a JWKS URL (RS256).

    Two of them set at once is a mistake (a secret left over from development, a key meant
    to replace another) that picking one silently would hide: tokens of the other kind
    would all be refused, or, worse, accepted when they should not be. Refuse to start.
    """
    named = [
        name
        for name, value in (
            ("ECONCIERGE_JWT_SECRET", settings.jwt_secret),
            ("ECONCIERGE_JWT_PUBLIC_KEY", settings.jwt_public_key),
            ("ECONCIERGE_JWKS_URL", settings.jwks_url),
        )
        if value
    ]
    if len(named) > 1:
        raise SystemExit(
            f"{' and '.join(named)} are both set: configure exactly one source of token keys "
            "(ECONCIERGE_JWT_SECRET for HS256, or ECONCIERGE_JWT_PUBLIC_KEY or "
            "ECONCIERGE_JWKS_URL for RS256); refusing to start."
        )


def signing_secret(settings: Settings) -> str | None:
    """The HS256 secret: from the environment, else one generated once into the data dir."""
    check_key_settings(settings)
    if settings.jwt_secret:
        if settings.is_production and len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise SystemExit(
                f"ECONCIERGE_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes in production "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)."
            )
        return settings.jwt_secret
    if settings.jwt_public_key or settings.jwks_url:
        return None
    if settings.is_production:
        raise SystemExit(
            "ECONCIERGE_ENV=production needs ECONCIERGE_JWT_SECRET, ECONCIERGE_JWT_PUBLIC_KEY "
            "or ECONCIERGE_JWKS_URL; refusing to start with a generated development secret."
        )
    return development_secret(settings.data_dir / SECRET_FILE)


def development_secret(path: Path) -> str:
    """The secret in `path`, generated once: `serve`, its workers and `token` share it.

    The file is created private (mode 0600 from its first moment, never chmod-ed later)
    and complete: the secret is written under a temporary name opened with O_CREAT|O_EXCL,
    then linked into place, which fails if the name exists. Processes starting together
    therefore agree: the first link wins, every other process reads the winner's secret.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish(path, secrets.token_urlsafe(48))
    secret = path.read_text().strip()
    if not secret:
        raise SystemExit(f"{path} is empty: delete it and a new development secret is generated.")
    return secret


def _publish(path: Path, secret: str) -> None:
    """Put `secret` at `path` unless a secret is already there (then keep that one)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secret)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)  # atomic, and refuses an existing name
        except FileExistsError:
            pass  # another process published first: its secret is the one
    finally:
        temporary.unlink(missing_ok=True)


class TokenService:
    """Verifies tokens with exactly one configured algorithm (never `none`)."""

    def __init__(
        self,
        settings: Settings,
        *,
        cache_size: int = VERIFIED_CACHE_SIZE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = signing_secret(settings)
        self._jwks = jwt.PyJWKClient(settings.jwks_url) if settings.jwks_url else None
        self._public_key = settings.jwt_public_key
        self._algorithm = "HS256" if self._secret else "RS256"
        self._leeway = 5
        self._clock = clock  # epoch seconds (PyJWT's own expiry check reads the wall clock)
        self._cache_size = cache_size
        # token -> (claims, time until which it may be answered from here)
        self._verified: OrderedDict[str, tuple[Claims, float]] = OrderedDict()
        self._lock = threading.Lock()

    def issue(
        self,
        *,
        sub: str,
        role: Role,
        contracts: tuple[str, ...] = (),
        concierge: str | None = None,
        ttl: timedelta = timedelta(hours=12),
        now: datetime | None = None,
    ) -> str:
        """A development token (HS256 only: production tokens come from an identity service)."""
        if not self._secret:
            raise TokenError("tokens can be issued here only with an HS256 secret")
        issued = now or datetime.now(UTC)
        payload: dict[str, Any] = {"sub": sub, "role": str(role), "iat": issued, "exp": issued + ttl}
        if contracts:
            payload["contracts"] = list(contracts)
        if concierge:
            payload["concierge"] = concierge
        return jwt.encode(payload, self._secret, algorithm="HS256")

    def verify(self, token: str) -> Claims:
        """The claims of a token signed with the configured key and not expired (else TokenError)."""
        now = self._clock()
        with self._lock:
            remembered = self._verified.get(token)
            if remembered is not None:
                claims, recheck_at = remembered
                if claims.exp <= now - self._leeway:  # as PyJWT: expired once exp + leeway passed
                    del self._verified[token]
                    raise TokenError("Signature has expired")
                if now < recheck_at:
                    self._verified.move_to_end(token)
                    return claims
                del self._verified[token]
        claims = self._verify(token)
        if claims.exp <= now - self._leeway:  # the same rule on this clock (PyJWT reads the wall's)
            raise TokenError("Signature has expired")
        if self._cache_size > 0:
            with self._lock:
                self._verified[token] = (claims, now + VERIFIED_MAX_AGE)
                while len(self._verified) > self._cache_size:
                    self._verified.popitem(last=False)
        return claims

    def _verify(self, token: str) -> Claims:
        """The full check: signature, algorithm, required claims, expiry (PyJWT)."""
        try:
            key: Any = self._secret or self._public_key
            if self._jwks is not None:
                key = self._jwks.get_signing_key_from_jwt(token).key
            payload = jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                leeway=self._leeway,
                options={"require": ["sub", "role", "exp"]},
            )
            return msgspec.convert(payload, Claims, strict=False)
        except (jwt.PyJWTError, msgspec.ValidationError, ValueError) as error:
            raise TokenError(str(error)) from None
