"""`python -m tests.benchmarks [--quick] [--only NAME] [--json PATH] [--chart PATH]`.

Runs the benchmarks of issue 7, each figure against a baseline measured in the same run,
prints a table and writes the figures as JSON (and a chart). Needs PostgreSQL
(ECONCIERGE_BENCH_PG_URL, else ECONCIERGE_TEST_PG_URL, else postgres@127.0.0.1) and, for
the relay, NATS JetStream (ECONCIERGE_BENCH_NATS_URL, else nats://127.0.0.1:4222).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
import traceback
from pathlib import Path

from tests.benchmarks.figures import normalised
from tests.benchmarks.report import print_table, write_json
from tests.benchmarks.suite import Bench

#: name -> module with `run(bench)`; in this order (4 uses 1's write rate).
BENCHMARKS = {
    "command_path": "tests.benchmarks.command_path",
    "http_path": "tests.benchmarks.http_path",
    "relay": "tests.benchmarks.relay",
    "projections": "tests.benchmarks.projections",
    "flat_cost": "tests.benchmarks.flat_cost",
    "memory": "tests.benchmarks.memory",
    "sqlite": "tests.benchmarks.sqlite",
    "trail": "tests.benchmarks.trail",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, short runs (CI)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), metavar="NAME",
                        help=f"run only these (repeatable): {', '.join(BENCHMARKS)}")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--chart", type=Path, help="draw the chart here (PNG)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("econcierge").setLevel(logging.ERROR)
    bench = Bench(quick=args.quick)
    failed = []
    for name, module_name in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        began = time.perf_counter()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(module_name)
            if name == "trail":
                bench.add(*(normalised(f) for f in module.run(args.quick)))
            else:
                module.run(bench)
        except Exception:  # noqa: BLE001 - one broken benchmark must not hide the others
            traceback.print_exc()
            failed.append(name)
        print(f"== {name}: {time.perf_counter() - began:.1f}s", file=sys.stderr, flush=True)
    title = f"e-Concierge benchmarks ({'quick' if args.quick else 'full'})"
    print_table(bench.figures, title)
    for note in bench.notes:
        print(f"note: {note}")
    if args.json:
        write_json(bench.figures, args.json)
    if args.chart:
        from tests.benchmarks.chart import draw

        draw(bench.figures, args.chart, f"{title}; same-run baselines")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
