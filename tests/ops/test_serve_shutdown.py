"""`econcierge serve` stops its background parts newest first, in bounded time, the store last."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import msgspec
import pytest

from api.server import start_background
from infra.bootstrap import EConcierge, build
from infra.settings import Settings
from projections.catalog import close_views

#: The threads `serve --with-workers` starts besides uvicorn's (projection-<view> included).
BACKGROUND = ("projection-", "nats-relay", "response-targets", "sealer")


def background_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.is_alive() and t.name.startswith(BACKGROUND)]


class Closes:
    """Wraps the service's close: which background threads were still running at that moment."""

    def __init__(self, service: EConcierge) -> None:
        self.calls: list[list[str]] = []
        self._close = service.close

        def close() -> None:
            self.calls.append(background_threads())
            self._close()

        service.close = close  # type: ignore[method-assign]


@pytest.fixture
def own_service(settings: Settings) -> Iterator[EConcierge]:
    service = build(msgspec.structs.replace(settings, shutdown_timeout_seconds=1.0))
    yield service
    close_views(service)
    service.close()


def test_the_store_closes_last_when_no_background_thread_uses_it_any_more(
    own_service: EConcierge,
) -> None:
    # Given serve's workers running on the store (issue 10: graceful shutdown)
    closes = Closes(own_service)
    background = start_background(own_service, own_service.settings, with_workers=True)
    assert background_threads(), "the workers run"

    # When serve stops them (in time: this test is about the order, not the timeout)
    stopped = background.stop(deadline=time.monotonic() + 30)

    # Then each ended before the store closed, and the store closed once
    assert stopped is True
    assert closes.calls == [[]]
    assert background_threads() == []


def test_a_hung_job_does_not_hold_the_stop_past_the_shutdown_timeout(
    own_service: EConcierge, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the sealer stuck in a round that does not return (a hung store call, say)
    entered, release = threading.Event(), threading.Event()

    def stuck(service: object, settings: object) -> tuple[None, int]:
        entered.set()
        release.wait(30)
        return None, 0

    monkeypatch.setattr("infra.sealer.seal_and_publish", stuck)
    closes = Closes(own_service)
    background = start_background(own_service, own_service.settings, with_workers=True)
    assert entered.wait(10)
    try:
        # When serve stops, with ECONCIERGE_SHUTDOWN_TIMEOUT_SECONDS=1
        began = time.monotonic()
        stopped = background.stop()
        took = time.monotonic() - began

        # Then the stop ends within the timeout, reports the part that did not stop,
        # and does not close the store under the thread still using it
        assert took < 1.5
        assert stopped is False
        assert closes.calls == []
        assert "sealer" in background_threads()
    finally:
        release.set()
    wait_for = time.monotonic() + 10
    while background_threads() and time.monotonic() < wait_for:
        time.sleep(0.05)


def test_the_stop_counts_from_the_signal_so_a_late_start_leaves_the_workers_less_time(
    own_service: EConcierge, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stuck sealer, and requests in flight that already used the whole timeout
    release = threading.Event()
    monkeypatch.setattr(
        "infra.sealer.seal_and_publish", lambda *_: (release.wait(30), (None, 0))[1]
    )
    background = start_background(own_service, own_service.settings, with_workers=True)
    try:
        # When the stop starts at the deadline (the signal came a timeout ago)
        began = time.monotonic()
        stopped = background.stop(deadline=began)

        # Then it does not wait at all for what has not stopped
        assert stopped is False
        assert time.monotonic() - began < 0.5
    finally:
        release.set()
    wait_for = time.monotonic() + 10
    while background_threads() and time.monotonic() < wait_for:
        time.sleep(0.05)


def test_the_stop_s_clock_starts_when_the_signal_comes_and_uvicorn_still_gets_it() -> None:
    # Given uvicorn's handler for SIGINT (here a recording stand-in), and serve's in front
    from api.server import _SignalTime

    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, _frame: received.append(signum))
    try:
        signalled = _SignalTime()
        signalled.install()
        assert signalled.at is None

        # When the signal comes
        before = time.monotonic()
        signal.raise_signal(signal.SIGINT)

        # Then the time is noted, and uvicorn's handler ran as before
        assert signalled.at is not None and signalled.at >= before
        assert received == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)
