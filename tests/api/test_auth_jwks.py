"""RS256 tokens verified with keys fetched from a JWKS URL (an identity service's endpoint)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from litestar.testing import TestClient

from api.app import create_app
from infra.bootstrap import build
from infra.clock import FixedClock
from infra.settings import Settings
from tests.conftest import DEFAULT_NOW

UNKNOWN = "/v1/contracts/0c1b5d8e-6c1e-4f0e-9a3f-2d2a3f1e0e0e"  # 404 once authenticated
KID = "identity-2026"


@pytest.fixture
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(signing_key: rsa.RSAPrivateKey) -> Iterator[str]:
    """A JWKS endpoint on loopback publishing the identity service's public key."""
    jwk = json.loads(RSAAlgorithm.to_jwk(signing_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": KID, "use": "sig", "alg": "RS256"}]}).encode()

    class Keys(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Keys)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


@pytest.fixture
def http(tmp_path: Path, jwks_url: str) -> Iterator[TestClient]:
    service = build(Settings(data_dir=tmp_path, jwks_url=jwks_url), FixedClock(DEFAULT_NOW))
    with TestClient(create_app(service)) as client:
        yield client
    service.close()


def _token(key: rsa.RSAPrivateKey, kid: str = KID, algorithm: str = "RS256") -> str:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "op-tanaka", "role": "operator", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": kid})


def _status(client: TestClient, token: str) -> int:
    return client.get(UNKNOWN, headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_signed_with_a_published_key_is_accepted(
    http: TestClient, signing_key: rsa.RSAPrivateKey
) -> None:
    assert _status(http, _token(signing_key)) == 404  # authenticated: the contract is unknown


def test_a_token_signed_with_an_unpublished_key_is_refused(http: TestClient) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert _status(http, _token(stranger)) == 401


def test_a_token_naming_an_unknown_key_id_is_refused(
    http: TestClient, signing_key: rsa.RSAPrivateKey
) -> None:
    assert _status(http, _token(signing_key, kid="someone-else")) == 401
