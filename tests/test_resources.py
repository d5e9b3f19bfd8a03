"""Refusals cost nothing: inputs that once ran for seconds and took gigabytes before the
100,000-event cap (issue 8, defect 8) are refused from a bound checked *before* the work,
inside a hard memory limit, using less than 100 MB.

Each command runs under ``RLIMIT_AS`` (address space) of 256 MB in a small wrapper process
that reports its one child's peak resident memory, so the figure is the command's own.
Times are not asserted (machines are noisy); a hang shows as the timeout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_hostile import FIFO, REGIMEN, _make, assert_refused, regimen_with

LIMIT_BYTES = 256 * 1024 * 1024
PEAK_KB = 100 * 1024

WRAPPER = """
import resource, subprocess, sys
limit = int(sys.argv[1])
def cap():
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
done = subprocess.run(sys.argv[2:], preexec_fn=cap, stdout=subprocess.DEVNULL,
                      stderr=subprocess.PIPE, text=True)
sys.stderr.write(done.stderr)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(done.returncode)
"""


def many_drugs_hourly(drugs: int = 600) -> str:
    """600 drugs, each every hour through a 366-day cycle: 5,270,400 doses in one cycle."""
    lines = ['id = "many"', 'name = "Many drugs hourly"', 'indication = "Test"', 'source = "Test"']
    for i in range(drugs):
        lines += [f"[drugs.d{i}]", f'name = "Drug {i}"', 'route = "intravenous"']
    lines += ["[[phases]]", "cycle_days = 366", "cycles = 1"]
    for i in range(drugs):
        lines += ["[[phases.doses]]", f'drug = "d{i}"', 'days = "1-366"', 'time = "00:00"',
                  'every = "1h"', 'duration = "5m"']  # fmt: skip
    return "\n".join(lines) + "\n"


def _fhir(item: str, count: int, last: str | None = None) -> str:
    """A PlanDefinition of one element ``x``: an array of ``count`` times ``item``."""
    items = ",".join([item] * count) + (f",{last}" if last else "")
    return f'{{"resourceType": "PlanDefinition", "x": [{items}]}}'


CASES: dict[str, tuple[list[str], str, dict[str, object]]] = {
    "600-drugs-hourly": (["plan", "many.toml", "--start", "2027-01-04", "--tz", "UTC", "-o", "-"],
                         "one cycle of 'many' would have 5,270,400 events", {"many.toml": many_drugs_hourly()}),
    "days-two-billion": (["validate", "r.toml"], "day 2000000000 is out of range",
                         {"r.toml": regimen_with('days = "1"', 'days = "1-2000000000"')}),
    "pattern-x300000000": (["validate", "r.toml"], "x300000000 repeats more than a cycle can hold",
                           {"r.toml": regimen_with('days = "1"', 'pattern = "1 on, 6 off, x300000000"')}),
    "cycles-beyond-the-cap": (["plan", "aldesleukin-sc", "--start", "2027-01-04", "--tz", "UTC",
                               "--cycles", "10000", "-o", "-"], "more than 100,000 events", {}),
    "regimen-dev-zero": (["plan", "/dev/zero", "--start", "2027-01-04", "--tz", "UTC"], "is a device", {}),
    "regimen-fifo": (["validate", "pipe"], "is a named pipe (FIFO)", {"pipe": FIFO}),
    "course-fifo": (["plan", "pipe", "-o", "-"], "is a named pipe (FIFO)", {"pipe": FIFO}),
    "ics-dev-zero": (["check", "/dev/zero"], "is a device", {}),
    "ics-50-mb-one-line": (["check", "big.ics"], "is larger than 16,000,000 bytes", {"big.ics": b"X" * 50_000_000}),
    "ics-10-mb-one-line": (["check", "long.ics"], "a line is 10,000,000 bytes long", {"long.ics": b"X" * 10_000_000}),
    # FHIR files (issue 19, item 10): 5 MB of JSON is read in well under a second and 100 MB.
    "fhir-1.6-million-objects": (["fhir", "import-regimen", "pd.json", "-o", "r.toml"],
                                 "more than 100,000 objects", {"pd.json": _fhir("{}", 1_600_000)}),
    "fhir-2.4-million-numbers": (["fhir", "import-regimen", "pd.json", "-o", "r.toml"],
                                 "PlanDefinition.x: an element this tool does not know",
                                 {"pd.json": _fhir("1", 2_400_000)}),
    "fhir-5000-digits-among-them": (["fhir", "import-regimen", "pd.json", "-o", "r.toml"],
                                    "PlanDefinition.x[2000000]: a number of 5,000 digits",
                                    {"pd.json": _fhir("1", 2_000_000, "9" * 5000)}),
    "fhir-6-mb": (["fhir", "import-regimen", "pd.json", "-o", "r.toml"],
                  "is larger than 5,000,000 bytes, the most a FHIR file may be",
                  {"pd.json": _fhir('"xxxxxxxxxx"', 500_000)}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_refused_within_a_memory_limit(name: str, tmp_path: Path) -> None:
    argv, expect, files = CASES[name]
    _make(tmp_path, files)
    env = {**os.environ, "TZ": "UTC", "SCHEDULER_NOW": "2027-01-02T10:00:00Z"}
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(LIMIT_BYTES), sys.executable, "-m", "scheduler", *argv],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    if name.startswith("ics-") and "line" in name:
        # check reports a file it read but will not parse as a problem, not as "Error:".
        assert "Traceback" not in done.stderr and done.returncode == 1
        assert expect in done.stderr
    else:
        assert_refused(done, 1, expect)
    assert peak_kb < PEAK_KB, f"peak {peak_kb:,} kB"


def test_the_regimen_fixture_is_valid(tmp_path: Path) -> None:
    """The hostile cases mutate a regimen that is itself valid, so each refusal is the mutation's."""
    (tmp_path / "r.toml").write_text(REGIMEN)
    done = subprocess.run([sys.executable, "-m", "scheduler", "validate", "r.toml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
