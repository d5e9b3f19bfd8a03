"""Throughput of ``scheduler batch``, as a ratio to planning the same patients through the
library in a loop.

What is measured, in one run of this script, on the same 1,000 patients (aldesleukin-sc, one
year each: until = start + 1 year, the starts spread over 2027, zones rotating over five):

- ``library``: this process, already warm, calling ``scheduler.planner.plan(...)``,
  ``Planned.render("ics")`` and ``scheduler.files.write_atomic`` for each patient in turn;
  what "1,000 one-year plans through the library" costs.
- ``batch``: the whole ``python -m scheduler batch PLANS.csv -o DIR`` command in a fresh
  process (interpreter start, imports, reading the plans file, planning in one process per CPU,
  writing), with its default ``--jobs``;
- ``batch --jobs 1``: the same in one process, which shows the cost of the batch machinery
  itself (target: within 1.2x of the library loop, like the parallel run).

The runs alternate (library, batch, batch --jobs 1, then again) for ``--rounds`` rounds and the
medians are compared, so drift on a noisy machine hits each alike. Times are reported, never
asserted; the script checks that the batch wrote the same bytes as the library loop.

Run: ``.venv/bin/python bench/batch.py`` (options: ``--patients N``, ``--rounds N``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scheduler.files import write_atomic
from scheduler.planner import plan

EPOCH = 1800000000
ZONES = ("Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC")


def patients(count: int) -> list[tuple[date, date, str, str]]:
    """``(start, until, zone, label)`` per patient: one year each, starts spread over 2027."""
    out = []
    for i in range(count):
        start = date(2027, 1, 4) + timedelta(days=i % 365)
        out.append((start, start.replace(year=start.year + 1), ZONES[i % len(ZONES)], f"P{i:05d}"))
    return out


def write_plans(rows: list[tuple[date, date, str, str]], path: Path) -> None:
    lines = ["regimen,start,until,zone,label"]
    lines += [f"aldesleukin-sc,{s},{u},{z},{label}" for s, u, z, label in rows]
    path.write_text("\n".join(lines) + "\n")


def library_loop(rows: list[tuple[date, date, str, str]], folder: Path) -> float:
    stamp = datetime.fromtimestamp(EPOCH, UTC)
    began = time.perf_counter()
    for start, until, zone, label in rows:
        planned = plan("aldesleukin-sc", start=start, until=until, zone=zone, label=label)
        write_atomic(folder / f"{label}.ics", planned.render("ics", stamp=stamp))
    return time.perf_counter() - began


def batch_command(plans: Path, folder: Path, jobs: int | None) -> float:
    argv = [sys.executable, "-m", "scheduler", "batch", str(plans), "-o", str(folder)]
    if jobs is not None:
        argv += ["--jobs", str(jobs)]
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(EPOCH)}
    began = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"batch failed ({done.returncode}): {done.stderr.strip()}")
    return elapsed


def same_files(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    if names != sorted(p.name for p in b.iterdir()):
        return False
    return all((a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows = patients(args.patients)
    times: dict[str, list[float]] = {"library": [], "batch": [], "batch --jobs 1": []}
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        root = Path(tmp)
        plans = root / "plans.csv"
        write_plans(rows, plans)
        library_loop(rows[:20], _fresh(root / "warm"))  # imports and first-use caches
        for _ in range(args.rounds):
            times["library"].append(library_loop(rows, _fresh(root / "library")))
            times["batch"].append(batch_command(plans, _fresh(root / "batch"), None))
            times["batch --jobs 1"].append(batch_command(plans, _fresh(root / "serial"), 1))
        identical = same_files(root / "library", root / "batch") and same_files(
            root / "library", root / "serial"
        )
    library = statistics.median(times["library"])
    print(f"{args.patients:,} one-year aldesleukin-sc plans, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, median seconds:")  # fmt: skip
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:<16} {median:7.2f} s   ratio to library {median / library:5.2f}")
    print(f"  same bytes as the library loop: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    return folder


if __name__ == "__main__":
    sys.exit(main())
