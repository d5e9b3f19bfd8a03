"""The store seam over course files: versions that change exactly when the file does, a write
expecting a stale version refused with nothing written, private files, and the warning when a
course file is open to other users."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.course.store import FileStore
from scheduler.errors import CourseConflict, PrivacyWarning

NOW = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")


def new(tmp_path: Path, name: str = "c.toml") -> Path:
    path = tmp_path / name
    code = main(["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "2",
                 "--tz", "Europe/London", "-o", str(path)])  # fmt: skip
    assert code == 0
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_course_backup_and_token_files_are_private(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    os.umask(0o022)
    path = new(tmp_path)
    assert mode(path) == 0o600
    assert main(["course", "delay", str(path), "--cycle", "1", "--days", "2"]) == 0
    assert mode(path) == 0o600 and mode(tmp_path / "c.toml.bak") == 0o600
    assert main(["course", "rotate-token", str(path)]) == 0
    assert mode(tmp_path / "c.feed.toml") == 0o600
    _, err = capsys.readouterr()
    assert "Warning" not in err


def test_reading_a_course_others_can_read_warns_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = new(tmp_path)
    path.chmod(0o644)
    capsys.readouterr()
    assert main(["plan", str(path), "-o", str(tmp_path / "c.ics")]) == 0
    _, err = capsys.readouterr()
    assert err == (f"Warning: {path} is open to other users of this machine (mode 0644) but "
                   f"holds patient data: chmod 600 {path}\n")  # fmt: skip
    assert (tmp_path / "c.ics").exists()  # a warning, not a refusal


def test_the_library_warns_with_its_own_category(tmp_path: Path) -> None:
    path = new(tmp_path)
    path.chmod(0o640)
    with pytest.warns(PrivacyWarning, match="mode 0640"):
        FileStore().get(str(path))


def test_the_version_changes_whenever_the_file_does(tmp_path: Path) -> None:
    path = new(tmp_path)
    store = FileStore()
    first = store.get(str(path))
    assert store.version(str(path)) == first.version
    # An in-place edit (an editor, cp over it) keeps the inode; the version still moves.
    text = path.read_bytes()
    with path.open("r+b") as handle:
        handle.write(text.replace(b"cycles = 2", b"cycles = 3"))
    assert store.version(str(path)) != first.version


def test_a_write_expecting_a_stale_version_is_refused_and_nothing_written(tmp_path: Path) -> None:
    path = new(tmp_path)
    store = FileStore()
    nurse_a = store.get(str(path))
    nurse_b = store.get(str(path))
    from dataclasses import replace

    store.put(nurse_a.key, replace(nurse_a.course, label="A"), expected=nurse_a.version)
    after_a = path.read_bytes()
    with pytest.raises(CourseConflict, match="changed since it was read"):
        store.put(nurse_b.key, replace(nurse_b.course, label="B"), expected=nurse_b.version)
    assert path.read_bytes() == after_a
    assert 'label = "A"' in after_a.decode()


def test_two_nurses_editing_one_course_at_once_lose_nothing(tmp_path: Path) -> None:
    path = new(tmp_path)
    script = (
        "import sys; from scheduler.cli import main; "
        "sys.exit(main(['course', 'omit', sys.argv[1], '--cycle', '2', '--day', sys.argv[2]]))"
    )
    env = {**os.environ, "SCHEDULER_NOW": "2027-01-02T10:00:00Z"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(path), str(day)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for day in (1, 2, 3, 4, 5, 8)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 6, results
    course = FileStore().get(str(path)).course
    assert sorted(e.change.day for e in course.history) == [1, 2, 3, 4, 5, 8]  # type: ignore[attr-defined]


def test_keys_list_course_files_not_token_files(tmp_path: Path) -> None:
    a, b = new(tmp_path, "a.toml"), new(tmp_path, "b.toml")
    assert main(["course", "rotate-token", str(a)]) == 0
    (tmp_path / "notes.txt").write_text("x")
    assert FileStore(tmp_path).keys() == [str(a), str(b)]
    assert FileStore().tokens_version(str(b)) is None
    assert FileStore().tokens_version(str(a)) is not None
    assert FileStore().tokens(str(a)).get("patient") is not None
