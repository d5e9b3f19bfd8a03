"""Parallel writers (issue 8, defect 4): course edits queue on a lock and none is lost; a new
file is created exclusively, so of several writers exactly one wins and the rest are told."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scheduler.course.file import load_course
from scheduler.plan.changes import Omit

ENV = {**os.environ, "SCHEDULER_NOW": "2027-01-02T10:00:00Z", "TZ": "UTC"}


def start(cwd: Path, *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", *argv],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str]]:
    out = []
    for process in processes:
        _, err = process.communicate(timeout=120)
        out.append((process.returncode, err))
    return out


def test_ten_parallel_omissions_are_all_recorded(tmp_path: Path) -> None:
    """Regression: ten parallel ``course omit`` all reported success and one entry survived."""
    created = start(tmp_path, "course", "new", "aldesleukin-sc", "--start", "2027-01-04",
                    "--cycles", "2", "--tz", "Europe/London", "-o", "c.toml")  # fmt: skip
    assert finish([created]) == [(0, "")]
    # Cycle 1's injection days: Mon 4 - Fri 8 and Mon 11 - Fri 15 January 2027 (days 1-5, 8-12).
    days = [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]
    results = finish(
        [start(tmp_path, "course", "omit", "c.toml", "--cycle", "1", "--day", str(d)) for d in days]
    )
    assert results == [(0, "")] * len(days)
    course = load_course(tmp_path / "c.toml")
    omitted = sorted(e.change.day for e in course.history if isinstance(e.change, Omit))
    assert omitted == days
    # Nothing left behind but the course and its backup.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.toml", "c.toml.bak"]


def test_parallel_writers_of_one_new_file_one_wins(tmp_path: Path) -> None:
    """Regression: ``-o`` without ``--force`` checked then replaced, so two writers both "won"."""
    results = finish([
        start(tmp_path, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", str(n),
              "--tz", "UTC", "-o", "same.ics")
        for n in range(1, 7)
    ])  # fmt: skip
    assert sum(code == 0 for code, _ in results) == 1
    for code, err in results:
        if code:
            assert err.startswith("Error: same.ics already exists"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.ics"]


def test_parallel_new_courses_one_wins(tmp_path: Path) -> None:
    results = finish([
        start(tmp_path, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles",
              str(n), "--tz", "UTC", "-o", "c.toml")
        for n in range(1, 5)
    ])  # fmt: skip
    assert sum(code == 0 for code, _ in results) == 1
    assert all("c.toml already exists" in err for code, err in results if code)
