"""What a refusal costs: the hostile inputs of issue 8 that once ran for seconds and took
gigabytes (a day range of two billion, a pattern repeated 300 million times, 600 drugs every
hour, 999 rules of one drug, /dev/zero and a FIFO as input files, a 50 MB one-line .ics) are refused from bounds
checked before the work. Measured as whole ``scheduler`` commands, next to the same minimal
Typer floor as bench/cli_latency.py (``floor_print``: start Python, import Typer, print a line),
round-robin, medians; and each refusal's peak resident memory, from the kernel (wait4).

Targets: each refusal within 1.5x of the floor (it does little more than start up), and under
100 MB at its peak. Reports, never asserts (tests/test_resources.py holds the memory bound).

Run: ``.venv/bin/python bench/refusals.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cli_latency import FLOOR_APP, compile_package, rotated

from tests.test_hostile import regimen_with
from tests.test_resources import WRAPPER, many_drugs_hourly

RATIO_TARGET = 1.5
PEAK_TARGET_KB = 100 * 1024


def prepare(workdir: Path) -> dict[str, list[str]]:
    (workdir / "floor_app.py").write_text(FLOOR_APP, encoding="utf-8")
    (workdir / "days.toml").write_text(regimen_with('days = "1"', 'days = "1-2000000000"'))
    (workdir / "pattern.toml").write_text(
        regimen_with('days = "1"', 'pattern = "1 on, 6 off, x300000000"')
    )
    (workdir / "many.toml").write_text(many_drugs_hourly())
    # 999 rules of one drug at distinct minutes, every day of a 366-day cycle: checked pair by
    # pair (500,000 pairs) before the event bound refuses it; took 10 s before the checks
    # compared prepared sets within one drug.
    (workdir / "same.toml").write_text(
        regimen_with("cycle_days = 7", "cycle_days = 366")
        + "".join(
            f'[[phases.doses]]\nkey = "k{n}"\ndrug = "tablet"\ndays = "1-366"\n'
            f'time = "{n // 60 % 24:02d}:{n % 60:02d}"\nduration = "1m"\n'
            for n in range(1, 1000)
            if n != 480
        )
    )
    (workdir / "big.ics").write_bytes(b"X" * 50_000_000)
    os.mkfifo(workdir / "pipe")
    scheduler = [sys.executable, "-m", "scheduler"]
    plan = ["--start", "2027-01-04", "--tz", "UTC", "-o", "-"]
    return {
        "floor_print": [sys.executable, str(workdir / "floor_app.py"), "hello"],
        "days_2e9": [*scheduler, "validate", "days.toml"],
        "pattern_x3e8": [*scheduler, "validate", "pattern.toml"],
        "600_drugs_hourly": [*scheduler, "plan", "many.toml", *plan],
        "999_rules_1_drug": [*scheduler, "plan", "same.toml", *plan, "--cycles", "1"],
        "cycles_10000": [*scheduler, "plan", "aldesleukin-sc", *plan, "--cycles", "10000"],
        "dev_zero": [*scheduler, "plan", "/dev/zero", *plan],
        "fifo_course": [*scheduler, "course", "show", "pipe"],
        "check_50mb": [*scheduler, "check", "big.ics"],
    }  # fmt: skip


def run(argv: list[str], cwd: Path) -> tuple[float, int]:
    """Wall milliseconds and exit code of one run."""
    start = time.perf_counter()
    done = subprocess.run(
        argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return (time.perf_counter() - start) * 1000.0, done.returncode


def peak_kb(argv: list[str], cwd: Path) -> int:
    """Peak resident kB of one run, reported by a small wrapper process of which it is the only
    child (measured from this process, a forked child would count this process's memory)."""
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(1 << 40), *argv], cwd=cwd,
                          capture_output=True, text=True, check=False)  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory(prefix="refusals-") as tmp:
        workdir = Path(tmp)
        commands = prepare(workdir)
        names = list(commands)
        times: dict[str, list[float]] = {n: [] for n in names}
        codes: dict[str, int] = {}
        for round_no in range(args.warmup + args.rounds):
            for name in rotated(names, round_no):
                elapsed, codes[name] = run(commands[name], workdir)
                if round_no >= args.warmup:
                    times[name].append(elapsed)
        peaks = {name: peak_kb(argv, workdir) for name, argv in commands.items()}
    floor = statistics.median(times["floor_print"])
    print(f"Refusals, {args.rounds} rounds, {os.cpu_count()} CPUs, {sys.executable}")
    print(
        f"{'command':<18}{'exit':>5}{'median ms':>11}{'max ms':>9}{'peak MB':>9}{'ratio':>8}  verdict"
    )
    for name in names:
        median = statistics.median(times[name])
        ratio = median / floor
        ok = name == "floor_print" or (
            codes[name] == 1 and ratio <= RATIO_TARGET and peaks[name] < PEAK_TARGET_KB
        )
        print(f"{name:<18}{codes[name]:>5}{median:>11.1f}{max(times[name]):>9.1f}"
              f"{peaks[name] / 1024:>9.1f}{ratio:>8.2f}  {'' if name == 'floor_print' else ('PASS' if ok else 'FAIL')}")  # fmt: skip
    print(
        f"\ntargets: exit 1, ratio to floor_print <= {RATIO_TARGET}, peak < {PEAK_TARGET_KB // 1024} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
