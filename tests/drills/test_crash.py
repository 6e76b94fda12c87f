"""Drill 1: the API process is killed (SIGKILL) under load and started again.

Every acknowledged command is in the store, none twice, and none half-applied (a
contract without its idempotency record, or the reverse): a save is one transaction.
"""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Callable

from tests.drills.conftest import apply_for_contract
from tests.drills.load import Load
from tests.drills.processes import Api
from tests.drills.store import Figures, contract_figures, read_store


def test_a_killed_api_loses_no_acknowledged_command_and_applies_none_by_half(
    drill_db: str, start_api: Callable[..., Api], token: str, report: Callable[[Figures], None]
) -> None:
    api = start_api(drill_db)
    load = Load(
        api.url,
        token,
        apply_for_contract(f"kill-{uuid.uuid4().hex[:6]}"),
        clients=8,
        count=3_000,
        seconds=40,
    )
    load.start().run_for(2.0)

    api.signal(signal.SIGKILL)  # no goodbye: requests in flight lose their answers
    assert api.wait(10) is not None
    time.sleep(1.0)
    restarted_at = time.monotonic()
    start_api(drill_db, port=api.port)  # clients retry with their keys meanwhile
    load.run_for(3.0).stop()

    figures = contract_figures(
        "1 api SIGKILL+restart",
        load,
        read_store(drill_db),
        recovery=load.recovery_after(restarted_at),
    )
    report(figures)
    assert figures.acknowledged > 0 and figures.recovery_s is not None
    assert (figures.lost, figures.doubled, figures.half_applied, figures.answers_5xx) == (
        0,
        0,
        0,
        0,
    )
