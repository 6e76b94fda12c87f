"""One settings object, read from ECONCIERGE_* environment variables (12-factor)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import msgspec

PREFIX = "ECONCIERGE_"


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be configured with; see README's configuration reference."""

    env: str = "development"  # "production" refuses unsafe defaults (e.g. a generated secret)
    data_dir: Path = Path("var")  # embedded default: SQLite files live here
    database_url: str | None = None  # PostgreSQL; when set, it is used instead of SQLite
    db_schema: str | None = None  # PostgreSQL schema for every table (tests use one each)
    db_pool_size: int = 8  # sized to the API's thread pool (eventsourcing is synchronous)
    nats_url: str | None = None
    jwt_secret: str | None = None  # HS256; never logged
    jwt_public_key: str | None = None  # RS256 (PEM), for tokens from an identity service
    jwks_url: str | None = None  # RS256 keys fetched from a JWKS endpoint
    host: str = "127.0.0.1"
    port: int = 8000
    max_body_bytes: int = 64 * 1024
    max_page_size: int = 200
    aggregate_cache_size: int = 10_000
    # Re-read newer events of a cached aggregate before each command (one round trip).
    # Needed when several API processes write; a single writer process may turn it off.
    cache_fastforward: bool = True
    # Snapshot a long-lived aggregate (a ticket, the checkpoint chain) every N events, so a
    # load reads one snapshot and fewer than N events (infra/snapshotting.py); 0: never.
    snapshot_interval: int = 100
    rates: dict[str, int] = {}  # ECONCIERGE_RATE_<NAME>=<int> overrides one tariff number
    # NATS JetStream relay (issue 5): the stream the relay creates or updates at start-up.
    nats_stream: str = "ECONCIERGE_EVENTS"
    nats_subject_prefix: str = "econcierge.events"  # subjects: <prefix>.<aggregate>.<id>.<Type>
    nats_duplicate_window_seconds: float = 120.0  # JetStream drops a repeated Nats-Msg-Id inside it
    nats_replicas: int = 1  # 3 on a NATS cluster
    nats_storage: Literal["file", "memory"] = "file"  # the stream's JetStream storage
    nats_relay_batch: int = 256  # events per pipelined publish window
    nats_relay_poll_seconds: float = 0.5  # how often the relay looks for new events when idle
    nats_ack_timeout_seconds: float = 5.0  # a publish without an ack by then is retried
    # Operations (issue 10): logs, the workers' health port, shutdown.
    log_level: str = "INFO"
    log_format: str = "json"  # JSON lines for a log collector; "text" for a terminal
    worker_health_port: int | None = None  # a worker serves /metrics, /healthz, /readyz here
    shutdown_timeout_seconds: float = 20.0  # SIGTERM: requests in flight get this long to finish
    # Billing (issue 6, rule P14): the issuer printed on every qualified invoice.
    invoice_issuer_name: str = "e-Concierge operator"
    invoice_registration_number: str = "T0000000000000"  # `T` + 13 digits; set the real one

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "events.sqlite3"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from the environment (names: ECONCIERGE_<FIELD>, upper case)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        rates: dict[str, str] = {}
        for key, value in environ.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX) :].lower()
            if name.startswith("rate_"):
                rates[name[len("rate_") :]] = value
            elif name in cls.__struct_fields__ and name != "rates":
                values[name] = value
        if rates:
            values["rates"] = rates
        values.update(overrides)
        try:
            return msgspec.convert(values, cls, strict=False, dec_hook=_from_text)
        except msgspec.ValidationError as error:
            raise SystemExit(f"Bad configuration in ECONCIERGE_* environment: {error}") from None


def _from_text(kind: type, value: Any) -> Any:
    """msgspec converts no str to Path by itself (ECONCIERGE_DATA_DIR)."""
    if kind is Path and isinstance(value, str):
        return Path(value)
    raise NotImplementedError(kind)
