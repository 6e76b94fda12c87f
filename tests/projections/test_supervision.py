"""Runners are supervised: a failing batch or a dropped connection delays a view, never stops it."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import psycopg
import pytest

from infra.bootstrap import EConcierge
from infra.settings import Settings
from projections.audit import AuditView
from projections.catalog import views_of
from projections.election import runner_name
from projections.positions import read
from projections.runner import head
from projections.store import Tx
from projections.supervisor import start_projections
from projections.view import Envelope
from tests.conftest import BACKENDS
from tests.projections.steps import apply_contract

#: PostgreSQL-only behaviour (LISTEN/NOTIFY, advisory locks): the postgres backend only.
only_postgres = pytest.mark.parametrize(
    "backend",
    [
        pytest.param(
            "postgres", marks=pytest.mark.skipif("postgres" not in BACKENDS, reason="no PostgreSQL")
        )
    ],
)


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def audit_position(service: EConcierge) -> int:
    with views_of(service).read() as tx:
        return read(tx, "audit")


class FlakyAudit(AuditView):
    """The audit view, failing its first batch (a bug, a lost connection...)."""

    failures = 1

    def apply(self, tx: Tx, batch: Sequence[Envelope]) -> None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("boom")
        super().apply(tx, batch)


def test_a_failed_batch_is_retried_from_the_committed_position(service: EConcierge) -> None:
    apply_contract(service)
    apply_contract(service)
    projections = start_projections(service, views_of(service), [FlakyAudit()], poll_interval=0.05)
    try:
        eventually(lambda: audit_position(service) == head(service))
    finally:
        projections.stop()


@only_postgres
def test_dropped_lock_and_listen_connections_are_replaced(
    service: EConcierge, settings: Settings
) -> None:
    assert settings.database_url
    projections = start_projections(service, views_of(service), [AuditView()], poll_interval=0.2)
    try:
        apply_contract(service)
        eventually(lambda: audit_position(service) == head(service))
        with psycopg.connect(settings.database_url, autocommit=True) as admin:
            killed = admin.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name LIKE %s",
                (runner_name() + "%",),
            ).fetchone()
        assert killed and killed[0] == 2  # the election lock and the LISTEN connection

        apply_contract(service)
        eventually(lambda: audit_position(service) == head(service))
        eventually(lambda: _runner_connections(settings.database_url or "") == 2)
    finally:
        projections.stop()


def _runner_connections(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE %s",
            (runner_name() + "%",),
        ).fetchone()
    return int(row[0]) if row else 0
