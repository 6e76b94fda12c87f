"""eventsourcing's own conformance suites, run on what of ours wraps or replaces its parts.

- `ConninfoPostgresFactory` (infra/store.py) builds the library's PostgreSQL recorders on
  a pool that carries every parameter of the database URL;
- the group committer (infra/group_commit.py) replaces the recorder's `insert_events` on
  the command path: here it answers the recorder suites through a thin adapter, so its
  one-call append keeps the library's contract (notification ids in order, a conflict is
  an IntegrityError, no interleaving of two concurrent inserts).
The msgspec transcoder has its suite in tests/infra/test_transcoding.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresTrackingRecorder
from eventsourcing.tests.persistence import (
    ApplicationRecorderTestCase,
    NonInterleavingNotificationIDsBaseCase,
    TrackingRecorderTestCase,
)
from eventsourcing.utils import Environment

from infra.bootstrap import ensure_database
from infra.group_commit import GroupCommitter, VersionConflict
from infra.settings import Settings
from infra.store import ConninfoPostgresFactory, persistence_env
from tests.conftest import BACKENDS, PG_ADMIN_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("postgres" not in BACKENDS, reason="no PostgreSQL"),
]


class _OnOurFactory:
    """Each test gets a fresh schema of the test database, dropped afterwards."""

    factory: ConninfoPostgresFactory
    schema: str

    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        self.schema = f"conf_{uuid.uuid4().hex[:10]}"
        settings = Settings(
            data_dir=".", database_url=_database_url(), db_schema=self.schema, db_pool_size=12
        )
        ensure_database(settings)
        env = persistence_env(settings)
        env["POSTGRES_APPLICATION_NAME"] = "conformance"
        self.factory = ConninfoPostgresFactory(Environment(name="Conformance", env=env))

    def tearDown(self) -> None:
        self.factory.close()
        with psycopg.connect(_database_url(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        super().tearDown()  # type: ignore[misc]

    def application_recorder(self) -> PostgresApplicationRecorder:
        recorder = self.factory.application_recorder()
        assert isinstance(recorder, PostgresApplicationRecorder)
        return recorder


_DATABASE: list[str] = []


def _database_url() -> str:
    """One database for this module's run (on this xdist worker)."""
    if not _DATABASE:
        name = f"econcierge_conf_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        _DATABASE.append(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    return _DATABASE[0]


@pytest.fixture(scope="module", autouse=True)
def _drop_database() -> Any:
    yield
    if _DATABASE:
        name = _DATABASE.pop().rsplit("/", 1)[1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class GroupCommitRecorder(PostgresApplicationRecorder):
    """The library's recorder whose `insert_events` goes through our group committer."""

    committer: GroupCommitter

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> list[int]:
        try:
            return self.committer.commit(stored_events)
        except VersionConflict as error:  # the service answers 409: the library's IntegrityError
            raise IntegrityError(str(error)) from error


class TestApplicationRecorderOnOurFactory(_OnOurFactory, ApplicationRecorderTestCase[Any]):
    def create_recorder(self) -> PostgresApplicationRecorder:
        return self.application_recorder()


class TestTrackingRecorderOnOurFactory(_OnOurFactory, TrackingRecorderTestCase):
    def create_recorder(self) -> PostgresTrackingRecorder:
        recorder = self.factory.tracking_recorder()
        assert isinstance(recorder, PostgresTrackingRecorder)
        return recorder


class TestNonInterleavingOnOurFactory(_OnOurFactory, NonInterleavingNotificationIDsBaseCase):
    def create_recorder(self) -> PostgresApplicationRecorder:
        return self.application_recorder()


class _ThroughTheGroupCommitter(_OnOurFactory):
    def create_recorder(self) -> GroupCommitRecorder:
        plain = self.application_recorder()
        recorder = GroupCommitRecorder(plain.datastore, events_table_name=plain.events_table_name)
        recorder.committer = GroupCommitter(recorder)
        self.addCleanup(recorder.committer.close)  # type: ignore[attr-defined]
        return recorder


class TestApplicationRecorderThroughTheGroupCommitter(
    _ThroughTheGroupCommitter, ApplicationRecorderTestCase[Any]
):
    pass


class TestNonInterleavingThroughTheGroupCommitter(
    _ThroughTheGroupCommitter, NonInterleavingNotificationIDsBaseCase
):
    pass
