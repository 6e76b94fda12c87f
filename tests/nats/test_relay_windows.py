"""Several windows in flight, and one message among them fails (issue 7, guarantees of issue 5).

The relay publishes the next windows while the acks of earlier ones are on their way. A
failure in the middle must not let the tracked position pass the failed event, and after
recovery every event is on the stream once, each aggregate's versions in order (the
stream's order is the order a consumer reads). Faults are injected into the relay's ack
pipeline on a real NATS server: the message is never sent, its ack is lost after JetStream
stored it, or JetStream refuses it.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from infra.bootstrap import EConcierge
from infra.nats import EXPECTED_LAST_SEQUENCE_HEADER, POSITION_HEADER
from infra.settings import Settings
from tests.nats.streams import consume, stream_count, stream_messages, wait_until
from tests.nats.world import assert_exactly_once_in_order, published_log, record_events
from workers.relay import Relay
from workers.relay_acks import AckBatch, AckPipeline
from workers.relay_runner import RelayHandle

BATCH = 10  # events per window: the fault lands with later windows already published
FAULTY = 25  # the 25th message of the first connection, in the third window


class _Fault:
    """What the relay did around its faulty message (the `FAULTY`-th it publishes)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind  # "lost", "ack_lost" or "refused"
        self.sent = 0
        self.position: int | None = None  # the faulty message's log position
        self.sent_after = 0  # messages published after it, before its failure came back
        self.detected = False
        self.resumed = False  # the relay re-aligned with the stream after the failure
        self.positions_before_resume: list[int] = []  # the relay's position, window by window


class _Nowhere:
    """A connection that drops what it is given: the message never reaches NATS."""

    async def publish(self, *args: Any, **kwargs: Any) -> None:
        return None


def _pipeline_with(fault: _Fault) -> type[AckPipeline]:
    class FaultyPipeline(AckPipeline):
        def __init__(self, nc: Any) -> None:
            super().__init__(nc)
            self._drop: set[str] = set()

        async def publish(
            self, batch: AckBatch, subject: str, payload: bytes, headers: dict[str, str]
        ) -> None:
            fault.sent += 1
            if fault.sent != FAULTY:
                if fault.position is not None and not fault.detected:
                    fault.sent_after += 1
                await super().publish(batch, subject, payload, headers)
                return
            fault.position = int(headers[POSITION_HEADER])
            if fault.kind == "lost":
                nc, self._nc = self._nc, _Nowhere()  # type: ignore[assignment]
                try:
                    await super().publish(batch, subject, payload, headers)
                finally:
                    self._nc = nc
            elif fault.kind == "ack_lost":  # JetStream stores it; its ack goes missing
                self._drop.add(str(self._counter + 1))  # the token publish() gives it
                await super().publish(batch, subject, payload, headers)
            else:  # "refused": JetStream says the stream's last sequence is not the expected one
                headers = {**headers, EXPECTED_LAST_SEQUENCE_HEADER: "999999"}
                await super().publish(batch, subject, payload, headers)

        async def _on_reply(self, msg: Any) -> None:
            if msg.subject[len(self._prefix) :] not in self._drop:
                await super()._on_reply(msg)

    return FaultyPipeline


class _WatchedRelay(Relay):
    """The relay, with its position recorded after every window until it re-aligns."""

    def __init__(self, service: EConcierge, settings: Settings, fault: _Fault) -> None:
        super().__init__(service, settings, retry_max_seconds=0.2, windows_in_flight=4)
        self.pipeline_class = _pipeline_with(fault)
        self.fault = fault

    def _advance(self, flight: Any, acks: list[Any], *, last: bool) -> BaseException | None:
        failed = super()._advance(flight, acks, last=last)
        if self.fault.position is not None and not self.fault.resumed:
            assert self.position is not None
            self.fault.positions_before_resume.append(self.position)
            self.fault.detected = self.fault.detected or failed is not None
        return failed

    async def _resume(self, js: Any) -> None:
        if self.fault.detected:
            self.fault.resumed = True
        await super()._resume(js)


@pytest.fixture
def windowed(nats_settings: Settings) -> Settings:
    return msgspec.structs.replace(
        nats_settings, nats_relay_batch=BATCH, nats_ack_timeout_seconds=0.5
    )


def _run_until_caught_up(service: EConcierge, settings: Settings, fault: _Fault) -> None:
    handle = RelayHandle(_WatchedRelay(service, settings, fault)).start()
    try:
        wait_until(lambda: fault.resumed, timeout=20)
        wait_until(lambda: stream_count(settings) == len(published_log(service)))
        head = service.recorder.max_notification_id()
        wait_until(lambda: handle.status().position == head)
    finally:
        handle.stop()


def _assert_the_failure_held_the_position(fault: _Fault) -> None:
    assert fault.position is not None and fault.detected
    # Later windows were out when the failure came back: more than one window in flight...
    assert fault.sent_after >= BATCH, fault.sent_after
    # ...yet the position never passed the event whose ack did not arrive.
    assert fault.positions_before_resume
    assert max(fault.positions_before_resume) < fault.position


@pytest.mark.parametrize("kind", ["lost", "refused"])
def test_a_message_not_stored_mid_flight_is_published_again_with_everything_after_it_in_order(
    service: EConcierge, windowed: Settings, kind: str
) -> None:
    record_events(service, contracts=12, changes=10)
    fault = _Fault(kind)

    _run_until_caught_up(service, windowed, fault)

    _assert_the_failure_held_the_position(fault)
    # JetStream refused every later message (each expects its predecessor on the stream),
    # so the stream held a prefix of the log; the relay re-published from the failed event.
    assert_exactly_once_in_order(stream_messages(windowed), service)


def test_a_lost_ack_holds_the_position_and_nothing_is_published_twice(
    service: EConcierge, windowed: Settings
) -> None:
    record_events(service, contracts=12, changes=10)
    fault = _Fault("ack_lost")

    _run_until_caught_up(service, windowed, fault)

    _assert_the_failure_held_the_position(fault)  # even though later acks arrived
    # The message and those after it were stored: the relay resumed after the stream's
    # last message instead of re-publishing them.
    assert_exactly_once_in_order(stream_messages(windowed), service)


def test_a_consumer_reads_every_event_once_in_order_across_the_failure(
    service: EConcierge, windowed: Settings
) -> None:
    record_events(service, contracts=6, changes=8)
    fault = _Fault("lost")

    _run_until_caught_up(service, windowed, fault)

    expected = len(published_log(service))
    received = consume(windowed, "after-failure", at_least=expected)
    assert len(received) == expected
    assert_exactly_once_in_order(received, service)
