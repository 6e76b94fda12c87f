"""Only a token signed by the configured key, with the configured algorithm, unexpired and
for a known role, gets past authentication; everything else is a 401 problem. A verified
token is remembered (no signature check per request) but still expires at its `exp`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from litestar.testing import TestClient

from api.app import create_app
from domain.meta import Role
from infra.bootstrap import build
from infra.clock import FixedClock
from infra.settings import Settings
from infra.tokens import VERIFIED_MAX_AGE, TokenError, TokenService
from tests.conftest import DEFAULT_NOW

UNKNOWN = "/v1/contracts/0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e"  # 404 once authenticated


def _client(settings: Settings) -> Iterator[TestClient]:
    service = build(settings, FixedClock(DEFAULT_NOW))
    with TestClient(create_app(service)) as client:
        yield client
    service.close()


@pytest.fixture
def http(tmp_path: Path) -> Iterator[TestClient]:
    """The API on the embedded default: HS256 with the secret generated into the data dir."""
    yield from _client(Settings(data_dir=tmp_path))


@pytest.fixture
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture
def rs256_http(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Iterator[TestClient]:
    """The API configured for RS256 tokens from an identity service (a public key)."""
    yield from _client(Settings(data_dir=tmp_path, jwt_public_key=_public_pem(rsa_key)))


def _claims(**changes: object) -> dict[str, object]:
    now = int(datetime.now(UTC).timestamp())
    claims: dict[str, object] = {"sub": "op-tanaka", "role": "operator", "iat": now, "exp": now + 3600}
    claims.update(changes)
    return claims


def _get(client: TestClient, token: str) -> int:
    return client.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"}).status_code


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_a_token_from_the_configured_secret_is_accepted(http: TestClient) -> None:
    token = http.app.state.tokens.issue(sub="op-tanaka", role=Role.OPERATOR)
    assert _get(http, token) == 404  # authenticated: the contract is simply unknown


def test_no_token_is_a_401_problem_with_a_bearer_challenge(http: TestClient) -> None:
    answer = http.get(UNKNOWN)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_another_scheme_than_bearer_is_refused(http: TestClient) -> None:
    assert http.get(UNKNOWN, headers={"Authorization": "Basic b3A6cGFzcw=="}).status_code == 401


def test_an_expired_token_is_refused(http: TestClient) -> None:
    past = datetime.now(UTC) - timedelta(hours=2)
    tokens = http.app.state.tokens
    token = tokens.issue(sub="op", role=Role.OPERATOR, ttl=timedelta(hours=1), now=past)
    answer = http.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]


def test_a_tampered_payload_is_refused(http: TestClient) -> None:
    token = http.app.state.tokens.issue(sub="cust-1", role=Role.CUSTOMER, contracts=("c-1",))
    header, _, signature = token.split(".")
    forged = _b64(_claims(sub="cust-1", role="operator"))  # promote itself, keep the signature
    assert _get(http, f"{header}.{forged}.{signature}") == 401


def test_an_unsigned_alg_none_token_is_refused(http: TestClient) -> None:
    unsigned = jwt.encode(_claims(), None, algorithm="none")
    assert _get(http, unsigned) == 401
    handmade = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    assert _get(http, handmade) == 401


def test_a_token_signed_with_another_secret_is_refused(http: TestClient) -> None:
    other_secret = "not-the-configured-secret-but-long-enough-to-be-valid"
    token = jwt.encode(_claims(), other_secret, algorithm="HS256")
    assert _get(http, token) == 401


def test_a_token_with_an_unknown_role_is_refused(http: TestClient) -> None:
    secret = (Path(http.app.state.service.settings.data_dir) / "jwt-secret").read_text().strip()
    assert _get(http, jwt.encode(_claims(role="superuser"), secret, algorithm="HS256")) == 401
    # `system` is for in-process jobs only: no token may carry it.
    assert _get(http, jwt.encode(_claims(role="system"), secret, algorithm="HS256")) == 401


def test_a_token_without_a_subject_or_expiry_is_refused(http: TestClient) -> None:
    secret = (Path(http.app.state.service.settings.data_dir) / "jwt-secret").read_text().strip()
    no_exp = {k: v for k, v in _claims().items() if k != "exp"}
    assert _get(http, jwt.encode(no_exp, secret, algorithm="HS256")) == 401
    no_sub = {k: v for k, v in _claims().items() if k != "sub"}
    assert _get(http, jwt.encode(no_sub, secret, algorithm="HS256")) == 401


def test_rs256_accepts_a_token_signed_by_the_identity_service(
    rs256_http: TestClient, rsa_key: rsa.RSAPrivateKey
) -> None:
    assert _get(rs256_http, jwt.encode(_claims(), rsa_key, algorithm="RS256")) == 404


def test_rs256_refuses_an_hs256_token_keyed_with_the_public_key(
    rs256_http: TestClient, rsa_key: rsa.RSAPrivateKey
) -> None:
    # The algorithm-confusion attack: HMAC "signed" with the (public) RSA key as the secret.
    public = _public_pem(rsa_key).encode()
    header = _b64({"alg": "HS256", "typ": "JWT"})
    payload = _b64(_claims())
    mac = hmac.new(public, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert _get(rs256_http, f"{header}.{payload}.{signature}") == 401


def test_rs256_refuses_a_token_signed_by_another_key(rs256_http: TestClient) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _get(rs256_http, jwt.encode(_claims(), stranger, algorithm="RS256")) == 401


def test_rs256_refuses_alg_none(rs256_http: TestClient) -> None:
    assert _get(rs256_http, jwt.encode(_claims(), None, algorithm="none")) == 401


# ---- verified tokens are remembered (infra/tokens.py) ------------------------------------


class _Clock:
    """Epoch seconds that a test moves by hand (the token cache's clock)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clocked(tmp_path: Path) -> Iterator[tuple[TestClient, _Clock]]:
    """The API whose token service reads a clock the test moves."""
    clock = _Clock()
    settings = Settings(data_dir=tmp_path)
    service = build(settings, FixedClock(DEFAULT_NOW))
    app = create_app(service)
    app.state.tokens = TokenService(settings, clock=clock)
    with TestClient(app) as client:
        yield client, clock
    service.close()


def test_a_remembered_token_stops_working_at_its_expiry(clocked: tuple[TestClient, _Clock]) -> None:
    http, clock = clocked
    tokens: TokenService = http.app.state.tokens
    token = tokens.issue(sub="op", role=Role.OPERATOR, ttl=timedelta(minutes=10))
    exp = tokens.verify(token).exp
    assert _get(http, token) == 404  # verified, then answered from memory
    clock.now = exp + 4  # inside the same 5 s leeway as a full check
    assert _get(http, token) == 404
    clock.now = exp + 5  # exp + leeway: expired, as PyJWT would say
    answer = http.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]
    assert _get(http, token) == 401  # and stays refused


def test_a_remembered_token_is_checked_in_full_again_after_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    tokens = TokenService(Settings(data_dir=tmp_path), clock=clock)
    token = tokens.issue(sub="op", role=Role.OPERATOR)
    decoded: list[str] = []
    real = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda t, *a, **k: decoded.append(t) or real(t, *a, **k))
    tokens.verify(token)
    tokens.verify(token)
    assert len(decoded) == 1  # the second request skips the signature check
    clock.now += VERIFIED_MAX_AGE
    tokens.verify(token)
    assert len(decoded) == 2  # e.g. a key withdrawn from a JWKS stops it within that time


def test_a_refused_token_is_not_remembered_and_the_memory_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tokens = TokenService(Settings(data_dir=tmp_path), cache_size=2)
    forged = jwt.encode(_claims(), "not-the-configured-secret-but-long-enough", algorithm="HS256")
    for _ in range(2):
        with pytest.raises(TokenError):
            tokens.verify(forged)
    first, second, third = (tokens.issue(sub=f"op-{i}", role=Role.OPERATOR) for i in range(3))
    for token in (first, second, third):
        tokens.verify(token)
    decoded: list[str] = []
    real = jwt.decode
    monkeypatch.setattr(jwt, "decode", lambda t, *a, **k: decoded.append(t) or real(t, *a, **k))
    tokens.verify(third)
    tokens.verify(first)  # the oldest was let go for the third
    assert decoded == [first]
