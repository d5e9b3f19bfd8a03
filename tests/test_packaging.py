"""`pip install .` (a real wheel, not the editable checkout) ships the bundled regimens and a
working command, found from any directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.helpers import REPO


def test_wheel_contains_regimens_and_runs_from_anywhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(dist), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("treatment_scheduler-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = next(n for n in names if n.endswith("entry_points.txt"))
        assert "scheduler = scheduler.cli:run" in archive.read(entry_points).decode()
    assert "scheduler/regimens/aldesleukin-sc.toml" in names
    assert "scheduler/py.typed" in names  # PEP 561: type checkers read the library's hints
    assert not any(name.startswith("tests/") for name in names)

    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site),
         str(wheel)],
        check=True, capture_output=True,
    )  # fmt: skip
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", "import scheduler, sys; print(scheduler.__file__); "
         "from scheduler.cli import main; sys.exit(main(['regimens']))"],
        capture_output=True, text=True, cwd=elsewhere, env=env, check=True,
    )  # fmt: skip
    first, *rows = done.stdout.splitlines()
    assert first.startswith(str(site))  # the installed copy, not the checkout
    assert any(row.startswith("aldesleukin-sc ") for row in rows)
