"""Profiles of the figures that miss their target: `python -m tests.benchmarks.profiling NAME`.

Runs one scenario in a loop (for `py-spy record -f raw -- python -m ...`), or, with
`--top FILE [WITHIN]`, prints the top entries of a py-spy raw (collapsed) profile: by own time and
by inclusive time. Scenarios: `rebuild` (every view from 0), `catchup` (every view on
its own thread from 0, as the worker), `command` (the command mix,
one thread), `command4` (the mix on four threads: profile with `py-spy record --gil` to
see what holds the GIL), `load` (a 10 000-event ticket read from the store: its snapshot and the events after it).
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

from tests.benchmarks import loader, pg, world
from tests.benchmarks.command_path import pg_service


def scenario(name: str, seconds: float = 20.0) -> None:
    with pg.throwaway_database() as url, pg_service(url) as (service, clock):
        desk = loader.desk_of(service, clock)
        if name == "rebuild":
            from projections.catalog import VIEWS, close_views, views_of
            from projections.rebuild import rebuild_views

            loader.fill_bulk(desk, 30_000)
            print("profile from here", flush=True)
            store = views_of(service)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                rebuild_views(service, store, VIEWS)  # the CLI's path: one read, every view
            close_views(service)
        elif name == "catchup":  # benchmark 4a: every view on its own thread, from 0 (150 000 events)
            from tests.benchmarks.projections import catch_up_rate

            loader.fill_bulk(desk, 150_000)
            print("profile from here", flush=True)
            print(f"{catch_up_rate(service, 150_000):.0f} events/s", flush=True)
        elif name == "command":
            op = world.command_mix(desk, desk.ready_ticket())
            print("profile from here", flush=True)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                op()
        elif name == "command4":  # four threads, each on its own ticket (benchmark 1, c4)
            from tests.benchmarks.command_path import command_workers
            from tests.benchmarks.load import timed

            ops = command_workers(desk, 4)
            print("profile from here", flush=True)
            run = timed(ops, seconds)
            print(f"{run.rate:.0f} commands/s", flush=True)
        elif name == "load":
            from tests.benchmarks.flat_cost import long_ticket

            ticket = long_ticket(desk, 10_000)
            version = service.get_ticket(ticket).version
            print("profile from here", flush=True)
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                service.repository.get(ticket, version=version)


def top(path: Path, within: str = "", entries: int = 15) -> str:
    """The top frames of a collapsed profile (stacks through `within`): own and inclusive."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        if within not in stack:  # e.g. idle pool threads
            continue
        total += n
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"samples: {total}", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(entries)]
    lines.append("inclusive time:")
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in inclusive.most_common(entries * 2)]
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1] == "--top":
        print(top(Path(sys.argv[2]), *sys.argv[3:4]))
    else:
        scenario(sys.argv[1])
