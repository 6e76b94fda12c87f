"""`econcierge token` gives a new user a working token; production refuses unsafe secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner, Result

from api.cli import main
from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService

Run = Callable[..., Result]


@pytest.fixture
def run(tmp_path: Path) -> Run:
    """Run the CLI with a clean environment pointing at a temporary data directory."""

    def invoke(*args: str, **env: str) -> Result:
        environ = {"ECONCIERGE_DATA_DIR": str(tmp_path), **{f"ECONCIERGE_{k.upper()}": v for k, v in env.items()}}
        return CliRunner().invoke(main, list(args), env=environ, catch_exceptions=False)

    return invoke


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Stand in for uvicorn: record the app `serve` would run instead of listening."""
    apps: list[Any] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: apps.append(app))
    return apps


def test_the_token_command_prints_a_token_the_server_accepts(run: Run, tmp_path: Path) -> None:
    result = run("token", "--role", "customer", "--sub", "cust-yamada", "--contract", "c-1", "--contract", "c-2")
    assert result.exit_code == 0, result.output
    claims = TokenService(Settings(data_dir=tmp_path)).verify(result.output.strip())
    assert (claims.sub, claims.role, claims.contracts) == ("cust-yamada", Role.CUSTOMER, ("c-1", "c-2"))


def test_the_token_command_and_the_server_share_the_generated_secret(
    run: Run, tmp_path: Path, served: list[Any]
) -> None:
    token = run("token", "--role", "operator", "--sub", "op-tanaka").output.strip()
    assert run("serve").exit_code == 0
    assert served[0].state.tokens.verify(token).sub == "op-tanaka"
    served[0].state.service.close()


def test_a_concierge_token_carries_the_concierge_id(run: Run, tmp_path: Path) -> None:
    result = run("token", "--role", "concierge", "--sub", "sato", "--concierge", "k-7")
    assert TokenService(Settings(data_dir=tmp_path)).verify(result.output.strip()).concierge == "k-7"


def test_a_customer_token_needs_a_contract(run: Run) -> None:
    result = run("token", "--role", "customer", "--sub", "cust-yamada")
    assert result.exit_code == 2
    assert "--contract" in result.output


def test_an_unknown_role_is_a_usage_error(run: Run) -> None:
    assert run("token", "--role", "root", "--sub", "x").exit_code == 2


def test_no_token_is_issued_when_only_a_public_key_is_configured(run: Run) -> None:
    result = run("token", "--role", "operator", "--sub", "x", jwt_public_key="-----BEGIN PUBLIC KEY-----")
    assert result.exit_code == 1
    assert "HS256" in result.output


def test_production_refuses_to_serve_without_a_configured_secret(
    run: Run, tmp_path: Path, served: list[Any]
) -> None:
    result = run("serve", env="production")
    assert result.exit_code == 1
    assert "ECONCIERGE_JWT_SECRET" in result.output
    assert not served
    assert not (tmp_path / "jwt-secret").exists()  # no development secret is generated


def test_production_refuses_a_short_secret(run: Run, served: list[Any]) -> None:
    result = run("serve", env="production", jwt_secret="short")
    assert result.exit_code == 1
    assert "at least 32 bytes" in result.output
    assert not served


def test_production_serves_with_a_secret_from_the_environment(run: Run, served: list[Any]) -> None:
    result = run("serve", env="production", jwt_secret="s" * 48)
    assert result.exit_code == 0, result.output
    assert served
    served[0].state.service.close()


def test_development_generates_its_secret_once(run: Run, tmp_path: Path) -> None:
    run("token", "--role", "operator", "--sub", "a")
    first = (tmp_path / "jwt-secret").read_text()
    run("token", "--role", "operator", "--sub", "b")
    assert (tmp_path / "jwt-secret").read_text() == first
    assert (tmp_path / "jwt-secret").stat().st_mode & 0o077 == 0  # readable by its owner only


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"jwt_secret": "s" * 48, "jwt_public_key": "-----BEGIN PUBLIC KEY-----"}, "ECONCIERGE_JWT_PUBLIC_KEY"),
        ({"jwt_secret": "s" * 48, "jwks_url": "https://id.example/jwks.json"}, "ECONCIERGE_JWKS_URL"),
    ],
)
def test_a_secret_with_a_public_key_or_jwks_url_refuses_to_start(
    run: Run, tmp_path: Path, served: list[Any], keys: dict[str, str], named: str
) -> None:
    # given a secret (HS256) and an RS256 key source both configured, when serving, then the
    # server does not pick one silently: it refuses, naming both settings
    for env in ("development", "production"):
        result = run("serve", env=env, **keys)
        assert result.exit_code == 1
        assert "ECONCIERGE_JWT_SECRET" in result.output and named in result.output
        assert "exactly one" in result.output
    assert not served
    assert not (tmp_path / "jwt-secret").exists()
    # and no token is issued under such a configuration either
    assert run("token", "--role", "operator", "--sub", "x", **keys).exit_code != 0


def test_a_public_key_with_a_jwks_url_refuses_to_start(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, jwt_public_key="-----BEGIN PUBLIC KEY-----", jwks_url="https://id.example/jwks.json"
    )
    with pytest.raises(SystemExit, match="ECONCIERGE_JWT_PUBLIC_KEY and ECONCIERGE_JWKS_URL"):
        TokenService(settings)
