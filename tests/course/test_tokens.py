"""Feed tokens kept beside a course: parallel rotations are all kept (the course file's lock),
the token file is private, and a rotated token replaces only its own reader's."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from scheduler.cli import main
from scheduler.course.tokens import feed_file, load_access


def test_parallel_rotations_for_different_readers_are_all_kept(tmp_path: Path) -> None:
    course = tmp_path / "js.toml"
    os.environ["SCHEDULER_NOW"] = "2027-01-02T10:00:00Z"
    try:
        assert main(["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                     "--tz", "Europe/London", "-o", str(course)]) == 0  # fmt: skip
    finally:
        del os.environ["SCHEDULER_NOW"]
    readers = [f"reader-{n}" for n in range(8)]
    env = {**os.environ, "SCHEDULER_NOW": "2027-01-02T10:00:00Z"}
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "scheduler",
                "course",
                "rotate-token",
                str(course),
                "--for",
                reader,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        for reader in readers
    ]
    assert [p.wait(60) for p in running] == [0] * len(readers)
    access = load_access(course)
    assert sorted(t.name for t in access.tokens) == readers
    assert len({t.token for t in access.tokens}) == len(readers)
    assert stat.S_IMODE(feed_file(course).stat().st_mode) == 0o600
    before = {t.name: t.token for t in access.tokens}
    assert main(["course", "rotate-token", str(course), "--for", "reader-3"]) == 0
    after = {t.name: t.token for t in load_access(course).tokens}
    assert after["reader-3"] != before["reader-3"]
    assert {k: v for k, v in after.items() if k != "reader-3"} == {
        k: v for k, v in before.items() if k != "reader-3"
    }
