"""The command line of the event contract: `econcierge asyncapi` and `econcierge listen`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from infra.bootstrap import EConcierge
from infra.settings import Settings
from tests.nats.processes import REPO, settings_env
from tests.nats.test_relay import _relay_until_caught_up
from tests.nats.world import published_log, record_events

DOCS = REPO / "docs"


def econcierge(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The CLI's own entry point in a child process (its logging set up as in production)."""
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        cwd=REPO,
        env=env or settings_env(Settings()),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.json"))}


def test_asyncapi_prints_the_committed_document() -> None:
    run = econcierge("asyncapi")
    assert run.returncode == 0, run.stderr
    assert run.stdout == (DOCS / "asyncapi.json").read_text()


def test_asyncapi_write_reproduces_the_committed_docs_exactly(tmp_path: Path) -> None:
    # Given an empty directory, when the documents are written into it
    run = econcierge("asyncapi", "--write", "--docs", str(tmp_path))
    assert run.returncode == 0, run.stderr

    # Then it holds the committed files, byte for byte, and nothing else
    committed = {
        name: content
        for name, content in _tree(DOCS).items()
        if name == "asyncapi.json" or name.startswith("schemas/")
    }
    assert _tree(tmp_path) == committed
    assert f"wrote {tmp_path / 'asyncapi.json'}" in run.stdout


def test_listen_prints_the_events_of_its_durable_consumer(
    service: EConcierge, nats_settings: Settings
) -> None:
    # Given two contracts' events on the stream
    record_events(service, contracts=2, changes=1)
    _relay_until_caught_up(service, nats_settings)
    env = settings_env(nats_settings)

    # When `econcierge listen` reads the contract events, three then the rest
    first = econcierge("listen", "--durable", "cli", "--count", "3", env=env)
    rest = econcierge("listen", "--durable", "cli", "--count", "1", env=env)

    # Then each event is printed once, in log order, the second run resuming after the first
    assert first.returncode == 0 and rest.returncode == 0, first.stderr + rest.stderr
    lines = first.stdout.splitlines() + rest.stdout.splitlines()
    positions = [int(line.split()[0]) for line in lines]
    assert positions == [position for position, _ in published_log(service)]
    assert [line.split()[4] for line in lines[:2]] == ["ContractApplied", "ContractApplied"]


def test_listen_filters_by_subject(service: EConcierge, nats_settings: Settings) -> None:
    record_events(service, contracts=1, changes=2)
    _relay_until_caught_up(service, nats_settings)
    only = f"{nats_settings.nats_subject_prefix}.*.*.ClientCountChanged"
    run = econcierge("listen", "--filter", only, "--count", "2", env=settings_env(nats_settings))
    assert run.returncode == 0, run.stderr
    assert [line.split()[3:5] for line in run.stdout.splitlines()] == [
        ["v2", "ClientCountChanged"],
        ["v3", "ClientCountChanged"],
    ]


def test_listen_without_a_nats_url_is_a_usage_error() -> None:
    run = econcierge("listen", "--count", "1")
    assert run.returncode == 2
    assert "ECONCIERGE_NATS_URL" in run.stderr
