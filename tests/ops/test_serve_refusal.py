"""`econcierge serve` refuses an unsafe production configuration before it creates anything."""

from __future__ import annotations

import subprocess
from pathlib import Path

from infra.settings import Settings
from tests.e2e.processes import ECONCIERGE, ROOT, environment, free_port, require_console_script


def _serve(data_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    require_console_script()
    process_env = environment(Settings(data_dir=data_dir), ECONCIERGE_PORT=str(free_port()), **env)
    return subprocess.run(
        [str(ECONCIERGE), "serve"],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_a_token_secret_exits_before_building_the_store(
    tmp_path: Path,
) -> None:
    # Given production settings with no secret, public key or JWKS URL
    data_dir = tmp_path / "data"

    # When the API is started
    run = _serve(data_dir, ECONCIERGE_ENV="production")

    # Then it refuses at once, says why, and created nothing (no store, no views, no secret)
    assert run.returncode != 0
    assert "ECONCIERGE_JWT_SECRET" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not data_dir.exists()


def test_production_with_a_short_secret_is_refused_the_same_way(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    run = _serve(data_dir, ECONCIERGE_ENV="production", ECONCIERGE_JWT_SECRET="short")
    assert run.returncode != 0
    assert "at least 32 bytes" in run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert not data_dir.exists()
