"""Drill 5: SIGTERM under load. The API stops accepting, answers what it accepted, exits.

Clients do not retry here, so every failure shows, and each attempt carries its own
correlation id. The service logs one line per request it handled (at INFO, with the
correlation id and the status it answered), so the drill knows which requests it accepted
without asking the store. Each client attempt ends one of three ways on the wire:

- answered: a status came back (2xx, 4xx or 503); the service logged the same status;
- refused: no connection (the API no longer listens): nothing was sent, so the service
  neither logged it nor applied it;
- cut: sent, then reset or closed before an answer. That is allowed only for a request
  the service never accepted (an idle keep-alive connection closed as the client reused
  it): a cut request that the service logged or applied is a reset after accept, and
  there must be none.

The service runs its workers and NATS relay in the process; they finish what they hold and
exit too. Started again, the relay publishes the rest: the stream holds every stored
event once, nothing else, in order per aggregate.
"""

from __future__ import annotations

import json
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from tests.drills.conftest import apply_for_contract
from tests.drills.load import Attempt, Load
from tests.drills.processes import Api
from tests.drills.store import Figures, contract_figures, read_store
from tests.drills.stream import DrillStream, delivery


def _handled(log: Path) -> dict[str, int]:
    """The requests the service handled, from its request log: correlation id -> status."""
    handled: dict[str, int] = {}
    for line in log.read_text(errors="replace").splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") == "econcierge.http" and entry.get("msg") == "request":
            handled[entry["correlation_id"]] = int(entry["status"])
    return handled


def test_sigterm_answers_every_request_it_accepted_and_exits_in_time(
    drill_db: str,
    drill_stream: DrillStream,
    start_api: Callable[..., Api],
    token: str,
    report: Callable[[Figures], None],
) -> None:
    # Given: serve (with workers and relay, request lines logged) under load from 16 clients
    api = start_api(drill_db, shutdown_timeout_seconds="10", log_level="INFO", **drill_stream.env())
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

    # When: SIGTERM, under load
    api.signal(signal.SIGTERM)
    signalled = time.monotonic()
    exit_code = api.wait(15)
    exit_seconds = time.monotonic() - signalled
    load.run_for(0.5).stop()

    # Then: each attempt answered, refused before it was sent, or cut before it was accepted
    stored = read_store(drill_db)
    handled = _handled(api.log)
    applied = {c.key for c in load.commands if stored.contracts_by_name[c.key]}
    key_of = {a.correlation_id: c.key for c in load.commands for a in c.attempts}

    def accepted(attempt: Attempt) -> bool:
        return attempt.correlation_id in handled or key_of[attempt.correlation_id] in applied

    attempts = load.attempts()
    answered = [a for a in attempts if a.wire == "answered"]
    refused = [a for a in attempts if a.wire == "refused"]
    cut = [a for a in attempts if a.wire == "cut"]
    resets_after_accept = [a for a in cut if accepted(a)]
    refused_but_accepted = [a for a in refused if accepted(a)]
    # The log is the witness: every answer a client got is a line with that same status.
    answers_not_logged = [a for a in answered if handled.get(a.correlation_id) != a.status]
    applied_but_unanswered = [c.key for c in load.commands if c.key in applied and not c.acked]
    in_flight = load.in_flight_at(signalled)
    in_flight_answered = sum(1 for a in in_flight if a.wire == "answered")
    wire_errors = sorted({a.error for a in attempts if a.error})

    restarted_at = time.monotonic()  # the relay publishes what the stopped one had not
    start_api(drill_db, **drill_stream.env())
    stream = delivery(drill_stream, drill_db, since=restarted_at)
    figures = contract_figures(
        "5 api SIGTERM",
        load,
        stored,
        recovery=None,
        extra=(
            f"answered_2xx={sum(1 for a in answered if a.status < 300)} "
            f"answered_4xx={sum(1 for a in answered if 400 <= a.status < 500)} "
            f"answered_503={sum(1 for a in answered if a.status == 503)} "
            f"refused_before_accept={len(refused)} cut_before_accept={len(cut) - len(resets_after_accept)} "
            f"resets_after_accept={len(resets_after_accept)} "
            f"in_flight_at_sigterm={len(in_flight)} in_flight_answered={in_flight_answered} "
            f"exit_s={exit_seconds:.2f} errors={','.join(wire_errors) or '-'} {stream.figures()}"
        ),
    )
    report(figures)
    assert exit_code is not None and exit_seconds < 12, api.tail()
    assert resets_after_accept == [], resets_after_accept
    assert (refused_but_accepted, answers_not_logged, applied_but_unanswered) == ([], [], [])
    assert in_flight_answered == len(in_flight)  # nothing in flight was cut off
    assert len(answered) + len(refused) + len(cut) == len(attempts) == figures.sent
    assert (figures.lost, figures.doubled, figures.half_applied, figures.answers_5xx) == (
        0,
        0,
        0,
        0,
    )
    assert figures.acknowledged > 0 and refused  # the load ran across the stop
    assert stream.exact and stream.on_stream == stream.stored, stream.figures()
