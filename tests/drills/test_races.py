"""Drill 4: 32 clients race on one ticket (and on one contract) over HTTP.

Each round, 32 customers send conflicting instructions (rule O5) to one ticket with
`If-Match: <version>`: exactly one wins the version and the other 31 get 409, and the
ticket stores the winner's instruction at that version and nothing of the losers'. Then 32
concurrent retries of one instruction with one Idempotency-Key have exactly one effect.
The same holds for a contract's client count. The service runs its workers and NATS relay
in the process: its stream holds every stored event once, in order per aggregate.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx

from domain.aggregates.ticket import Ticket
from domain.meta import Role
from infra.settings import Settings
from infra.tokens import TokenService
from tests.drills.conftest import SITE
from tests.drills.processes import JWT_SECRET, Api
from tests.drills.store import Figures, aggregate_events
from tests.drills.stream import DrillStream, delivery

CLIENTS = 32
ROUNDS = 5

Send = Callable[[httpx.Client], httpx.Response]


def _together(clients: list[httpx.Client], requests: list[Send]) -> list[httpx.Response]:
    """Send each request from its own thread and client, released at once by a barrier."""
    barrier = threading.Barrier(len(requests), timeout=30)

    def run(http: httpx.Client, send: Send) -> httpx.Response:
        http.get("/healthz")  # connected before the barrier: the race is on the command
        barrier.wait()
        return send(http)

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(run, clients, requests))


@contextmanager
def _clients(api: Api, token: str) -> Iterator[list[httpx.Client]]:
    headers = {"Authorization": f"Bearer {token}"}
    clients = [
        httpx.Client(base_url=api.url, headers=headers, timeout=30.0) for _ in range(CLIENTS)
    ]
    try:
        yield clients
    finally:
        for http in clients:
            http.close()


def _post(
    path: str, body: dict[str, Any], version: int | None = None, key: str | None = None
) -> Send:
    headers = {"If-Match": f'"{version}"'} if version is not None else {}
    if key:
        headers["Idempotency-Key"] = key
    return lambda http: http.post(path, json=body, headers=headers)


@dataclass
class Race:
    """What the clients saw: per round the statuses and the winner, then the keyed retries."""

    wins: int = 0
    conflicts: int = 0
    other: list[int] = field(default_factory=list)  # any status but 200 and 409
    winners: dict[int, dict[str, Any]] = field(default_factory=dict)  # new version -> body sent
    retry_statuses: list[int] = field(default_factory=list)
    retry_versions: set[int] = field(default_factory=set)

    @property
    def sent(self) -> int:
        return ROUNDS * CLIENTS + len(self.retry_statuses)

    @property
    def acknowledged(self) -> int:
        return self.wins + self.retry_statuses.count(200)

    @property
    def answers_5xx(self) -> int:
        return sum(1 for s in self.other + self.retry_statuses if s >= 500)


def _outcome(answer: httpx.Response) -> int:
    """The status; a 409 that is not the If-Match conflict (e.g. a rule refusal) counts as -409."""
    if answer.status_code != 409:
        return answer.status_code
    problem = answer.json()
    return 409 if problem.get("type", "").endswith("/conflict") and "rule" not in problem else -409


def _race(
    clients: list[httpx.Client], path: str, body: Callable[[int, int], dict[str, Any]], first: int
) -> Race:
    """ROUNDS rounds of conflicting commands (`body(version, client)`) with If-Match on
    versions first, first + 1, ...; then CLIENTS retries of one command with one key."""
    race = Race()
    for version in range(first, first + ROUNDS):
        bodies = [body(version, n) for n in range(CLIENTS)]
        answers = _together(clients, [_post(path, b, version) for b in bodies])
        statuses = [_outcome(a) for a in answers]
        race.wins += statuses.count(200)
        race.conflicts += statuses.count(409)
        race.other += [s for s in statuses if s not in (200, 409)]
        for sent, answer in zip(bodies, answers, strict=True):
            if answer.status_code == 200:
                race.winners[int(answer.headers["etag"].strip('"'))] = sent
        assert statuses.count(200) == 1, f"version {version}: {sorted(statuses)}"
    keyed = body(0, -1)
    retries = _together(clients, [_post(path, keyed, key=f"one-key-{path}") for _ in clients])
    race.retry_statuses = [a.status_code for a in retries]
    race.retry_versions = {a.json()["version"] for a in retries if a.status_code == 200}
    return race


def _ticket_in_service(api: Api, operator: str) -> tuple[str, str, int]:
    """Over HTTP, as the README walk-through: a contract started today with its concierge,
    and a ticket opened by the customer. Returns (customer token, ticket path, version)."""
    tokens = TokenService(Settings(jwt_secret=JWT_SECRET))
    now = datetime.now().astimezone()
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {operator}"}) as op:

        def ok(answer: httpx.Response) -> dict[str, Any]:
            assert answer.status_code in (200, 201), answer.text
            return dict(answer.json())

        contract = ok(op.post("/v1/contracts", json={"customer_name": "race-ticket",
                                                     "quote": {"sites": [SITE]},
                                                     "insists_mid_month": True}))  # fmt: skip
        concierge = ok(op.post("/v1/concierges", json={"name": "Sato", "kind": "sole_proprietor",
                                                       "regions": ["Tokyo"]}))  # fmt: skip
        assignment = ok(op.post("/v1/assignments", json={"contract_id": contract["id"],
                        "cluster": "hq", "concierge_id": concierge["id"]}))  # fmt: skip
        interview = {"interview_at": (now - timedelta(minutes=1)).isoformat()}
        ok(op.post(f"/v1/assignments/{assignment['id']}/interview", json=interview))
        customer = tokens.issue(
            sub="drill-customer",
            role=Role.CUSTOMER,
            contracts=(contract["id"],),
            ttl=timedelta(hours=2),
        )
        as_customer = {"Authorization": f"Bearer {customer}"}
        ok(op.post(f"/v1/assignments/{assignment['id']}/accept", headers=as_customer))
        ok(op.post(f"/v1/contracts/{contract['id']}/start"))
        opened = op.post("/v1/tickets", headers=as_customer, json={"contract_id": contract["id"],
                         "cluster": "hq", "kind": "trouble", "summary": "The printer jams",
                         "urgency": "normal", "channel": "business_mobile"})  # fmt: skip
        ok(opened)
    return customer, f"/v1/tickets/{opened.json()['id']}", int(opened.headers["etag"].strip('"'))


def _stored_changes(events: list[Any], opened: int, of: type) -> dict[int, Any]:
    """The aggregate's events of type `of` after version `opened`, by version."""
    return {
        e.originator_version: e
        for e in events
        if isinstance(e, of) and e.originator_version > opened
    }


def test_one_writer_wins_each_ticket_version_and_one_key_has_one_effect(
    drill_db: str,
    drill_stream: DrillStream,
    start_api: Callable[..., Api],
    token: str,
    report: Callable[[Figures], None],
) -> None:
    # Given: serve (with workers and relay), a ticket in service and a contract
    api = start_api(drill_db, **drill_stream.env())
    customer, ticket_path, opened = _ticket_in_service(api, token)
    with httpx.Client(base_url=api.url, headers={"Authorization": f"Bearer {token}"}) as op:
        created = op.post(
            "/v1/contracts", json={"customer_name": "race", "quote": {"sites": [SITE]}}
        )
    assert created.status_code == 201, created.text
    contract_path = f"/v1/contracts/{created.json()['id']}"

    # When: 32 customers race on the ticket's versions, then 32 operators on the contract's
    # rule O5: a customer's instruction (who, when, what) is a ticket command any time it is open
    def instruction(version: int, client: int) -> dict[str, Any]:
        return {"what": f"Instruction of client {client} on version {version}"}

    def client_count(version: int, client: int) -> dict[str, Any]:
        return {"cluster": "hq", "clients": 100 + client if client >= 0 else 7}

    with _clients(api, customer) as clients:
        on_ticket = _race(clients, f"{ticket_path}/instruction", instruction, opened)
    with _clients(api, token) as clients:
        on_contract = _race(clients, f"{contract_path}/client-count", client_count, 1)

    # Then: the store holds exactly the winners' changes, and the keyed change once
    ticket_events = aggregate_events(drill_db, ticket_path.rsplit("/", 1)[1])
    instructions = _stored_changes(ticket_events, opened, Ticket.WorkInstructed)
    stored_whats = Counter(e.what for e in instructions.values())
    acked_whats = {b["what"] for b in on_ticket.winners.values()} | {instruction(0, -1)["what"]}
    wrong_version = [v for v, b in on_ticket.winners.items() if instructions.get(v, None) is None
                     or instructions[v].what != b["what"]]  # fmt: skip
    losers_applied = sum(n for what, n in stored_whats.items() if what not in acked_whats)
    key_effects = stored_whats[instruction(0, -1)["what"]]
    stream = delivery(drill_stream, drill_db, since=time.monotonic())
    ticket_figures = Figures(
        drill="4 races ticket (32 clients)",
        sent=on_ticket.sent,
        acknowledged=on_ticket.acknowledged,
        found=len(set(stored_whats) & acked_whats),
        lost=len(acked_whats - set(stored_whats)),
        doubled=sum(n - 1 for n in stored_whats.values() if n > 1) + losers_applied,
        half_applied=0,
        answers_5xx=on_ticket.answers_5xx,
        recovery_s=None,
        extra=(
            f"wins={on_ticket.wins}/{ROUNDS} conflicts_409={on_ticket.conflicts} "
            f"losers_applied={losers_applied} key_effects={key_effects} {stream.figures()}"
        ),
    )
    contract_events = aggregate_events(drill_db, contract_path.rsplit("/", 1)[1])
    contract_version = max(e.originator_version for e in contract_events)
    contract_key_effects = contract_version - (1 + ROUNDS)
    contract_figures = Figures(
        drill="4 races contract (32 clients)",
        sent=on_contract.sent,
        acknowledged=on_contract.acknowledged,
        found=contract_version - 1,  # the stored changes after the contract's creation
        lost=max(0, ROUNDS + 1 - (contract_version - 1)),
        doubled=max(0, contract_key_effects - 1),
        half_applied=0,
        answers_5xx=on_contract.answers_5xx,
        recovery_s=None,
        extra=f"wins={on_contract.wins}/{ROUNDS} conflicts_409={on_contract.conflicts} "
        f"key_effects={contract_key_effects}",
    )
    report(ticket_figures)
    report(contract_figures)
    for race, last in ((on_ticket, opened + ROUNDS), (on_contract, 1 + ROUNDS)):
        assert (race.wins, race.conflicts, race.other) == (ROUNDS, ROUNDS * (CLIENTS - 1), [])
        assert race.retry_statuses == [200] * CLIENTS and race.retry_versions == {last + 1}
    assert sorted(on_ticket.winners) == list(range(opened + 1, opened + ROUNDS + 1))
    assert (wrong_version, losers_applied, key_effects) == ([], 0, 1)
    assert (ticket_figures.lost, ticket_figures.doubled) == (0, 0)
    assert sorted(instructions) == list(range(opened + 1, opened + ROUNDS + 2))
    assert contract_key_effects == 1 and (contract_figures.lost, contract_figures.doubled) == (0, 0)
    assert stream.exact and stream.on_stream == stream.stored, stream.figures()
