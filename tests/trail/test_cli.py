"""`econcierge audit seal`, `digest` and `verify` on the embedded store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from infra.bootstrap import build
from infra.settings import Settings
from tests.trail.steps import record_history


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded store with a small history, configured through the environment."""
    monkeypatch.setenv("ECONCIERGE_DATA_DIR", str(tmp_path))
    for name in ("ECONCIERGE_DATABASE_URL", "ECONCIERGE_NATS_URL"):
        monkeypatch.delenv(name, raising=False)
    service = build(Settings(data_dir=tmp_path))
    record_history(service)
    service.close()
    return tmp_path


def test_seal_then_digest_prints_the_checkpoint_and_verify_passes(data_dir: Path) -> None:
    runner = CliRunner()

    sealed = runner.invoke(main, ["audit", "seal"])
    digest = runner.invoke(main, ["audit", "digest"])
    verified = runner.invoke(main, ["audit", "verify"])

    assert sealed.exit_code == 0, sealed.output
    assert json.loads(digest.output) == json.loads(sealed.output.splitlines()[0])
    assert json.loads(digest.output)["size"] == 6
    assert verified.exit_code == 0, verified.output
    assert "trail verified: 8 events of 3 aggregates" in verified.output  # and the seal
    assert "1 checkpoint(s) recomputed" in verified.output


def test_verify_exits_non_zero_and_names_the_first_break(data_dir: Path) -> None:
    with sqlite3.connect(data_dir / "events.sqlite3") as db:
        db.execute("UPDATE stored_events SET state = replace(state, '\"clients\":35', '\"clients\":99') WHERE rowid = 3")

    result = CliRunner().invoke(main, ["audit", "verify"])

    assert result.exit_code == 1
    assert "TRAIL BROKEN at position 3, aggregate" in result.output
    assert "version 2" in result.output


def test_digest_without_a_checkpoint_says_how_to_make_one(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["audit", "digest"])

    assert result.exit_code != 0
    assert "audit seal" in result.output
