"""Course files are read as strictly as regimens (issue 8, defect 6): a hand edit that the old
reader ignored or truncated — a quoted cycle, a quoted date, day 3.5, phase 9 — is refused as
file:line: field: what is wrong, so the history and the calendar can never disagree."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from scheduler.course.file import dump_course, load_course, parse_course
from scheduler.course.replan import new_course, plan_course
from scheduler.errors import CourseError

COURSE = """\
format = 1
id = "c"
regimen = "aldesleukin-sc"
start = 2027-01-04
timezone = "Europe/London"
cycles = 3

[[history]]
at = 2027-01-02T10:00:00Z
action = "omit"
phase = 1
cycle = 2
day = 3
"""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("cycle = 2", 'cycle = "2"', "c.toml:12: history[0].cycle: expected the cycle (no quotes), got '2'"),
        ("start = 2027-01-04", 'start = "2027-01-04"', "c.toml:4: start: expected a date like 2027-01-04 (no quotes), got '2027-01-04'"),
        ("day = 3", "day = 3.5", "c.toml:13: history[0].day: expected the cycle day (no quotes), got 3.5"),
        ("day = 3", "day = 0", "c.toml:13: history[0].day: there is no day 0"),
        ("cycles = 3", "cycles = 3.0", "c.toml:6: cycles: expected the number of cycles (no quotes), got 3.0"),
        ("cycles = 3", "cycles = true", "c.toml:6: cycles: expected the number of cycles (no quotes), got true"),
        ('timezone = "Europe/London"', 'timezone = "localtime"', "c.toml:5: timezone: 'localtime' is not a time zone a calendar app knows"),
        ("cycles = 3", "cycles = 3\nuntil = 2027-01-01", "c.toml:7: until: the end date 2027-01-01 is before the start 2027-01-04"),
        ("cycles = 3", 'cycles = 3\ndose_time = "09:00:30"', "c.toml:7: dose_time: '09:00:30' is not a time of day"),
        ("cycles = 3", "cycles = 3\ndose_time = 09:00:30", "c.toml:7: dose_time: 09:00:30 is not a time in whole minutes"),
        ("cycles = 3", "cycles = 3\nheight_cm = 175", "c.toml:7: height_cm: a height needs weight_kg too"),
        ("cycles = 3", "cycles = 3\nweight_kg = 4000", "c.toml:7: weight_kg: weight 4000 kg is outside 0.5 to 400 kg"),
        ("cycles = 3", "cycles = 3\nholidays = [\"GB\"]", "c.toml:7: holidays: unknown field 'holidays' (allowed here: format, id"),
        ("cycles = 3", "cycles = 3\nreminder = \"1d\"", "c.toml:7: reminder: unknown field 'reminder' (did you mean 'reminders'?"),
        ('action = "omit"', 'action = "omit"\nslot = 0', "c.toml:11: history[0].slot: the slot must be from 1"),
        ('action = "omit"', 'action = "omit"\ndrug = ""', "c.toml:11: history[0].drug: drug must be a drug of the regimen, got ''"),
        ('action = "omit"', 'action = "omit"\ndays = 3', "c.toml:11: history[0].days: unknown field 'days' (did you mean 'day'?"),
        ("at = 2027-01-02T10:00:00Z", 'at = "yesterday"', "c.toml:9: history[0].at: expected the time it was recorded, in UTC"),
        ("format = 1", "format = 2", "c.toml:1: format: unsupported course format 2"),
    ],
)  # fmt: skip
def test_hand_edits_that_were_read_loosely_are_refused(old: str, new: str, message: str) -> None:
    assert old in COURSE
    with pytest.raises(CourseError) as caught:
        parse_course(COURSE.replace(old, new), origin="c.toml")
    assert str(caught.value).startswith(message), str(caught.value)


def test_a_phase_the_regimen_does_not_have_is_refused_at_its_line() -> None:
    """``phase = 9`` is well-formed, but aldesleukin SC has one phase: refused when planned."""
    course = parse_course(COURSE.replace("phase = 1", "phase = 9"), origin="c.toml")
    with pytest.raises(CourseError) as caught:
        plan_course(course)
    assert str(caught.value) == (
        "c.toml:11: history[0].phase: the regimen 'aldesleukin-sc' has 1 phase, not 9"
    )


def test_an_unknown_drug_in_the_history_is_refused_naming_the_allowed_ones() -> None:
    course = parse_course(COURSE.replace("day = 3", 'day = 3\ndrug = "in"'), origin="c.toml")
    with pytest.raises(
        CourseError, match=r"history\[0\]\.drug: unknown drug 'in' \(allowed: aldesleukin\)"
    ):
        plan_course(course)


def test_the_file_round_trips_exactly() -> None:
    course = parse_course(COURSE, origin="c.toml")
    again = parse_course(dump_course(course), origin="c.toml")
    assert again == course
    assert dump_course(again) == dump_course(course)


def test_a_regimen_path_is_kept_relative_to_the_course_file(tmp_path: Path) -> None:
    """Regression (defect 10): a course's relative regimen path was resolved against the folder
    the command ran in. It is stored relative to the course file and read from there, whatever
    the working folder."""
    (tmp_path / "regimens").mkdir()
    (tmp_path / "patients").mkdir()
    source = Path(__file__).resolve().parents[2] / "regimens" / "aldesleukin-sc.toml"
    (tmp_path / "regimens" / "mine.toml").write_text(
        source.read_text().replace('id = "aldesleukin-sc"', 'id = "mine"')
    )
    before = os.getcwd()
    os.chdir(tmp_path)
    try:
        new_course(
            "regimens/mine.toml", "patients/js.toml", start=date(2027, 1, 4), zone="UTC", cycles=1
        )
    finally:
        os.chdir(before)
    text = (tmp_path / "patients" / "js.toml").read_text()
    assert 'regimen = "../regimens/mine.toml"' in text
    os.chdir(tmp_path / "regimens")  # somewhere else entirely
    try:
        regimen, _, events = plan_course(load_course(tmp_path / "patients" / "js.toml"))
    finally:
        os.chdir(before)
    assert regimen.id == "mine"
    assert events


def test_an_edit_through_a_link_changes_the_course_it_leads_to(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from scheduler.course.replan import edit_course
    from scheduler.plan.changes import Omit

    new_course(
        "aldesleukin-sc", tmp_path / "real.toml", start=date(2027, 1, 4), zone="UTC", cycles=1
    )
    (tmp_path / "link.toml").symlink_to("real.toml")
    edit = edit_course(tmp_path / "link.toml", lambda _c: Omit(1, 1, 3),
                       now=datetime(2027, 1, 2, 10, tzinfo=UTC))  # fmt: skip
    assert edit.file == str(tmp_path / "real.toml")
    assert (tmp_path / "link.toml").is_symlink()
    assert [type(e.change) for e in load_course(tmp_path / "real.toml").history] == [Omit]
    assert (tmp_path / "real.toml.bak").is_file()


def test_a_course_is_told_from_a_regimen_by_its_top_level_keys(tmp_path: Path) -> None:
    """is_course_file reads only what comes before the first table when it can: a course names
    its regimen there; a regimen has [[phases]]. A top-level multi-line string with a line that
    starts with "[" is read whole instead. A file that names a regimen at the top and breaks
    further down is a course, so its error is the course reader's."""
    from scheduler.course.file import is_course_file
    from tests.helpers import REPO

    course = tmp_path / "c.toml"
    course.write_text(COURSE, encoding="utf-8")
    assert is_course_file(course)
    assert not is_course_file(REPO / "regimens" / "aldesleukin-sc.toml")
    tricky = tmp_path / "t.toml"
    tricky.write_text(COURSE.replace('regimen = "aldesleukin-sc"',
                                     'label = """Jo\n[not a table]\n"""\nregimen = "aldesleukin-sc"'),
                      encoding="utf-8")  # fmt: skip
    assert is_course_file(tricky)
    broken = tmp_path / "b.toml"
    broken.write_text('regimen = "aldesleukin-sc"\n[closures\n', encoding="utf-8")
    assert is_course_file(broken)
    with pytest.raises(CourseError, match="not valid TOML"):
        load_course(broken)
    garbage = tmp_path / "g.toml"
    garbage.write_text('regimen = "aldesleukin-sc\n', encoding="utf-8")
    assert not is_course_file(garbage)
    calendar = tmp_path / "x.ics"
    calendar.write_text(COURSE, encoding="utf-8")
    assert not is_course_file(calendar)


def test_a_course_too_big_to_read_again_is_never_written(tmp_path: Path) -> None:
    """4,000 records each with a 1,000-character note make a file of about 4.6 MB, past the
    4 MB a course file may be: writing it is refused before anything is written (it could not
    be read back), while the same records with short notes are written and read back."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from scheduler.course.file import MAX_FILE_BYTES, save_course
    from scheduler.course.records import Record, Status

    course = parse_course(COURSE)
    at = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)
    records = tuple(
        Record(at=at, event=f"e{n}@treatment-scheduler", status=Status.GIVEN, note="n" * 1_000)
        for n in range(4_000)
    )
    path = tmp_path / "c.toml"
    with pytest.raises(CourseError, match=r"^the course file would be 4\.\d MB, over the 4 MB"):
        save_course(replace(course, records=records), path, new=True)
    assert not path.exists()
    short = tuple(replace(r, note="ok") for r in records)
    save_course(replace(course, records=short), path, new=True)
    assert path.stat().st_size < MAX_FILE_BYTES
    assert load_course(path).records == short
