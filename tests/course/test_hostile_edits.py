"""Hostile input to the nurse's commands (issue 20): dose changes, holds, delay scopes,
withdrawals, switches and records, and hand edits of the history and the records. Each case
runs the real command in a subprocess and must end in one clean ``Error:`` line, a non-zero exit
and every file in the folder byte-for-byte as it was (no course written, no ``.bak`` made).

The clock is Tue 5 Jan 2027 10:00 UTC: the fixture course (aldesleukin SC from Mon 4 Jan 2027,
injections at 09:00) has its cycle 1, day 1 dose due and cycle 2 ahead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_hostile import COURSE, FIFO, HISTORY, TIMEOUT, Case, _make, assert_refused, snapshot

NOW = "2027-01-05T10:00:00Z"


def scheduler(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEDULER_NOW": NOW, "TZ": "UTC", "NO_COLOR": "1", "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "scheduler", *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)  # fmt: skip


def first_uid(folder: Path) -> str:
    """The UID of cycle 1, day 1's injection, as the plan gives it."""
    done = scheduler(["plan", "course.toml", "--format", "json", "-o", "-"], folder)
    assert done.returncode == 0, done.stderr
    event = next(e for e in json.loads(done.stdout)["events"] if e["kind"] == "dose")
    assert event["start"].startswith("2027-01-04T09:00")
    return str(event["uid"])


DELAY = 'action = "delay"\nphase = 1\ncycle = 2\ndays = 7'
RECORD = """
[[records]]
at = 2027-01-04T12:00:00Z
event = "EVENT"
status = "given"
what = "Aldesleukin injection — cycle 1, day 1 (Mon 4 Jan 2027 09:00)"
by = "nurse.a"
"""
LATER = HISTORY.replace("10:00:00Z", "11:00:00Z")


def history(change: str) -> str:
    return COURSE + HISTORY.replace(DELAY, change)


def records(old: str = "", new: str = "", times: int = 1) -> str:
    """The course with a record of cycle 1, day 1 (EVENT is put in by the test), edited."""
    return COURSE + RECORD.replace(old, new) * times


C = ["course"]
DOSE = [*C, "dose", "course.toml", "--drug", "aldesleukin", "--from-cycle", "2", "--reason", "x"]
GIVEN = [*C, "given", "course.toml", "--cycle", "1", "--day", "1"]
SWITCH = [*C, "switch", "course.toml"]

CASES: dict[str, Case] = {
    # -- dose changes and holds -----------------------------------------------------------
    "dose-percent-huge": Case([*DOSE, "--percent", "1e999"], "--percent: a dose percentage must be more than 0 and at most 200 (75 for a 25 % reduction), got 1E+999"),
    "dose-percent-zero": Case([*DOSE, "--percent", "0"], "at most 200 (75 for a 25 % reduction), got 0"),
    "dose-percent-300": Case([*DOSE, "--percent", "300"], "got 300"),
    "dose-percent-nan": Case([*DOSE, "--percent", "nan"], "got NaN"),
    "dose-percent-text": Case([*DOSE, "--percent", "most"], "--percent 'most' is not a number (e.g. --percent 75)"),
    "dose-amount-garbage": Case([*DOSE, "--amount", "lots"], "--amount: 'lots' is not a dose amount"),
    "dose-amount-huge": Case([*DOSE, "--amount", "9" * 5000 + " mg"], "is far too larg"),
    "dose-both": Case([*DOSE, "--amount", "1 mg", "--percent", "50"], "give exactly one of --percent P or --amount AMOUNT"),
    "dose-neither": Case(DOSE, "give exactly one of --percent P or --amount AMOUNT"),
    "dose-no-reason": Case([*DOSE[:-2], "--percent", "50"], "Missing option '--reason'", code=2),
    "dose-unknown-drug": Case([*C, "dose", "course.toml", "--drug", "cisplatin", "--from-cycle", "2", "--percent", "50", "--reason", "x"], "--drug: unknown drug 'cisplatin' (allowed: aldesleukin)"),
    "dose-cycle-huge": Case([*C, "dose", "course.toml", "--drug", "aldesleukin", "--from-cycle", "99999999999", "--percent", "50", "--reason", "x"], "--cycle must be from 1 to 100,000, got 99,999,999,999"),
    "dose-no-amount-in-regimen": Case([*DOSE, "--amount", "5 mL"], "the regimen states no amount for 'aldesleukin' to change"),
    "hold-unknown-drug": Case([*C, "hold", "course.toml", "--drug", "x", "--cycle", "2", "--reason", "x"], "--drug: unknown drug 'x' (allowed: aldesleukin)"),
    "hold-cycle-outside": Case([*C, "hold", "course.toml", "--drug", "aldesleukin", "--cycle", "9"], "changes nothing in the plan (the plan has cycles 1 to 3 of phase 1)"),
    # -- delay scopes -------------------------------------------------------------------------
    "delay-scope-unknown": Case([*C, "delay", "course.toml", "--cycle", "2", "--days", "1", "--scope", "everything"], "--scope must be one of later, day, rest-of-cycle, day-in-later-cycles, got 'everything'"),
    "delay-scope-day-without-day": Case([*C, "delay", "course.toml", "--cycle", "2", "--days", "1", "--scope", "day"], "--day: a delay of scope day needs the cycle day"),
    "delay-days-and-to": Case([*C, "delay", "course.toml", "--cycle", "2", "--days", "1", "--to", "2027-03-01"], "give exactly one of --days D or --to YYYY-MM-DD"),
    "delay-reason-escape": Case([*C, "delay", "course.toml", "--cycle", "2", "--days", "1", "--reason", "a\x1b[2Jb"], "--reason contains a control character (U+001B) at character 2"),
    "delay-by-newline": Case([*C, "delay", "course.toml", "--cycle", "2", "--days", "1", "--by", "nurse\nb"], "--by contains a control character (U+000A) at character 6"),
    # -- withdrawals ----------------------------------------------------------------------------
    "withdraw-entry-0": Case([*C, "withdraw", "course.toml", "--entry", "0", "--reason", "x"], "--entry: entry must be an entry number from 1, got 0"),
    "withdraw-nothing-recorded": Case([*C, "withdraw", "course.toml", "--entry", "1", "--reason", "x"], "refused: there is no earlier entry to withdraw"),
    "withdraw-entry-huge": Case([*C, "withdraw", "course.toml", "--entry", "99999999999", "--reason", "x"], "there is no entry 99999999999 before it (entries 1 to 1 can be withdrawn)", files={"course.toml": COURSE + HISTORY}),
    "withdraw-twice": Case([*C, "withdraw", "course.toml", "--entry", "1", "--reason", "x"], "refused: entry 1 is already withdrawn", files={"course.toml": COURSE + HISTORY + LATER.replace(DELAY, 'action = "withdraw"\nentry = 1')}),
    "withdraw-a-withdrawal": Case([*C, "withdraw", "course.toml", "--entry", "2", "--reason", "x"], "entry 2 is itself a withdrawal: record its change again instead", files={"course.toml": COURSE + HISTORY + LATER.replace(DELAY, 'action = "withdraw"\nentry = 1')}),
    # -- switches -------------------------------------------------------------------------------
    "switch-dev-zero": Case([*SWITCH, "--to", "/dev/zero", "--from", "2027-03-01"], "--to: /dev/zero: is a device, not a regimen file: give a regular file"),
    "switch-folder": Case([*SWITCH, "--to", "folder", "--from", "2027-03-01"], "--to: folder: is a folder, not a regimen file"),
    "switch-fifo": Case([*SWITCH, "--to", "pipe", "--from", "2027-03-01"], "--to: pipe: is a named pipe (FIFO), not a regimen file", files={"pipe": FIFO}),
    "switch-unknown": Case([*SWITCH, "--to", "nothing", "--from", "2027-03-01"], "--to: unknown regimen 'nothing' (bundled: aldesleukin-hd-iv"),
    "switch-broken-regimen": Case([*SWITCH, "--to", "bad.toml", "--from", "2027-03-01"], "--to: bad.toml", files={"bad.toml": "[[phases\n"}),
    "switch-past": Case([*SWITCH, "--to", "imatinib-daily", "--from", "2026-12-01", "--cycles", "2"], "Tue 1 Dec 2026 is before today (Tue 5 Jan 2027); record only changes from today on"),
    "switch-year-9999": Case([*SWITCH, "--to", "imatinib-daily", "--from", "9999-12-31"], "--from 9999-12-31 is outside the dates this tool plans (1900-01-01 to 2999-12-31)"),
    "switch-not-a-date": Case([*SWITCH, "--to", "imatinib-daily", "--from", "2027-02-30"], "--from '2027-02-30' is not a real date"),
    "switch-cycles-huge": Case([*SWITCH, "--to", "imatinib-daily", "--from", "2027-03-01", "--cycles", "99999999"], "--cycles must be from 1 to 10,000, got 99,999,999"),
    # -- records --------------------------------------------------------------------------------
    "record-status-unknown": Case([*C, "record", "course.toml", "--status", "done", "--cycle", "1", "--day", "1"], "--status must be one of given, missed, refused, given-elsewhere, confirmed, deferred, cancelled, got 'done'"),
    "record-kind-unknown": Case([*C, "record", "course.toml", "--status", "confirmed", "--cycle", "1", "--day", "1", "--kind", "xray"], "--kind must be one of dose, lab, visit, got 'xray'"),
    "record-confirm-a-dose": Case([*C, "record", "course.toml", "--status", "confirmed", "--cycle", "1", "--day", "1", "--drug", "aldesleukin"], "there is no dose of aldesleukin on cycle 1, day 1 in the plan to record as confirmed"),
    "missed-why-unknown": Case([*C, "missed", "course.toml", "--cycle", "1", "--day", "1", "--why", "lazy"], "--why must be one of unwell, low-counts"),
    "given-ahead": Case([*C, "given", "course.toml", "--cycle", "2", "--day", "1"], "is on Mon 8 Feb 2027: record what happened to a dose once it is due"),
    "given-cycle-outside": Case([*C, "given", "course.toml", "--cycle", "99", "--day", "1"], "there is no dose on cycle 99, day 1 in the plan to record as given"),
    "given-slot-huge": Case([*GIVEN, "--slot", "99999999999"], "--slot must be from 1 to 10,000, not 99,999,999,999"),
    "given-time-25": Case([*GIVEN, "--time", "25:00"], "--time: '25:00' is not a time of day"),
    "given-time-bad-date": Case([*GIVEN, "--time", "2027-01-04T25:00"], "--time '2027-01-04T25:00' is not a time (HH:MM, or YYYY-MM-DDTHH:MM)"),
    "given-time-after-now": Case([*GIVEN, "--time", "2027-01-09T09:00"], "the time given (2027-01-09T09:00:00+00:00) is after it was recorded"),
    "given-date-not-real": Case([*GIVEN, "--date", "2027-02-30"], "--date '2027-02-30' is not a real date"),
    "given-date-9999": Case([*GIVEN, "--date", "9999-12-31"], "there is no dose on cycle 1, day 1 on Fri 31 Dec 9999 in the plan"),
    "given-amount-garbage": Case([*GIVEN, "--amount", "lots"], "--amount: 'lots' is not a dose amount"),
    "given-amount-negative": Case([*GIVEN, "--amount", "-5 mg"], "--amount: '-5 mg' is not a dose amount"),
    "given-amount-per-m2": Case([*GIVEN, "--amount", "100 mg/m2"], "the amount given is what was given (e.g. 150 mg)"),
    "given-note-huge": Case([*GIVEN, "--note", "x" * 100_000], "note is a text of at most 1,000 characters"),
    "given-note-escape": Case([*GIVEN, "--note", "ok\x1b[2J"], "--note contains a control character (U+001B) at character 3"),
    "given-note-surrogate": Case([*GIVEN, "--note", "a\udcffb"], "contains a lone surrogate \\udcff at character 2"),
    "given-by-newline": Case([*GIVEN, "--by", "nurse\nb"], "--by contains a control character (U+000A) at character 6"),
    "given-by-huge": Case([*GIVEN, "--by", "n" * 5000], "by is a text of at most 200 characters"),
    # -- hand-edited history ------------------------------------------------------------------
    "history-percent-300": Case(["plan", "course.toml", "-o", "-"], "history[0].percent: a dose percentage must be more than 0 and at most 200", files={"course.toml": history('action = "dose"\ndrug = "aldesleukin"\nphase = 1\ncycle = 2\npercent = 300\nreason = "x"')}),
    "history-dose-no-reason": Case(["plan", "course.toml", "-o", "-"], "history[0]: missing field 'reason' for dose", files={"course.toml": history('action = "dose"\ndrug = "aldesleukin"\nphase = 1\ncycle = 2\npercent = 50')}),
    "history-switch-dev-zero": Case(["plan", "course.toml", "-o", "-"], "/dev/zero: is a device", files={"course.toml": history('action = "switch"\nregimen = "/dev/zero"\nfrom = 2027-03-01')}),
    "history-withdraw-itself": Case(["plan", "course.toml", "-o", "-"], "history[0].entry: there is no earlier entry to withdraw", files={"course.toml": history('action = "withdraw"\nentry = 1')}),
    "history-withdraw-later-entry": Case(["plan", "course.toml", "-o", "-"], "history[1].entry: there is no entry 5 before it (entries 1 to 1 can be withdrawn)", files={"course.toml": COURSE + HISTORY + LATER.replace(DELAY, 'action = "withdraw"\nentry = 5')}),
    "history-scope-unknown": Case(["plan", "course.toml", "-o", "-"], "history[0].scope: scope must be one of later, day, rest-of-cycle, day-in-later-cycles, got 'everything'", files={"course.toml": history(DELAY + '\nscope = "everything"')}),
    "history-hold-unknown-drug": Case(["plan", "course.toml", "-o", "-"], "history[0].drug: unknown drug 'cisplatin' (allowed: aldesleukin)", files={"course.toml": history('action = "hold"\ndrug = "cisplatin"\nphase = 1\ncycle = 2')}),
    "history-out-of-order": Case(["plan", "course.toml", "-o", "-"], "history[1].at: 2027-01-02 10:00 UTC is before the entry above it (2027-01-02 11:00 UTC): changes are kept in the order they were recorded", files={"course.toml": COURSE + LATER + HISTORY.replace("days = 7", "days = 3")}),
    "history-reason-escape": Case(["course", "show", "course.toml"], "history[0]: reason contains a control character (U+001B)", files={"course.toml": history(DELAY + '\nreason = "a\\u001b[2Jb"')}),
    # -- hand-edited records ---------------------------------------------------------------------
    "records-status-unknown": Case(["course", "show", "course.toml"], "records[0].status: status must be one of given, missed", files={"course.toml": records('"given"', '"done"')}),
    "records-at-naive": Case(["course", "show", "course.toml"], "records[0].at: expected the time it was recorded, in UTC (at = 2027-01-10T09:12:00Z), got 2027-01-04T12:00:00", files={"course.toml": records("12:00:00Z", "12:00:00")}),
    "records-time-naive": Case(["course", "show", "course.toml"], "records[0].time: expected the time it was given, with its offset", files={"course.toml": records('by = "nurse.a"', 'by = "nurse.a"\ntime = 2027-01-04T09:10:00')}),
    "records-event-huge": Case(["course", "show", "course.toml"], "records[0]: a record names an event by its UID", files={"course.toml": records("EVENT", "x" * 5000)}),
    "records-amount-garbage": Case(["course", "show", "course.toml"], "course.toml:25: records[0].amount: 'lots' is not a dose amount", files={"course.toml": records('by = "nurse.a"', 'by = "nurse.a"\namount = "lots"')}),
    "records-reason-unknown": Case(["course", "show", "course.toml"], "reason must be one of unwell, low-counts", files={"course.toml": records('by = "nurse.a"', 'by = "nurse.a"\nreason = "lazy"')}),
    "records-unknown-field": Case(["course", "show", "course.toml"], "records[0].statu: unknown field 'statu' (did you mean 'status'?", files={"course.toml": records('by = "nurse.a"', 'by = "nurse.a"\nstatu = "x"')}),
    "records-out-of-order": Case(["course", "show", "course.toml"], "records are kept in the order they were recorded (by at)", files={"course.toml": records() + RECORD.replace("12:00", "11:00")}),
    "records-too-many": Case(["course", "show", "course.toml"], "records: 5,001 records: a course holds at most 5,000", files={"course.toml": records(times=5001)}),
    "records-note-newline": Case(["course", "show", "course.toml"], "note contains a control character (U+000A)", files={"course.toml": records('by = "nurse.a"', 'by = "nurse.a"\nnote = "a\\nb"')}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_edit_is_refused_cleanly(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    _make(tmp_path, {})
    if any("EVENT" in spec for spec in case.files.values() if isinstance(spec, str)):
        uid = first_uid(tmp_path)
        files = {
            k: v.replace("EVENT", uid) if isinstance(v, str) else v for k, v in case.files.items()
        }
    else:
        files = case.files
    _make_files(tmp_path, files)
    before = snapshot(tmp_path)
    result = scheduler(case.argv, tmp_path)
    assert_refused(result, case.code, case.expect)
    assert snapshot(tmp_path) == before
    assert not list(tmp_path.glob("*.bak"))


def _make_files(folder: Path, files: dict[str, object]) -> None:
    """The case's own files over the fixture (``_make`` made the folder already)."""
    for name, spec in files.items():
        path = folder / name
        if spec is FIFO:
            os.mkfifo(path)
        elif isinstance(spec, str):
            path.write_text(spec)
            path.chmod(0o600)


def test_every_new_command_has_hostile_cases() -> None:
    commands = {case.argv[1] for case in CASES.values() if case.argv[0] == "course"}
    assert {"dose", "hold", "delay", "withdraw", "switch", "record", "given", "missed"} <= commands
    assert len(CASES) >= 60


def test_dry_run_of_each_new_command_writes_nothing(tmp_path: Path) -> None:
    _make(tmp_path, {})
    made = scheduler([*C, "new", "carboplatin-paclitaxel-q21d", "--start", "2027-01-12", "--cycles", "4",
                      "--tz", "Europe/London", "--weight", "70", "--height", "170", "--gfr", "80",
                      "-o", "cp.toml"], tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    before = snapshot(tmp_path)
    for argv in (
        [*C, "dose", "cp.toml", "--drug", "paclitaxel", "--from-cycle", "2", "--percent", "75", "--reason", "neuropathy", "--dry-run"],
        [*C, "hold", "cp.toml", "--drug", "carboplatin", "--cycle", "2", "--dry-run"],
        [*C, "delay", "course.toml", "--cycle", "1", "--day", "3", "--days", "1", "--scope", "rest-of-cycle", "--dry-run"],
        [*SWITCH, "--to", "imatinib-daily", "--from", "2027-03-01", "--cycles", "2", "--dry-run"],
    ):  # fmt: skip
        done = scheduler(argv, tmp_path)
        assert done.returncode == 0, (argv, done.stderr)
        assert done.stdout.startswith(f"Dry run, nothing written to {argv[2]}: "), done.stdout
    assert snapshot(tmp_path) == before


def test_an_edit_through_a_symlink_changes_the_file_it_points_to(tmp_path: Path) -> None:
    """A nurse's link to a shared course file edits that file and keeps the link a link."""
    _make(tmp_path, {})
    (tmp_path / "link.toml").symlink_to(tmp_path / "course.toml")
    done = scheduler([*C, "delay", "link.toml", "--cycle", "2", "--days", "7"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "link.toml").is_symlink()
    assert "days = 7" in (tmp_path / "course.toml").read_text()
    assert (tmp_path / "course.toml.bak").read_text() == COURSE


def test_a_record_of_no_event_in_the_plan_is_shown_not_dropped(tmp_path: Path) -> None:
    """A record whose event UID was edited by hand is listed apart, never silently lost."""
    _make(tmp_path, {})
    _make_files(tmp_path, {"course.toml": records("EVENT", "edited@elsewhere")})
    done = scheduler(["course", "show", "course.toml"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Not in this plan (1 record naming no event of it" in done.stdout
    assert (
        "  Aldesleukin injection — cycle 1, day 1 (Mon 4 Jan 2027 09:00): given, by nurse.a"
        in done.stdout
    )


def test_a_date_and_time_given_is_read_in_the_courses_zone(tmp_path: Path) -> None:
    """--time 2027-01-04T09:10 is 09:10 in London (UTC+0 in winter), kept with its offset."""
    _make(tmp_path, {})
    done = scheduler([*GIVEN, "--time", "2027-01-04T09:10"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "time = 2027-01-04T09:10:00Z" in (tmp_path / "course.toml").read_text() or (
        "time = 2027-01-04T09:10:00+00:00" in (tmp_path / "course.toml").read_text()
    )
