"""Where events are stored: SQLite under the data directory, or PostgreSQL by URL."""

from __future__ import annotations

from psycopg.conninfo import conninfo_to_dict

from infra.settings import Settings


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
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
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
