"""Where events are stored: SQLite under the data directory, or PostgreSQL by URL."""

from __future__ import annotations

from typing import Any

from eventsourcing.postgres import PostgresFactory
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from infra.settings import Settings

#: The eventsourcing environment key of the URL's other connection parameters.
POSTGRES_EXTRA_CONNINFO = "POSTGRES_EXTRA_CONNINFO"
#: What the library's own settings carry; every other parameter of the URL goes through
#: POSTGRES_EXTRA_CONNINFO (sslmode, sslrootcert, options, application_name,
#: target_session_attrs, connect_timeout, keepalives, passfile, ...).
_LIBRARY_PARAMETERS = ("dbname", "host", "port", "user", "password")


class ConninfoPostgresFactory(PostgresFactory):
    """The library's PostgreSQL factory, connecting with every parameter of the URL.

    eventsourcing takes only dbname, host, port, user and password; a URL asking for TLS
    (`sslmode=verify-full`), a session setting (`options=-c statement_timeout=5000`) or a
    failover target (`target_session_attrs=read-write`) would otherwise lose it silently.
    The pool is built closed, so its connection keyword arguments can still be completed.
    """

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        extra = self.env.get(POSTGRES_EXTRA_CONNINFO)
        if extra:
            self.datastore.pool.kwargs.update(conninfo_to_dict(extra))


def persistence_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing environment for the configured store (one pool, msgspec mapper, snapshots)."""
    env = {
        "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size),
        "AGGREGATE_CACHE_FASTFORWARD": "y" if settings.cache_fastforward else "n",
        # The library's snapshot store (a table beside the events); when to snapshot and
        # how snapshots are stored: infra/snapshotting.py, infra/snapshots.py.
        "IS_SNAPSHOTTING_ENABLED": "y" if settings.snapshot_interval > 0 else "n",
    }
    if settings.database_url:
        parts = conninfo_to_dict(settings.database_url)
        extra = {k: v for k, v in parts.items() if k not in _LIBRARY_PARAMETERS}
        env.update(
            PERSISTENCE_MODULE=f"{__name__}:{ConninfoPostgresFactory.__qualname__}",
            POSTGRES_DBNAME=str(parts.get("dbname", "postgres")),
            POSTGRES_HOST=str(parts.get("host", "127.0.0.1")),
            POSTGRES_PORT=str(parts.get("port", "5432")),
            POSTGRES_USER=str(parts.get("user", "postgres")),
            POSTGRES_PASSWORD=str(parts.get("password", "")),
            POSTGRES_POOL_SIZE=str(settings.db_pool_size),
            POSTGRES_MAX_OVERFLOW="0",
            POSTGRES_CONNECT_TIMEOUT="5",
            POSTGRES_LOCK_TIMEOUT="5",
        )
        if extra:
            env[POSTGRES_EXTRA_CONNINFO] = make_conninfo(**extra)
        if settings.db_schema:
            env["POSTGRES_SCHEMA"] = settings.db_schema
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(settings.sqlite_path),
            SQLITE_LOCK_TIMEOUT="10",
        )
    return env
