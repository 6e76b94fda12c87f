"""The relay publishes every stored event to JetStream once, in order per aggregate."""

from __future__ import annotations

import time
import uuid

import msgspec
from eventsourcing.persistence import StoredEvent

from infra.bootstrap import EConcierge
from infra.nats import POSITION_HEADER
from infra.settings import Settings
from tests.nats.streams import stream_count, stream_messages, wait_until
from tests.nats.world import assert_exactly_once_in_order, published_log, record_events
from workers.relay import Relay, start_relay_in_background
from workers.relay_runner import RelayHandle


def _relay_until_caught_up(
    service: EConcierge, settings: Settings, relay: Relay | None = None
) -> Relay:
    """Run a relay until it has passed the store's newest event, then stop it."""
    handle = RelayHandle(relay or Relay(service, settings)).start()
    try:
        head = service.recorder.max_notification_id()
        wait_until(lambda: handle.relay.position == head)
    finally:
        handle.stop()
    return handle.relay


def test_every_stored_event_is_published_once_in_order_per_aggregate(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=8, changes=4)
    handle = start_relay_in_background(service, nats_settings)
    try:
        record_events(service, contracts=4, changes=3)  # written while the relay runs
        expected = len(published_log(service))
        wait_until(lambda: stream_count(nats_settings) == expected)
        wait_until(lambda: handle.status().lag == 0)
    finally:
        handle.stop()
    assert_exactly_once_in_order(stream_messages(nats_settings), service)


def test_idempotency_records_are_never_published_but_passed(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=3, changes=0)  # every third contract carries a key
    relay = _relay_until_caught_up(service, nats_settings)
    subjects = [m.subject for m in stream_messages(nats_settings)]
    assert all(".contract." in subject for subject in subjects)
    assert relay.status().position == service.recorder.max_notification_id()
    assert len(subjects) < relay.status().position  # the record's position was passed over


def test_the_relay_tracks_its_position_in_the_store_and_resumes_after_it(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=3, changes=2)
    first = _relay_until_caught_up(service, nats_settings)
    tracking = service.factory.tracking_recorder()
    assert tracking.max_tracking_id(first.name) == service.recorder.max_notification_id()

    record_events(service, contracts=2, changes=2)
    _relay_until_caught_up(service, nats_settings)

    assert_exactly_once_in_order(stream_messages(nats_settings), service)


class _ForgetfulRelay(Relay):
    """A relay that dies before every tracking write: the stream is all it leaves behind."""

    async def _save_position(self) -> None:
        return None


def test_a_restart_past_the_duplicate_window_resumes_from_the_stream_not_the_stale_tracking(
    service: EConcierge, nats_settings: Settings
) -> None:
    settings = msgspec.structs.replace(nats_settings, nats_duplicate_window_seconds=0.2)
    record_events(service, contracts=3, changes=3)
    forgetful = _relay_until_caught_up(service, settings, _ForgetfulRelay(service, settings))
    assert stream_count(settings) == len(published_log(service))
    assert service.factory.tracking_recorder().max_tracking_id(forgetful.name) is None
    time.sleep(0.4)  # JetStream no longer remembers those message ids

    record_events(service, contracts=1, changes=1)
    _relay_until_caught_up(service, settings)

    assert_exactly_once_in_order(stream_messages(settings), service)


def test_a_refeed_from_an_old_position_adds_no_copies_inside_the_duplicate_window(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=3, changes=2)
    _relay_until_caught_up(service, nats_settings)
    before = stream_count(nats_settings)

    refeed = _relay_until_caught_up(
        service, nats_settings, Relay(service, nats_settings, from_position=1)
    )

    assert refeed.status().published == before  # every event was sent again...
    assert stream_count(nats_settings) == before  # ...and JetStream dropped each copy
    last = stream_messages(nats_settings)[-1]
    assert int(last.headers[POSITION_HEADER]) == published_log(service)[-1][0]


def test_an_event_the_relay_cannot_read_stops_it_there_and_nothing_after_it_is_skipped(
    service: EConcierge, nats_settings: Settings
) -> None:
    record_events(service, contracts=2, changes=0)
    unreadable = StoredEvent(
        originator_id=uuid.uuid4(),
        originator_version=1,
        topic="domain.aggregates.contract:Contract.Vanished",  # a class that no longer exists
        state=b"{}",
    )
    service.recorder.insert_events([unreadable])
    stuck_at = service.recorder.max_notification_id()  # the unreadable one's position
    record_events(service, contracts=1, changes=0)

    handle = RelayHandle(Relay(service, nats_settings, retry_max_seconds=0.2)).start()
    try:

        def stuck() -> object:
            # Read one status snapshot: between retries the error is cleared and set again.
            snapshot = handle.status()
            return snapshot if snapshot.last_error and stream_count(nats_settings) == 2 else None

        status = wait_until(stuck)
        time.sleep(0.3)
        assert handle.status().position == stuck_at - 1  # still stuck, nothing skipped
    finally:
        handle.stop()
    assert status.position == stuck_at - 1
    assert status.lag == service.recorder.max_notification_id() - status.position
    assert "Vanished" in (status.last_error or "")
    assert stream_count(nats_settings) == 2  # the contract after it waits, unpublished
