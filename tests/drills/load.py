"""HTTP load for the drills: N clients, each command with its own Idempotency-Key.

A client sends one command at a time. A command is *acknowledged* when it gets a 2xx.
With `retry=True` a 503 or a transport failure (refused, reset, timeout) is retried
after a short pause with the same key and body, as a well-behaved client does, until
the command is acknowledged or the load stops. Every attempt is kept with its time, its
own correlation id (`X-Correlation-Id`, which the service logs and stamps on the events)
and how it ended on the wire: answered, refused before it was sent, or cut after.
Loops are bounded by a command count, a deadline and a rate (commands per second, all
clients together); only loopback is ever addressed.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Request:
    method: str
    path: str
    json: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


#: Transport failures that happen before a byte of the request left: the service never saw it.
_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout"})


@dataclass(frozen=True)
class Attempt:
    sent: float  # time.monotonic()
    answered: float
    status: int  # 0: a transport failure
    error: str = ""  # its class name
    correlation_id: str = ""

    @property
    def wire(self) -> str:
        """ "answered" (a status came back), "refused" (no connection: nothing was sent) or
        "cut" (sent, then reset, closed or timed out before an answer)."""
        if self.status:
            return "answered"
        return "refused" if self.error in _NOT_SENT else "cut"


@dataclass
class Command:
    """One logical command and what happened to each attempt."""

    number: int
    key: str
    request: Request
    attempts: list[Attempt] = field(default_factory=list)
    body: dict[str, Any] | None = None  # the 2xx answer

    @property
    def acked(self) -> bool:
        return self.body is not None


class Load:
    """Drives `make(n)` commands from `clients` threads until stopped, `count` or `seconds`."""

    def __init__(
        self,
        base_url: str,
        token: str,
        make: Callable[[int], Request],
        *,
        clients: int = 8,
        count: int = 5_000,
        seconds: float = 60.0,
        retry: bool = True,
        pause: float = 0.1,
        keep_alive: bool = True,
        rate: float = 150.0,
    ) -> None:
        self.base_url, self.token, self.make = base_url, token, make
        self.clients, self.count, self.seconds = clients, count, seconds
        self.retry, self.pause, self.keep_alive = retry, pause, keep_alive
        self.interval = clients / rate  # each client's pace: load, not a benchmark (CI has 2 cores)
        self.commands: list[Command] = []
        self.started = 0.0
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def start(self) -> Load:
        self.started = time.monotonic()
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> Load:
        self._stop.set()
        for thread in self._threads:
            thread.join(30)
        return self

    def run_for(self, seconds: float) -> Load:
        self._stop.wait(seconds)
        return self

    # ---- the clients -----------------------------------------------------------------

    def _next(self) -> Command | None:
        with self._lock:
            number = next(self._numbers)
            if number >= self.count or self._stopping():
                return None
            request = self.make(number)
            command = Command(number, request.headers.get("Idempotency-Key", ""), request)
            self.commands.append(command)
            return command

    def _stopping(self) -> bool:
        return self._stop.is_set() or time.monotonic() - self.started > self.seconds

    def _client(self) -> None:
        limits = httpx.Limits(max_keepalive_connections=1 if self.keep_alive else 0)
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(
            base_url=self.base_url, headers=headers, timeout=15.0, limits=limits
        ) as http:
            while (command := self._next()) is not None:
                began = time.monotonic()
                self._send(http, command)
                if not self.retry and command.attempts[-1].error == "ConnectError":
                    return  # without retries a client stops when the service no longer listens
                self._stop.wait(max(0.0, self.interval - (time.monotonic() - began)))

    def _send(self, http: httpx.Client, command: Command) -> None:
        request = command.request
        while True:
            cid = f"{command.key or command.number}.{len(command.attempts)}"
            headers = {**request.headers, "X-Correlation-Id": cid}
            sent = time.monotonic()
            try:
                answer = http.request(
                    request.method, request.path, json=request.json, headers=headers
                )
            except httpx.TransportError as error:
                failed = Attempt(sent, time.monotonic(), 0, type(error).__name__, cid)
                command.attempts.append(failed)
            else:
                command.attempts.append(
                    Attempt(sent, time.monotonic(), answer.status_code, "", cid)
                )
                if answer.is_success:
                    command.body = answer.json()
                    return
                if answer.status_code != 503:
                    return
            if not self.retry or self._stopping():
                return
            time.sleep(self.pause)

    # ---- figures ------------------------------------------------------------------------

    def statuses(self) -> list[tuple[float, int]]:
        """Every attempt as (seconds since start, status; 0 for a transport failure), in time order."""
        return sorted(
            (a.answered - self.started, a.status) for c in self.commands for a in c.attempts
        )

    def in_flight_at(self, moment: float) -> list[Attempt]:
        """Attempts sent before `moment` and answered (or failed) after it."""
        return [a for c in self.commands for a in c.attempts if a.sent < moment <= a.answered]

    def attempts(self) -> list[Attempt]:
        return [a for c in self.commands for a in c.attempts]

    def acked(self) -> list[Command]:
        return [c for c in self.commands if c.acked]

    def count_status(self, predicate: Callable[[int], bool]) -> int:
        return sum(1 for _, s in self.statuses() if predicate(s))

    def recovery_after(self, moment: float) -> float | None:
        """Seconds from `moment` (monotonic) to the first 2xx answered after it."""
        firsts = [
            a.answered
            for c in self.commands
            for a in c.attempts
            if a.answered >= moment and 200 <= a.status < 300
        ]
        return round(min(firsts) - moment, 2) if firsts else None
