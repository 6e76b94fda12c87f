"""`econcierge serve` on the embedded store: with a NATS URL it relays in-process, without
one it runs without NATS; on SIGTERM the relay's last position is tracked before the
store closes (issue 5, issue 10)."""

from __future__ import annotations

import signal
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.server import start_background
from domain.meta import Role
from infra.bootstrap import EConcierge, build
from infra.event_contract import decode_event
from infra.settings import Settings
from infra.tokens import TokenService
from projections.catalog import close_views
from tests.api.contract_requests import application
from tests.nats.processes import ServeProcess
from tests.nats.streams import delete_stream, stream_messages, wait_until
from tests.nats.world import published_log, record_events

SECRET = "serve-test-secret-" + "s" * 32


def _token() -> str:
    tokens = TokenService(Settings(jwt_secret=SECRET))
    return tokens.issue(sub="op-tanaka", role=Role.OPERATOR, ttl=timedelta(hours=1))


def _relay_tracked(settings: Settings) -> int:
    service = build(settings)
    try:
        tracking = service.factory.tracking_recorder()
        return tracking.max_tracking_id(f"nats-relay:{settings.nats_stream}") or 0
    finally:
        service.close()


@pytest.fixture
def embedded(tmp_path: Path, nats_url: str) -> Iterator[Settings]:
    """The embedded default (SQLite) with its own stream on the shared NATS server."""
    tag = uuid.uuid4().hex[:12]
    settings = Settings(
        data_dir=tmp_path / "data",
        nats_url=nats_url,
        nats_stream=f"TEST_SERVE_{tag}",
        nats_subject_prefix=f"serve{tag}.events",
        nats_relay_poll_seconds=0.05,
    )
    yield settings
    delete_stream(settings)


def test_serve_with_a_nats_url_publishes_a_command_s_event_on_the_stream(
    embedded: Settings, tmp_path: Path
) -> None:
    # Given `econcierge serve` on SQLite with ECONCIERGE_NATS_URL and its own stream
    api = ServeProcess(embedded, tmp_path / "serve.log", ECONCIERGE_JWT_SECRET=SECRET).start()
    try:
        # When a command is sent over HTTP
        answer = httpx.post(
            f"{api.url}/v1/contracts",
            json=application(),
            headers={"Authorization": f"Bearer {_token()}", "X-Correlation-Id": "serve-nats-1"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text

        # Then its event arrives on the stream, with the request's correlation id
        (message,) = wait_until(lambda: stream_messages(embedded))
        event = decode_event(message.data)
        assert (str(event.aggregate_id), event.event_type) == (
            answer.json()["id"],
            "ContractApplied",
        )
        assert event.correlation_id == "serve-nats-1"

        # And SIGTERM stops it cleanly: the relay's position is tracked before the store closes
        assert api.terminate() in (0, -signal.SIGTERM)
    finally:
        api.kill()
    assert "API stopped" in api.text()
    assert "Traceback" not in api.text()
    assert _relay_tracked(embedded) == event.position


def test_serve_without_nats_runs_and_stops_cleanly(tmp_path: Path) -> None:
    # Given `econcierge serve` on SQLite with no NATS URL
    settings = Settings(data_dir=tmp_path / "data")
    api = ServeProcess(settings, tmp_path / "serve.log", ECONCIERGE_JWT_SECRET=SECRET).start()
    try:
        # When a command is sent, then it is accepted
        answer = httpx.post(
            f"{api.url}/v1/contracts",
            json=application(),
            headers={"Authorization": f"Bearer {_token()}"},
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        assert api.terminate() in (0, -signal.SIGTERM)
    finally:
        api.kill()
    assert "API stopped" in api.text()
    assert "Traceback" not in api.text()
    assert '"logger":"econcierge.relay"' not in api.text()  # no relay was started


def test_the_in_process_relay_tracks_its_last_position_before_the_store_closes(
    service: EConcierge, nats_settings: Settings
) -> None:
    # Given serve's background parts, the relay among them, caught up with the log
    record_events(service, contracts=3, changes=2)
    background = start_background(service, nats_settings, with_workers=True)
    relay = next(t for t in threading.enumerate() if t.name == "nats-relay")
    head = published_log(service)[-1][0]
    wait_until(lambda: len(stream_messages(nats_settings)) == len(published_log(service)))
    alive_at_close: list[list[str]] = []
    close = service.close

    def watched_close() -> None:
        alive_at_close.append(
            [t.name for t in threading.enumerate() if t is relay and t.is_alive()]
        )
        close()

    service.close = watched_close  # type: ignore[method-assign]

    # When serve stops
    assert background.stop(deadline=time.monotonic() + 30)

    # Then the relay had ended when the store closed, and its last position was tracked
    assert alive_at_close == [[]]
    close_views(service)
    reopened = build(nats_settings)
    try:
        name = f"nats-relay:{nats_settings.nats_stream}"
        assert reopened.factory.tracking_recorder().max_tracking_id(name) >= head
    finally:
        close_views(reopened)
        reopened.close()
