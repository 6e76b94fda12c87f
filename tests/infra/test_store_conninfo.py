"""ECONCIERGE_DATABASE_URL is used whole: the event store's connections carry every
parameter of the URL (TLS, session options, application name, failover target), not only
the database, host, port, user and password."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from infra.bootstrap import build
from infra.settings import Settings
from infra.store import POSTGRES_EXTRA_CONNINFO, persistence_env
from tests.conftest import BACKENDS

OPTIONS = "application_name=econcierge-conninfo&options=-c%20statement_timeout%3D4321"


def test_every_parameter_of_the_url_reaches_the_store_settings(tmp_path: Path) -> None:
    url = (
        "postgresql://app:secret@db.internal:6432/events?sslmode=verify-full"
        "&target_session_attrs=read-write&application_name=api&options=-c%20search_path%3Dx"
    )
    env = persistence_env(Settings(data_dir=tmp_path, database_url=url))
    assert (env["POSTGRES_DBNAME"], env["POSTGRES_HOST"], env["POSTGRES_PORT"]) == (
        "events",
        "db.internal",
        "6432",
    )
    assert conninfo_to_dict(env[POSTGRES_EXTRA_CONNINFO]) == {
        "sslmode": "verify-full",
        "target_session_attrs": "read-write",
        "application_name": "api",
        "options": "-c search_path=x",
    }


def test_a_plain_url_adds_no_parameters(tmp_path: Path) -> None:
    env = persistence_env(Settings(data_dir=tmp_path, database_url="postgresql://u@h:5432/d"))
    assert POSTGRES_EXTRA_CONNINFO not in env


@pytest.mark.skipif("postgres" not in BACKENDS, reason="no PostgreSQL")
def test_the_event_stores_connections_use_the_urls_session_parameters(
    pg_database: str, tmp_path: Path
) -> None:
    # given a URL asking for an application name and a statement timeout, when the service
    # works on PostgreSQL, then its pooled connections carry both (as `SHOW` reports them)
    url = f"{pg_database}?{OPTIONS}"
    schema = f"t_{uuid.uuid4().hex[:12]}"
    service = build(Settings(data_dir=tmp_path, database_url=url, db_schema=schema, db_pool_size=2))
    try:
        assert service.is_ready()
        datastore = service.factory.datastore  # type: ignore[attr-defined]
        with datastore.get_connection() as conn:
            name = conn.execute("SHOW application_name").fetchone()
            timeout = conn.execute("SHOW statement_timeout").fetchone()
        assert list(name.values()) == ["econcierge-conninfo"]
        assert list(timeout.values()) == ["4321ms"]
    finally:
        service.close()
