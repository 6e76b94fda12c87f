"""Consumers: `econcierge listen` and examples/listen.py print events from a durable consumer."""

from __future__ import annotations

import subprocess
import sys

from infra.bootstrap import EConcierge
from infra.event_contract.listen import listen
from infra.settings import Settings
from tests.nats.processes import REPO
from tests.nats.streams import run
from tests.nats.test_relay import _relay_until_caught_up
from tests.nats.world import published_log, record_events


def test_a_durable_listener_prints_each_event_and_resumes_after_the_last_it_acked(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=2, changes=1)
    _relay_until_caught_up(service, nats_settings)
    lines: list[str] = []

    run(listen(nats_settings, durable="ops", count=2, out=lines.append))
    run(listen(nats_settings, durable="ops", count=2, out=lines.append))

    assert len(lines) == len(published_log(service)) == 4
    assert [line.split()[3] for line in lines] == ["v1", "v1", "v2", "v2"]  # contracts in log order
    assert "ContractApplied" in lines[0] and '"monthly_fee"' in lines[0]


def test_the_example_listener_needs_nothing_but_nats_py(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=1, changes=1)
    _relay_until_caught_up(service, nats_settings)
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "examples" / "listen.py"),
            "--url",
            str(nats_settings.nats_url),
            "--stream",
            nats_settings.nats_stream,
            "--durable",
            "example",
            "--filter",
            f"{nats_settings.nats_subject_prefix}.contract.>",
            "--count",
            "2",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )
    assert result.returncode == 0, result.stderr
    assert [line.split()[5] for line in result.stdout.splitlines()] == [
        "ContractApplied",
        "ClientCountChanged",
    ]
