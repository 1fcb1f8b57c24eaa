"""`python -m bench`: every figure of the performance table, measured side by side in one run.

Each section measures ours beside its anchor on this machine, in the same run, and returns rows
(see table.py); the output is one Markdown table. Run it on a quiet machine: other load shifts
both sides, but not always equally.

    .venv/bin/python -m bench                   # everything, 3 repetitions, median (about 25 min)
    .venv/bin/python -m bench --only latency    # one section: waiting, latency, startup, load
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from datetime import UTC, datetime

from bench.table import Row, render

SECTIONS = ("waiting", "latency", "startup", "load")


def machine() -> str:
    cores = len(__import__("os").sched_getaffinity(0))
    return f"{platform.machine()}, {cores} cores, Python {platform.python_version()}, {platform.system()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections of {SECTIONS}")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per figure; the median is shown")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    rows: list[Row] = []
    started = time.monotonic()
    for name in chosen:
        section = importlib.import_module(f"bench.{name}")
        print(f"[bench] {name} …", file=sys.stderr, flush=True)
        rows.extend(section.rows(args.reps))
    print(
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {machine()}; {args.reps} repetitions, median; "
        f"{time.monotonic() - started:.0f} s in all.\n"
    )
    print(render(rows))
    return 0 if all(row.met is not False for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
