"""One relay per stream publishes; a standby takes over when it goes (PostgreSQL only)."""

from __future__ import annotations

import psycopg
import pytest

from infra.bootstrap import EConcierge
from infra.settings import Settings
from tests.conftest import BACKENDS
from tests.nats.streams import stream_count, stream_messages, wait_until
from tests.nats.world import assert_exactly_once_in_order, published_log, record_events
from workers.relay import Relay
from workers.relay_election import RelayLock
from workers.relay_runner import RelayHandle

# The election is a PostgreSQL advisory lock; on SQLite one process runs everything.
pytestmark = pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            "postgres", marks=pytest.mark.skipif("postgres" not in BACKENDS, reason="no PostgreSQL")
        )
    ],
)


@pytest.fixture
def pg_settings(nats_settings: Settings) -> Settings:
    assert nats_settings.database_url, "the election runs on PostgreSQL"
    return nats_settings


def _all_published(service: EConcierge, settings: Settings) -> bool:
    return stream_count(settings) == len(published_log(service))


def _backend_pid(lock: RelayLock) -> int | None:
    conn = lock._conn  # read once: the relay's thread may drop it meanwhile
    return None if conn is None else conn.info.backend_pid


def test_a_standby_relay_publishes_nothing_until_the_active_one_stops_then_takes_over(
    service: EConcierge, pg_settings: Settings
) -> None:
    record_events(service, contracts=3, changes=2)
    active = RelayHandle(Relay(service, pg_settings)).start()
    standby = RelayHandle(Relay(service, pg_settings))
    try:
        wait_until(lambda: active.status().connected and active.status().lag == 0)
        standby.start()
        wait_until(lambda: standby.status().standby)
        record_events(service, contracts=2, changes=2)
        wait_until(lambda: _all_published(service, pg_settings))
        assert standby.status().published == 0 and not standby.status().connected

        active.stop()
        record_events(service, contracts=2, changes=2)
        wait_until(lambda: _all_published(service, pg_settings))
        wait_until(lambda: standby.status().lag == 0)
        assert not standby.status().standby and standby.status().published > 0
    finally:
        standby.stop()
        active.stop()
    assert_exactly_once_in_order(stream_messages(pg_settings), service)


def test_when_the_active_relay_loses_its_lock_one_relay_goes_on_and_nothing_is_doubled(
    service: EConcierge, pg_settings: Settings
) -> None:
    record_events(service, contracts=3, changes=2)
    first = RelayHandle(Relay(service, pg_settings)).start()
    second = RelayHandle(Relay(service, pg_settings))
    try:
        wait_until(lambda: first.status().connected)
        second.start()
        wait_until(lambda: second.status().standby)
        lock = first.relay.election
        assert isinstance(lock, RelayLock) and lock._conn is not None
        lost = lock._conn.info.backend_pid
        with psycopg.connect(pg_settings.database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (lost,))

        record_events(service, contracts=3, changes=3)  # written while the lock changes hands
        wait_until(lambda: _all_published(service, pg_settings))
        # The first relay noticed (it dropped the dead connection), and one relay is active.
        wait_until(lambda: _backend_pid(lock) != lost)
        wait_until(lambda: first.status().standby != second.status().standby)
        record_events(service, contracts=1, changes=1)
        wait_until(lambda: _all_published(service, pg_settings))
    finally:
        second.stop()
        first.stop()
    assert_exactly_once_in_order(stream_messages(pg_settings), service)
