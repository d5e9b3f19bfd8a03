"""Command-line latency of ``scheduler``, measured as ratios against a minimal Typer "floor".

What is measured: the wall time of whole ``scheduler`` commands, each run as a fresh
subprocess of this Python (interpreter start, imports, work, exit), next to a floor built in a
temporary directory: a minimal Typer app with the same launcher style and the same settings,
whose ``hello`` prints one line and whose ``event`` imports icalendar, dateutil.rrule and
zoneinfo and writes a one-event calendar. The floor is what the simplest Typer app doing the
same kind of job costs on this machine (interpreter, Typer and its imports, the calendar
libraries), so the targets are ratios to it:

- ``plan_11 / floor_event`` (target <= 1.15): planning 11 five-week cycles (one year) costs
  little more than writing one event with icalendar;
- ``plan_52 / floor_event`` (target <= 1.4, issue 9; 1.5 before): 52 cycles (five years, about
  1,100 events) stays cheap;
- ``course_show / plan_11`` and ``plan_course / plan_11`` (target <= 1.3, issue 9): a course
  file of the same 11 cycles with England's public holidays, shown and planned, costs little
  more than planning the regimen (it once imported every holidays country module, +40 ms);
- ``regimens / floor_print`` (target <= 1.2): listing regimens does not pay for the exporters.

Why ratios: on a noisy 2-core machine absolute milliseconds move by tens of percent from run to
run, but the floor and the commands are slowed alike. The runs alternate round-robin in one
process (each round runs every command once, the order rotating from round to round) after
warm-up rounds, so drift hits every command equally. Each ratio is paired: its two commands'
times from the same round are divided, and the median of those per-round ratios is reported
(next to the ratio of the medians), so a slow stretch of the machine cancels out.

An import check runs ``regimens`` in-process and reports whether it imported icalendar (it
must not). The script reports and does not assert timing: exit code 0 unless a command fails.

Run: ``.venv/bin/python bench/cli_latency.py`` (options: ``--rounds N``, ``--warmup N``,
``--json``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SOURCE_DATE_EPOCH = "1700000000"
PLAN = ["plan", "aldesleukin-sc", "--start", "2027-01-04", "--tz", "Europe/London", "--force"]
# Two years of palbociclib (days 1-21) with fulvestrant loading then monthly, doses calculated:
# about 26 cycles and 600 events.
PLAN_2Y = ["plan", "palbociclib-fulvestrant", "--start", "2027-01-04", "--until", "2029-01-03",
           "--tz", "Europe/London", "--weight", "70", "--height", "175", "--force"]  # fmt: skip

# The same Typer settings as scheduler.cli, so the floor loads what the real app loads.
FLOOR_APP = '''\
"""Minimal Typer app: the floor that scheduler's command-line latency is compared with."""

import sys

import typer

app = typer.Typer(
    add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None
)


@app.command()
def hello() -> None:
    typer.echo("hello")


@app.command()
def event(output: str = "floor.ics") -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    import dateutil.rrule  # noqa: F401
    import icalendar

    zone = ZoneInfo("Europe/London")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//floor//EN")
    cal.add("version", "2.0")
    ev = icalendar.Event()
    ev.add("uid", "floor-1@example.invalid")
    ev.add("dtstamp", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC))
    ev.add("dtstart", datetime(2027, 1, 4, 9, 0, tzinfo=zone))
    ev.add("dtend", datetime(2027, 1, 4, 9, 30, tzinfo=zone))
    ev.add("summary", "Dose")
    cal.add_component(ev)
    data = cal.to_ical()
    with open(output, "wb") as f:
        f.write(data)
    typer.echo(f"Wrote {output}: {len(data)} bytes")


if __name__ == "__main__":
    sys.exit(app())
'''

IMPORT_CHECK = """\
import sys
from scheduler.cli import main
code = main(['regimens'])
print('IMPORTS-ICALENDAR=' + ('yes' if 'icalendar' in sys.modules else 'no'))
sys.exit(code)
"""

RATIOS = [
    ("plan_11 / floor_event", "plan_11", "floor_event", 1.15),
    ("plan_52 / floor_event", "plan_52", "floor_event", 1.4),
    # Issue 3: a two-year plan of a richer regimen stays within the foundation's 1.15 target.
    ("plan_2y / floor_event", "plan_2y", "floor_event", 1.15),
    ("regimens / floor_print", "regimens", "floor_print", 1.2),
    # Issue 9: course commands against planning the same regimen (11 cycles, Europe/London).
    ("course_show / plan_11", "course_show", "plan_11", 1.3),
    ("plan_course / plan_11", "plan_course", "plan_11", 1.3),
]
COURSE = ["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "11",
          "--tz", "Europe/London", "--holidays", "GB-ENG"]  # fmt: skip


@dataclass(frozen=True)
class Ratio:
    name: str
    value: float
    """The median of the per-round (paired) ratios."""
    target: float
    of_medians: float
    """The ratio of the two medians, for comparison."""

    @property
    def passed(self) -> bool:
        return self.value <= self.target


def build_commands(workdir: Path) -> dict[str, list[str]]:
    """The measured commands, by name; the floor app is written into ``workdir``."""
    floor = workdir / "floor_app.py"
    floor.write_text(FLOOR_APP, encoding="utf-8")
    scheduler = [sys.executable, "-m", "scheduler"]
    return {
        "floor_print": [sys.executable, str(floor), "hello"],
        "floor_event": [sys.executable, str(floor), "event", "--output", str(workdir / "f.ics")],
        "regimens": [*scheduler, "regimens"],
        "plan_11": [*scheduler, *PLAN, "--cycles", "11", "-o", str(workdir / "p11.ics")],
        "plan_52": [*scheduler, *PLAN, "--cycles", "52", "-o", str(workdir / "p52.ics")],
        "plan_2y": [*scheduler, *PLAN_2Y, "-o", str(workdir / "p2y.ics")],
        "course_show": [*scheduler, "course", "show", str(workdir / "course.toml")],
        "plan_course": [*scheduler, "plan", str(workdir / "course.toml"), "--force",
                        "-o", str(workdir / "course.ics")],
    }  # fmt: skip


def write_course(workdir: Path) -> None:
    """The course file that ``course_show`` and ``plan_course`` read: ``plan_11``'s regimen,
    start, cycles and zone, with England's public holidays as closures."""
    run_checked([sys.executable, "-m", "scheduler", *COURSE, "-o", str(workdir / "course.toml")],
                workdir, bench_env())  # fmt: skip


def bench_env() -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH}


def run_checked(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> str:
    """Run one command; exit loudly (code 1) if it fails. Returns its standard output."""
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        sys.stderr.write(
            f"FAILED (exit {proc.returncode}): {' '.join(argv)}\n"
            f"--- stdout ---\n{proc.stdout}--- stderr ---\n{proc.stderr}"
        )
        raise SystemExit(1)
    return proc.stdout


def time_once(argv: Sequence[str], cwd: Path, env: dict[str, str]) -> float:
    """Wall time of one run in milliseconds."""
    start = time.perf_counter()
    run_checked(argv, cwd, env)
    return (time.perf_counter() - start) * 1000.0


def rotated(names: list[str], round_no: int) -> list[str]:
    shift = round_no % len(names)
    return names[shift:] + names[:shift]


def measure(
    commands: dict[str, list[str]], rounds: int, warmup: int, cwd: Path
) -> dict[str, list[float]]:
    """Round-robin: each round runs every command once, in an order that rotates by round."""
    env = bench_env()
    names = list(commands)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_no in range(warmup + rounds):
        for name in rotated(names, round_no):
            elapsed = time_once(commands[name], cwd, env)
            if round_no >= warmup:
                samples[name].append(elapsed)
    return samples


def compute_ratios(samples: dict[str, list[float]]) -> list[Ratio]:
    """Each ratio paired by round (see the module docstring), and as a ratio of medians."""
    medians = {name: statistics.median(values) for name, values in samples.items()}
    return [
        Ratio(
            label,
            statistics.median(a / b for a, b in zip(samples[num], samples[den], strict=True)),
            target,
            medians[num] / medians[den],
        )
        for label, num, den, target in RATIOS
    ]


def regimens_imports_icalendar(cwd: Path) -> bool:
    out = run_checked([sys.executable, "-c", IMPORT_CHECK], cwd, bench_env())
    return "IMPORTS-ICALENDAR=yes" in out.splitlines()


def print_report(
    samples: dict[str, list[float]], ratios: list[Ratio], imports_icalendar: bool
) -> None:
    rounds = len(next(iter(samples.values())))
    print(f"CLI latency, {rounds} rounds, {os.cpu_count()} CPUs, {sys.executable}")
    print(f"{'command':<14}{'median ms':>11}{'min ms':>9}{'max ms':>9}")
    for name, values in samples.items():
        print(f"{name:<14}{statistics.median(values):>11.1f}{min(values):>9.1f}{max(values):>9.1f}")
    print()
    print(f"{'ratio':<24}{'paired':>7}{'medians':>9}")
    for ratio in ratios:
        verdict = "PASS" if ratio.passed else "FAIL"
        target = f"(target <= {ratio.target:g})"
        print(f"{ratio.name:<24}{ratio.value:>7.3f}{ratio.of_medians:>9.3f}  {target:<18}{verdict}")
    print()
    print(f"import check: regimens imports icalendar: {'yes' if imports_icalendar else 'no'}")


def as_json(
    samples: dict[str, list[float]], ratios: list[Ratio], imports_icalendar: bool
) -> dict[str, Any]:
    return {
        "python": sys.executable,
        "rounds": len(next(iter(samples.values()))),
        "median_ms": {name: round(statistics.median(v), 2) for name, v in samples.items()},
        "samples_ms": {name: [round(x, 2) for x in v] for name, v in samples.items()},
        "ratios": [
            {
                "name": r.name,
                "value": round(r.value, 4),
                "of_medians": round(r.of_medians, 4),
                "target": r.target,
                "pass": r.passed,
            }
            for r in ratios
        ],
        "regimens_imports_icalendar": imports_icalendar,
    }


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="measured rounds (default 15)")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up rounds (default 2)")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be >= 1 and --warmup >= 0")
    return args


def compile_package() -> None:
    """Byte-compile the scheduler package, as ``pip install .`` does for an installed package.

    The floor's libraries come from site-packages with their .pyc files; an editable checkout
    run with PYTHONDONTWRITEBYTECODE=1 (as on these machines) would otherwise recompile
    scheduler's sources on every run and measure the compiler, not the tool.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("scheduler")
    assert spec is not None and spec.origin is not None
    compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    compile_package()
    with tempfile.TemporaryDirectory(prefix="cli-latency-") as tmp:
        workdir = Path(tmp)
        write_course(workdir)
        samples = measure(build_commands(workdir), args.rounds, args.warmup, workdir)
        imports_icalendar = regimens_imports_icalendar(workdir)
    ratios = compute_ratios(samples)
    print_report(samples, ratios, imports_icalendar)
    if args.json:
        print(json.dumps(as_json(samples, ratios, imports_icalendar), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
