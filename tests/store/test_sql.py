"""Courses in a database (issue 21, item 6): SQLite and a real PostgreSQL server behave as the
course files do — the same course text, versions and conflicts, locked read-modify-writes that
lose nothing, feed tokens — and a folder of course files moves in and back out unchanged.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027 has 35-day cycles (cycle 2 on Mon 8 Feb 2027)
with doses at 09:00 London time on days 1-5, 8-12, 15-19 and 22-26.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import scheduler
from scheduler.course.file import dump_course
from scheduler.errors import CourseConflict, CourseError, StoreError
from scheduler.store import open_store
from scheduler.store.courses import SqlStore
from scheduler.store.schema import SCHEMA_VERSION
from scheduler.store.transfer import export_folder, import_folder

NOW = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)


def new(store: SqlStore, key: str, label: str = "") -> None:
    scheduler.new_course("aldesleukin-sc", key, start=date(2027, 1, 4), zone="Europe/London",
                         cycles=3, label=label, store=store)  # fmt: skip


def starts(store: SqlStore, key: str) -> list[str]:
    planned = scheduler.plan_stored(store.get(key).course)
    return [
        e.start.strftime("%Y-%m-%d %H:%M")
        for e in planned.events
        if e.kind == "dose" and not e.cancelled
    ]


def test_a_course_is_stored_read_and_versioned(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "js", "J.S.")
    first = store.get("js")
    assert first.version == "1" and store.version("js") == "1" and store.exists("js")
    assert not store.exists("nobody")
    assert starts(store, "js")[:6] == ["2027-01-04 09:00", "2027-01-05 09:00", "2027-01-06 09:00",
                                       "2027-01-07 09:00", "2027-01-08 09:00", "2027-01-11 09:00"]  # fmt: skip
    second = store.put("js", first.course, expected="1")
    assert second.version == "2"
    with pytest.raises(CourseConflict, match="changed since it was read"):
        store.put("js", first.course, expected="1")  # a stale writer is told, never lost
    assert store.keys() == ["js"]
    assert [v for v, _ in store.history_of("js")] == [1, 2]
    assert store.body_at("js", 1) == dump_course(first.course)
    with pytest.raises(CourseError, match="a course named 'js' is already in"):
        new(store, "js")


def test_a_delay_recorded_in_the_store_moves_the_cycle(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "js")
    edit = scheduler.edit_course("js", lambda c: scheduler.Delay(1, 2, 7),
                                 now=datetime(2027, 1, 3, 10, 0, tzinfo=UTC), store=store)  # fmt: skip
    assert edit.written
    assert "2027-02-08 09:00" not in starts(store, "js")
    assert "2027-02-15 09:00" in starts(store, "js")
    assert store.version("js") == "2"


def test_two_patients_on_one_regimen_and_start_share_nothing(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "ab", "A B")
    new(store, "cd", "C D")
    one, two = (scheduler.plan_stored(store.get(k).course) for k in ("ab", "cd"))
    assert {e.uid for e in one.events}.isdisjoint({e.uid for e in two.events})
    store.rotate_token("ab", "patient", now=NOW)
    store.rotate_token("cd", "patient", now=NOW)
    assert store.tokens("ab").get("patient") != store.tokens("cd").get("patient")
    assert store.tokens_version("ab") == "1" and store.tokens_version("cd") == "1"


def test_parallel_nurses_lose_no_edit(store_url: str) -> None:
    """Eight threads (eight connections) each record an omission at once: eight entries."""
    store = SqlStore(store_url)
    new(store, "js")
    errors: list[BaseException] = []

    def omit(day: int) -> None:
        try:
            worker = SqlStore(store_url)
            scheduler.edit_course("js", lambda c: scheduler.Omit(1, 2, day),
                                  now=lambda: datetime.now(UTC).replace(year=2027, month=1, day=3),
                                  store=worker)  # fmt: skip
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=omit, args=(day,)) for day in (1, 2, 3, 4, 5, 8, 9, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    course = store.get("js").course
    assert sorted(entry.change.day for entry in course.history) == [1, 2, 3, 4, 5, 8, 9, 10]  # type: ignore[union-attr]
    assert store.version("js") == "9"
    doses = starts(store, "js")  # days 1-5 and 8-10 of cycle 2 (8-12 and 15-17 Feb) omitted
    assert [d for d in doses if "2027-02-05" <= d < "2027-02-20"] == [
        "2027-02-18 09:00",
        "2027-02-19 09:00",
    ]


def test_two_processes_editing_at_once_lose_nothing(store_url: str, tmp_path: Path) -> None:
    store = SqlStore(store_url)
    new(store, "js")
    env = {**os.environ, "SCHEDULER_NOW": "2027-01-03T10:00:00Z", "SCHEDULER_STORE": store_url}
    runs = [subprocess.Popen([sys.executable, "-m", "scheduler", "course", "omit", "js", "--cycle", "2",
                              "--day", str(day)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for day in (1, 2, 3, 4)]  # fmt: skip
    for run in runs:
        _out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
    assert len(store.get("js").course.history) == 4


def test_tokens_rotate_revoke_and_keep_their_version(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "js")
    assert store.tokens_version("js") is None and store.tokens("js").tokens == ()
    old = store.rotate_token("js", "patient", now=NOW)
    again = store.rotate_token("js", "patient", now=NOW)
    assert old.token != again.token and store.tokens("js").get("patient") == again
    store.rotate_token("js", "caregiver", now=NOW, show_label=True)
    store.revoke_token("js", "patient")
    assert [t.name for t in store.tokens("js").tokens] == ["caregiver"]
    assert store.tokens_version("js") == "4"
    with pytest.raises(
        CourseError, match="has no feed token for 'patient' \\(tokens: caregiver\\)"
    ):
        store.revoke_token("js", "patient")


def test_a_folder_moves_in_and_back_out_unchanged(store_url: str, tmp_path: Path) -> None:
    folder, back = tmp_path / "courses", tmp_path / "back"
    folder.mkdir()
    back.mkdir()
    files = scheduler.FileStore()
    for name in ("ab", "cd"):
        scheduler.new_course("aldesleukin-sc", folder / f"{name}.toml", start=date(2027, 1, 4),
                             zone="Europe/London", cycles=3, label=name.upper())  # fmt: skip
        files.rotate_token(str(folder / f"{name}.toml"), "patient", now=NOW)
    scheduler.edit_course(folder / "ab.toml", lambda c: scheduler.Delay(1, 2, 7), now=NOW)
    store = SqlStore(store_url)
    moved = import_folder(folder, store)
    assert [(m.key, m.tokens) for m in moved] == [("ab", 1), ("cd", 1)]
    assert store.tokens("ab").get("patient") == files.tokens(str(folder / "ab.toml")).get("patient")
    export_folder(store, back)
    for name in ("ab", "cd"):
        assert (back / f"{name}.toml").read_text() == (folder / f"{name}.toml").read_text()
        assert stat.S_IMODE((back / f"{name}.toml").stat().st_mode) == 0o600
        assert (
            files.tokens(str(back / f"{name}.toml")).tokens
            == files.tokens(str(folder / f"{name}.toml")).tokens
        )
    with pytest.raises(CourseError, match="already in the store: nothing was imported"):
        import_folder(folder, store)
    with pytest.raises(CourseError, match="already exists: nothing was exported"):
        export_folder(store, back)


def test_a_copied_course_file_in_the_folder_imports_nothing(store_url: str, tmp_path: Path) -> None:
    scheduler.new_course("aldesleukin-sc", tmp_path / "ab.toml", start=date(2027, 1, 4),
                         zone="Europe/London", cycles=3)  # fmt: skip
    (tmp_path / "copy.toml").write_text((tmp_path / "ab.toml").read_text())
    (tmp_path / "copy.toml").chmod(0o600)
    store = SqlStore(store_url)
    with pytest.raises(CourseError, match=r"ab\.toml and copy\.toml are copies of one course"):
        import_folder(tmp_path, store)
    assert store.keys() == []


def test_the_schema_is_versioned_and_a_newer_one_is_refused(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "js")
    db = store.db
    assert db.rows("SELECT value FROM meta WHERE name = 'schema_version'") == [
        (str(SCHEMA_VERSION),)
    ]
    SqlStore(store_url).get("js")  # opening again upgrades nothing and reads the same
    with db.transaction():
        db.execute(
            "UPDATE meta SET value = ? WHERE name = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    with pytest.raises(StoreError, match=f"has schema version {SCHEMA_VERSION + 1}, newer than"):
        SqlStore(store_url).keys()


def test_a_hand_edited_row_is_refused_with_where(store_url: str) -> None:
    store = SqlStore(store_url)
    new(store, "js")
    with store.db.transaction():
        store.db.execute("UPDATE courses SET body = ? WHERE key = 'js'",
                         (dump_course(store.get("js").course).replace("cycles = 3", 'cycles = "3"'),))  # fmt: skip
    with pytest.raises(CourseError, match=r"js \(in .*\):\d+: cycles: "):
        store.get("js")


@pytest.mark.parametrize("key", ["../x", "", "a/b", "x" * 101, ".hidden", "a b", "é"])
def test_a_course_name_is_a_plain_name(store_url: str, key: str) -> None:
    store = SqlStore(store_url)
    with pytest.raises(CourseError, match="is not a course name in a store"):
        store.exists(key)


def test_sqlite_stores_are_private_and_bad_urls_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    new(SqlStore(url), "js")
    assert stat.S_IMODE((tmp_path / "clinic.db").stat().st_mode) == 0o600
    for bad, message in (
        ("mysql://x/y", "unknown store 'mysql://x/y' (allowed: sqlite:///clinic.db"),
        ("sqlite://clinic.db", "is not a SQLite store: write sqlite:///clinic.db"),
        ("sqlite:///:memory:", "a store in memory is lost when the command ends"),
        (f"sqlite:///{tmp_path}", "is not a regular file"),
        (f"sqlite:///{tmp_path / 'missing' / 'x.db'}", "does not exist"),
    ):
        with pytest.raises(StoreError, match=message.replace("(", r"\(")):
            open_store(bad).keys()
    (tmp_path / "text.db").write_text("not a database at all " * 100)
    with pytest.raises(StoreError, match=r"text\.db"):
        open_store(f"sqlite:///{tmp_path / 'text.db'}").keys()


def test_an_unreachable_postgresql_is_one_line() -> None:
    with pytest.raises(StoreError, match="cannot connect to the PostgreSQL store"):
        open_store("postgresql://nobody@127.0.0.1:1/none").keys()
