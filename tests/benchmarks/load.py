"""Driving a workload: N threads call one operation each for a while; rate and latencies."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence

import msgspec

Operation = Callable[[], None]


class Run(msgspec.Struct, frozen=True):
    """What a timed run measured: operations per second and each operation's latency."""

    rate: float
    latencies: list[float]
    errors: int


def timed(operations: Sequence[Operation], seconds: float) -> Run:
    """Each operation runs in a loop on its own thread for `seconds`; all start together."""
    start = threading.Barrier(len(operations) + 1)
    stop = threading.Event()
    latencies: list[list[float]] = [[] for _ in operations]
    errors = [0] * len(operations)

    def loop(index: int, operation: Operation) -> None:
        mine = latencies[index]
        start.wait()
        while not stop.is_set():
            began = time.perf_counter()
            try:
                operation()
            except Exception:  # noqa: BLE001 - counted; a benchmark keeps going
                errors[index] += 1
                continue
            mine.append(time.perf_counter() - began)

    threads = [
        threading.Thread(target=loop, args=(i, op), daemon=True) for i, op in enumerate(operations)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    flat = [x for mine in latencies for x in mine]
    return Run(rate=len(flat) / elapsed, latencies=flat, errors=sum(errors))
