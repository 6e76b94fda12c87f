"""Drill 5: SIGTERM under load. The API stops accepting, answers what it accepted, exits.

Clients do not retry here, so every failure shows. A command that failed on the wire
(refused: the API no longer listens) must not be in the store: the API never took it. A
command the API applied must have been answered: no one sees a reset for accepted work.
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


def test_sigterm_answers_every_request_it_accepted_and_exits_in_time(
    drill_db: str, start_api: Callable[..., Api], token: str, report: Callable[[Figures], None]
) -> None:
    api = start_api(drill_db, shutdown_timeout_seconds="10")
    run = f"term-{uuid.uuid4().hex[:6]}"
    load = Load(
        api.url,
        token,
        apply_for_contract(run),
        clients=16,
        count=5_000,
        seconds=30,
        retry=False,
        rate=300,
    )
    load.start().run_for(2.0)

    api.signal(signal.SIGTERM)
    signalled = time.monotonic()
    exit_code = api.wait(15)
    exit_seconds = time.monotonic() - signalled
    load.run_for(0.5).stop()

    stored = read_store(drill_db)
    failed = [c for c in load.commands if not c.acked]
    applied_but_unanswered = [c.key for c in failed if stored.contracts_by_name[c.key]]
    wire_errors = sorted({a.error for c in failed for a in c.attempts if a.error})
    in_flight = load.in_flight_at(signalled)
    in_flight_answered = sum(1 for a in in_flight if 200 <= a.status < 300)
    figures = contract_figures(
        "5 api SIGTERM",
        load,
        stored,
        recovery=None,
        extra=(
            f"in_flight_at_sigterm={len(in_flight)} answered={in_flight_answered} "
            f"refused_after_stop={len(failed)} applied_but_unanswered={len(applied_but_unanswered)} "
            f"exit_s={exit_seconds:.2f} errors={','.join(wire_errors) or '-'}"
        ),
    )
    report(figures)
    assert exit_code is not None and exit_seconds < 12, api.tail()
    assert applied_but_unanswered == []
    assert in_flight_answered == len(in_flight)  # nothing in flight was cut off
    assert (figures.lost, figures.doubled, figures.half_applied, figures.answers_5xx) == (
        0,
        0,
        0,
        0,
    )
    assert figures.acknowledged > 0
