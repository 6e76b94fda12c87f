"""`econcierge projections rebuild` and `status` on the embedded store."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from api.cli import main
from infra.bootstrap import build
from infra.settings import Settings
from projections.catalog import close_views
from tests.projections.steps import apply_contract, trail


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An embedded store with two contracts, configured through the environment."""
    monkeypatch.setenv("ECONCIERGE_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("ECONCIERGE_DATABASE_URL", raising=False)
    service = build(Settings(data_dir=tmp_path))
    apply_contract(service)
    apply_contract(service, "Kaede Foods")
    service.close()
    return tmp_path


def test_rebuild_then_status_shows_the_view_caught_up(data_dir: Path) -> None:
    runner = CliRunner()

    rebuilt = runner.invoke(main, ["projections", "rebuild"])
    shown = runner.invoke(main, ["projections", "status"])

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "rebuild audit" in rebuilt.output
    assert shown.exit_code == 0, shown.output
    audit_line = next(line for line in shown.output.splitlines() if "audit" in line)
    cells = [cell.strip() for cell in audit_line.split("│")[1:-1]]
    assert cells[:4] == ["audit", "2", "2", "0"]  # view, position, head, behind
    service = build(Settings(data_dir=data_dir))
    try:
        assert [e.event_type for e in trail(service)] == ["ContractApplied", "ContractApplied"]
    finally:
        close_views(service)
        service.close()


def test_rebuild_of_an_unknown_view_is_a_usage_error(data_dir: Path) -> None:
    answer = CliRunner().invoke(main, ["projections", "rebuild", "nope"])

    assert answer.exit_code == 2
    assert "no view named 'nope'" in answer.output
