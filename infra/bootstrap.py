"""The composition root: settings in, a wired application service out."""

from __future__ import annotations

import msgspec
import psycopg

from domain.rates import Rates
from infra.clock import Clock
from infra.ddl_lock import DDL_LOCK
from infra.immutables import register_immutables
from infra.services.billing import BillingCommands
from infra.services.concierges import ConciergeCommands
from infra.services.contracts import ContractCommands
from infra.services.liability import LiabilityCommands
from infra.services.tickets import TicketCommands
from infra.settings import Settings
from infra.snapshotting import Snapshotting
from infra.store import persistence_env


class EConcierge(
    Snapshotting, LiabilityCommands, BillingCommands, TicketCommands, ConciergeCommands,
    ContractCommands,
):  # fmt: skip
    """The application service: every aggregate kind, one event store, one global log."""

    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.rates = msgspec.convert(settings.rates, Rates, strict=False)
        register_immutables()  # cheap copies of cached aggregates (infra/immutables.py)
        super().__init__(persistence_env(settings), clock)

    def is_ready(self) -> bool:
        """The store answers a query (for /readyz)."""
        try:
            self.recorder.max_notification_id()
        except Exception:  # noqa: BLE001 - any failure means "not ready"
            return False
        return True


def ensure_database(settings: Settings) -> None:
    """Create the configured PostgreSQL schema if missing (the library creates tables only)."""
    if not (settings.database_url and settings.db_schema):
        return
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (DDL_LOCK,))  # processes start together
        conn.execute(
            psycopg.sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                psycopg.sql.Identifier(settings.db_schema)
            )
        )


def build(settings: Settings | None = None, clock: Clock | None = None) -> EConcierge:
    settings = settings or Settings.from_env()
    ensure_database(settings)
    return EConcierge(settings, clock)
