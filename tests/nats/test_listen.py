"""Consumers: `econcierge listen` and examples/listen.py print events from a durable consumer."""

from __future__ import annotations

import importlib.util
import logging
import subprocess
import sys
from types import ModuleType

import nats
import pytest

from infra.bootstrap import EConcierge
from infra.event_contract.listen import listen
from infra.nats import MSG_ID_HEADER, ensure_stream
from infra.settings import Settings
from tests.nats.processes import REPO
from tests.nats.streams import run, stream_messages
from tests.nats.test_relay import _relay_until_caught_up
from tests.nats.world import published_log, record_events


def run_example(settings: Settings, subject: str, count: int) -> subprocess.CompletedProcess[str]:
    """examples/listen.py as another service runs it: outside this repository, nats-py only."""
    return subprocess.run(
        [
            sys.executable,
            str(REPO / "examples" / "listen.py"),
            *("--url", str(settings.nats_url), "--stream", settings.nats_stream),
            *("--durable", "example", "--filter", subject, "--count", str(count)),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
    )


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
    result = run_example(nats_settings, f"{nats_settings.nats_subject_prefix}.contract.>", 2)
    assert result.returncode == 0, result.stderr
    assert [line.split()[5] for line in result.stdout.splitlines()] == [
        "ContractApplied",
        "ClientCountChanged",
    ]


async def _publish(settings: Settings, subject: str, data: bytes, msg_id: str) -> None:
    """Put a message on the events stream by hand (not through the relay)."""
    nc = await nats.connect(settings.nats_url)
    try:
        js = nc.jetstream()
        await ensure_stream(js, settings)
        await js.publish(subject, data, headers={MSG_ID_HEADER: msg_id})
    finally:
        await nc.close()


async def _pending(settings: Settings, durable: str) -> tuple[int, int]:
    """(messages not yet delivered, delivered and not yet acked or terminated)."""
    nc = await nats.connect(settings.nats_url)
    try:
        info = await nc.jetstream().consumer_info(settings.nats_stream, durable)
        return info.num_pending, info.num_ack_pending
    finally:
        await nc.close()


def test_a_message_the_listener_cannot_decode_is_logged_and_terminated_not_redelivered(
    service: EConcierge, nats_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an unreadable message on the stream, before the relay's events
    subject = f"{nats_settings.nats_subject_prefix}.contract.nobody.Garbage"
    run(_publish(nats_settings, subject, b"not an event", "garbage-1"))
    record_events(service, contracts=1, changes=1)
    _relay_until_caught_up(service, nats_settings)
    lines: list[str] = []

    # When a listener reads the stream
    with caplog.at_level(logging.WARNING, logger="econcierge.listen"):
        seen = run(listen(nats_settings, durable="ops", count=2, out=lines.append))

    # Then it goes on past it to the events, says what it skipped, and the server will
    # not deliver it again (terminated, not left to time out and come back)
    assert seen == 2
    assert [line.split()[4] for line in lines] == ["ContractApplied", "ClientCountChanged"]
    assert "undecodable message on " + subject in caplog.text
    assert run(_pending(nats_settings, "ops")) == (0, 0)


def _example() -> ModuleType:
    spec = importlib.util.spec_from_file_location("example_listen", REPO / "examples" / "listen.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_keeps_one_version_per_aggregate_and_skips_anything_at_or_below_it() -> None:
    applied = _example().Applied()
    seen = []
    for version in (1, 2, 2, 1, 3):  # a re-feed repeats 2 and 1
        event = {"aggregate_id": "c-1", "aggregate_version": version}
        if applied.is_new(event):
            applied.record(event)
            seen.append(version)
    applied.record({"aggregate_id": "c-2", "aggregate_version": 1})
    assert seen == [1, 2, 3]
    assert applied.versions == {"c-1": 3, "c-2": 1}  # one number per aggregate, not per event


def test_the_example_skips_a_re_fed_event_and_an_unreadable_message_and_goes_on(
    service: EConcierge, nats_settings: Settings
) -> None:
    # Given two events, then a copy of the first (a re-feed past the duplicate window)
    # and an unreadable message
    record_events(service, contracts=1, changes=1)
    _relay_until_caught_up(service, nats_settings)
    first = stream_messages(nats_settings)[0]
    run(_publish(nats_settings, first.subject, first.data, "re-fed-copy"))
    subject = f"{nats_settings.nats_subject_prefix}.contract.nobody.Garbage"
    run(_publish(nats_settings, subject, b"\xff not json", "garbage-2"))

    # When the example reads all four messages
    result = run_example(nats_settings, f"{nats_settings.nats_subject_prefix}.>", 4)

    # Then it handled each event once, reported the unreadable one, and acked or
    # terminated everything
    assert result.returncode == 0, result.stderr
    assert [line.split()[4:6] for line in result.stdout.splitlines()] == [
        ["v1", "ContractApplied"],
        ["v2", "ClientCountChanged"],
    ]
    assert "unreadable message on " + subject in result.stderr
    assert run(_pending(nats_settings, "example")) == (0, 0)
