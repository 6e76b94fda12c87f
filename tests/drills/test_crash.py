"""Drill 1: the API process is killed (SIGKILL) under load and started again.

`econcierge serve` runs with its workers and its NATS relay in the process, so the kill
also takes the relay down in the middle of a publish window. Every acknowledged command
is in the store, none twice, and none half-applied (a contract without its idempotency
record, or the reverse): a save is one transaction. After the restart the relay catches
up: the drill's stream holds every stored event once, nothing else, in order per aggregate.
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
from tests.drills.stream import DrillStream, delivery


def test_a_killed_api_loses_no_acknowledged_command_and_applies_none_by_half(
    drill_db: str,
    drill_stream: DrillStream,
    start_api: Callable[..., Api],
    token: str,
    report: Callable[[Figures], None],
) -> None:
    # Given: serve (with workers and relay) under load from 8 retrying clients
    api = start_api(drill_db, **drill_stream.env())
    load = Load(
        api.url,
        token,
        apply_for_contract(f"kill-{uuid.uuid4().hex[:6]}"),
        clients=8,
        count=3_000,
        seconds=40,
    )
    load.start().run_for(2.0)
    published_before_kill = drill_stream.count()

    # When: the process is killed, and started again on its port a second later
    api.signal(signal.SIGKILL)  # no goodbye: requests in flight lose their answers
    assert api.wait(10) is not None
    time.sleep(1.0)
    restarted_at = time.monotonic()
    start_api(drill_db, port=api.port, **drill_stream.env())  # clients retry with their keys
    load.run_for(3.0).stop()
    stream = delivery(drill_stream, drill_db, since=time.monotonic())

    # Then: nothing acknowledged is lost, nothing doubled or half-applied, in store and stream
    figures = contract_figures(
        "1 api SIGKILL+restart",
        load,
        read_store(drill_db),
        recovery=load.recovery_after(restarted_at),
        extra=f"published_before_kill={published_before_kill} {stream.figures()}",
    )
    report(figures)
    assert figures.acknowledged > 0 and figures.recovery_s is not None
    assert (figures.lost, figures.doubled, figures.half_applied, figures.answers_5xx) == (
        0,
        0,
        0,
        0,
    )
    assert published_before_kill > 0  # the relay was publishing when it was killed
    assert stream.exact, stream.figures()
    assert stream.on_stream == stream.stored
