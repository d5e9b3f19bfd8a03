"""Parallel writers of the newer course commands: records of what was given (``course given``,
``missed``, ``record``) and edits (``dose``, ``hold``, day-scoped ``delay``, ``withdraw``,
``switch``) run at once on one course file as real processes. Each must succeed or be refused
cleanly, the file must end as the rules say (no record or entry lost, records on the events they
name), a dry run writes nothing, and a reader never sees half a file.

Expected dates are written by hand from the published schedules: aldesleukin-sc injects at 09:00
on days 1-5, 8-12, 15-19 and 22-26 of 35-day cycles (from Mon 4 Jan 2027: cycle 2 on Mon 8 Feb,
cycle 3 on Mon 15 Mar); R-CHOP-21 gives day 1 on Mondays 4 Jan, 25 Jan, 15 Feb, 8 Mar, 29 Mar
and 19 Apr 2027. Europe/London is on UTC until 28 Mar 2027."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import tomllib
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from scheduler.course.file import load_course
from scheduler.course.history import Switch, Withdraw
from scheduler.course.model import Course
from scheduler.course.records import Status, current_records
from scheduler.errors import CourseError
from scheduler.files import locked
from scheduler.plan.changes import Delay, DoseChange, Hold, Omit, Scope
from tests.course.test_concurrency import ENV

#: Before cycle 1 (Sat 2 Jan 2027): nothing is past yet.
BEFORE = "2027-01-02T10:00:00Z"
#: Sat 30 Jan 2027: every dose of cycle 1 (the last on Fri 29 Jan) is due.
AFTER_CYCLE_1 = "2027-01-30T10:00:00Z"
#: How long any one command may take, waiting for the others included: far less than forever.
TIMEOUT = 90

#: aldesleukin-sc cycle 1 from Mon 4 Jan 2027: cycle day -> the injection as `what` names it.
CYCLE_1 = {
    1: "Mon 4 Jan 2027 09:00", 2: "Tue 5 Jan 2027 09:00", 3: "Wed 6 Jan 2027 09:00",
    4: "Thu 7 Jan 2027 09:00", 5: "Fri 8 Jan 2027 09:00", 8: "Mon 11 Jan 2027 09:00",
    9: "Tue 12 Jan 2027 09:00", 10: "Wed 13 Jan 2027 09:00", 11: "Thu 14 Jan 2027 09:00",
    12: "Fri 15 Jan 2027 09:00", 22: "Mon 25 Jan 2027 09:00", 23: "Tue 26 Jan 2027 09:00",
    24: "Wed 27 Jan 2027 09:00", 25: "Thu 28 Jan 2027 09:00", 26: "Fri 29 Jan 2027 09:00",
}  # fmt: skip

Result = tuple[int, str, str]


def launch(
    cwd: Path, *argv: str, now: str | None = BEFORE, user: str = ""
) -> subprocess.Popen[str]:
    """``python -m scheduler ARGV`` in ``cwd``, on the clock ``now`` (None: the real clock),
    recorded by ``user``."""
    env = {**ENV, "SCHEDULER_NOW": now or "", "SCHEDULER_USER": user}
    return subprocess.Popen(
        [sys.executable, "-m", "scheduler", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait(processes: list[subprocess.Popen[str]]) -> list[Result]:
    """Each process's exit code, stdout and stderr (none may hang)."""
    out = []
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise AssertionError(f"{process.args!r} still running after {TIMEOUT} s") from None
        out.append((process.returncode, stdout, stderr))
    return out


def run(cwd: Path, *argv: str, now: str | None = BEFORE, user: str = "") -> str:
    """One command that must succeed; its stdout."""
    [(code, out, err)] = wait([launch(cwd, *argv, now=now, user=user)])
    assert (code, err) == (0, ""), err
    return out


def new_course(cwd: Path, regimen: str, *options: str) -> Path:
    run(cwd, "course", "new", regimen, "--start", "2027-01-04", "--tz", "Europe/London",
        "-o", "c.toml", *options)  # fmt: skip
    return cwd / "c.toml"


def plan_json(cwd: Path, now: str) -> list[dict[str, Any]]:
    """The course's events as ``plan c.toml --format json`` writes them."""
    events: list[dict[str, Any]] = json.loads(run(cwd, "plan", "c.toml", "--format", "json",
                                                  now=now))["events"]  # fmt: skip
    return events


def find(events: list[dict[str, Any]], drug: str, cycle: int, day: int) -> list[dict[str, Any]]:
    return [e for e in events if e["drug"] == drug and (e["cycle"], e["day"]) == (cycle, day)]


def only(events: list[dict[str, Any]], drug: str, cycle: int, day: int) -> dict[str, Any]:
    [event] = [e for e in find(events, drug, cycle, day) if e["status"] != "cancelled"]
    return event


def assert_only_course_left(cwd: Path) -> None:
    assert sorted(p.name for p in cwd.iterdir()) == ["c.toml", "c.toml.bak"]


def refused(result: Result, *words: str) -> bool:
    """Refused cleanly: exit code 1, one ``Error: ...`` line saying ``words``, no traceback."""
    code, _out, err = result
    return (
        code == 1
        and err.startswith("Error: ")
        and err.count("\n") <= 1
        and "Traceback" not in err
        and all(w in err for w in words)
    )


# -- records ------------------------------------------------------------------------------------


def test_ten_nurses_record_ten_home_doses_at_once_all_survive(tmp_path: Path) -> None:
    """Ten nurses record ten different injections of cycle 1 at once (given, missed, refused):
    every record is kept, on the event it names, with who recorded it."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    days = [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]
    commands: dict[int, tuple[str, ...]] = {
        d: ("course", "given", "c.toml", "--cycle", "1", "--day", str(d)) for d in days
    }
    commands[11] = ("course", "missed", "c.toml", "--cycle", "1", "--day", "11", "--why", "forgot")
    commands[12] = ("course", "record", "c.toml", "--status", "refused", "--cycle", "1",
                    "--day", "12", "--why", "patient-choice")  # fmt: skip
    results = wait(
        [launch(tmp_path, *commands[d], now=AFTER_CYCLE_1, user=f"nurse {d}") for d in days]
    )
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(days)

    course = load_course(course_file)
    assert len(course.records) == 10
    by_what = {r.what: r for r in course.records}
    for day in days:
        record = by_what[f"Aldesleukin injection — cycle 1, day {day} ({CYCLE_1[day]})"]
        assert record.by == f"nurse {day}"
        expected = {11: Status.MISSED, 12: Status.REFUSED}.get(day, Status.GIVEN)
        assert record.status == expected
    assert len({r.event for r in course.records}) == 10
    # Each record sits on the injection it names in the plan.
    events = plan_json(tmp_path, AFTER_CYCLE_1)
    for day in days:
        event = only(events, "Aldesleukin", 1, day)
        assert event["start"] == f"2027-01-{int(CYCLE_1[day].split()[1]):02d}T09:00:00+00:00"
        assert event["record"]["by"] == f"nurse {day}"
    assert sum(e["record"] is not None for e in events) == 10
    # 20 injections were due by Sat 30 Jan: 8 given, 1 missed, 1 refused, 10 not recorded.
    shown = run(tmp_path, "course", "show", "c.toml", now=AFTER_CYCLE_1)
    assert "Recorded (10 events):" in shown
    assert "20 home doses due: 8 given, 1 missed, 1 refused, 10 not recorded (40 % taken)" in shown
    assert_only_course_left(tmp_path)


def test_nurses_recording_the_same_dose_at_once_one_wins(tmp_path: Path) -> None:
    """Four nurses record the same injection as given at once: the first is recorded, the rest
    are refused as the same record (by is not part of what a record says); with --again, two
    more nurses both add theirs."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    given = ("course", "given", "c.toml", "--cycle", "1", "--day", "3")
    results = wait([launch(tmp_path, *given, now=AFTER_CYCLE_1, user=f"nurse {n}")
                    for n in range(4)])  # fmt: skip
    assert sum(code == 0 for code, _, _ in results) == 1, results
    for result in results:
        if result[0]:
            assert refused(result, "already recorded as given", "--again"), result
    course = load_course(course_file)
    [record] = course.records
    assert record.what == "Aldesleukin injection — cycle 1, day 3 (Wed 6 Jan 2027 09:00)"
    assert record.status == Status.GIVEN
    winner = next(n for n, (code, _, _) in enumerate(results) if code == 0)
    assert record.by == f"nurse {winner}"

    again = wait([launch(tmp_path, *given, "--again", now=AFTER_CYCLE_1, user=f"nurse {n}")
                  for n in (8, 9)])  # fmt: skip
    assert [(code, err) for code, _, err in again] == [(0, "")] * 2
    course = load_course(course_file)
    assert len(course.records) == 3
    assert {r.event for r in course.records} == {record.event}
    assert sorted(r.by for r in course.records[1:]) == ["nurse 8", "nurse 9"]
    assert_only_course_left(tmp_path)


def test_two_different_records_of_one_dose_at_once_the_later_corrects(tmp_path: Path) -> None:
    """One nurse records Wed 6 Jan's injection as given at 09:20, another as missed, at once:
    both are kept (a later record corrects an earlier one), and the one in force everywhere is
    whichever was written last."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    results = wait([
        launch(tmp_path, "course", "given", "c.toml", "--cycle", "1", "--day", "3",
               "--time", "09:20", now=AFTER_CYCLE_1, user="nurse A"),
        launch(tmp_path, "course", "missed", "c.toml", "--cycle", "1", "--day", "3",
               "--why", "forgot", now=AFTER_CYCLE_1, user="nurse B"),
    ])  # fmt: skip
    assert [(code, err) for code, _, err in results] == [(0, "")] * 2
    course = load_course(course_file)
    assert len(course.records) == 2
    assert len({r.event for r in course.records}) == 1
    assert {(r.by, r.status) for r in course.records} == {
        ("nurse A", Status.GIVEN),
        ("nurse B", Status.MISSED),
    }
    for r in course.records:
        assert r.what == "Aldesleukin injection — cycle 1, day 3 (Wed 6 Jan 2027 09:00)"
        if r.status == Status.GIVEN:
            assert r.time is not None and r.time.isoformat() == "2027-01-06T09:20:00+00:00"
    last = course.records[-1]
    assert current_records(course.records) == {last.event: last}
    [event] = find(plan_json(tmp_path, AFTER_CYCLE_1), "Aldesleukin", 1, 3)
    assert (event["record"]["status"], event["record"]["by"]) == (last.status.value, last.by)
    shown = run(tmp_path, "course", "show", "c.toml", now=AFTER_CYCLE_1)
    said = "given at 09:20, by nurse A" if last.by == "nurse A" else "missed: forgotten, by nurse B"
    assert f"Wed 6 Jan 2027 09:00  Aldesleukin injection — cycle 1, day 3: {said}" in shown
    assert "Recorded (1 event):" in shown
    assert_only_course_left(tmp_path)


def test_records_racing_edits_stay_on_their_events(tmp_path: Path) -> None:
    """Records of cycle 1's last week and a confirmed blood test of cycle 2, at once with a
    delay of cycle 2 and an omission in cycle 3: every record keeps the UID of the event it was
    made for, which the delay moves (it does not make a new event)."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "3")
    uids = {(e["kind"], e["cycle"], e["day"]): e["uid"] for e in plan_json(tmp_path, BEFORE)}
    late = [22, 23, 24, 25, 26]
    processes = [
        launch(tmp_path, "course", "given", "c.toml", "--cycle", "1", "--day", str(d),
               now=AFTER_CYCLE_1, user=f"nurse {d}")
        for d in late
    ]  # fmt: skip
    processes += [
        launch(tmp_path, "course", "record", "c.toml", "--status", "confirmed", "--cycle", "2",
               "--day", "-1", "--kind", "lab", now=AFTER_CYCLE_1, user="clerk"),
        launch(tmp_path, "course", "delay", "c.toml", "--cycle", "2", "--days", "7",
               "--reason", "neutrophils 0.9", now=AFTER_CYCLE_1, user="doctor"),
        launch(tmp_path, "course", "omit", "c.toml", "--cycle", "3", "--day", "1",
               now=AFTER_CYCLE_1, user="doctor"),
    ]  # fmt: skip
    results = wait(processes)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(processes)

    course = load_course(course_file)
    assert sorted(type(e.change).__name__ for e in course.history) == ["Delay", "Omit"]
    assert len(course.records) == 6
    expected = {uids[("dose", 1, d)]: ("nurse", Status.GIVEN) for d in late}
    expected[uids[("lab", 2, -1)]] = ("clerk", Status.CONFIRMED)
    assert {r.event: (r.by.split()[0], r.status) for r in course.records} == expected
    events = {e["uid"]: e for e in plan_json(tmp_path, AFTER_CYCLE_1)}
    for day in late:
        event = events[uids[("dose", 1, day)]]
        assert (event["cycle"], event["day"], event["record"]["status"]) == (1, day, "given")
        assert event["start"] == f"2027-01-{day + 3}T09:00:00+00:00"  # day 22 is Mon 25 Jan
    # The blood test before cycle 2 moved with it, from Sun 7 to Sun 14 Feb, record and all.
    lab = events[uids[("lab", 2, -1)]]
    assert (lab["start"], lab["status"], lab["record"]["status"]) == (
        "2027-02-14",
        "confirmed",
        "confirmed",
    )
    assert only(list(events.values()), "Aldesleukin", 2, 1)["start"] == "2027-02-15T09:00:00+00:00"
    # Cycle 3 follows (Mon 22 Mar, after the week of delay), its day 1 omitted.
    assert only(list(events.values()), "Aldesleukin", 3, 2)["start"] == "2027-03-23T09:00:00+00:00"
    assert (
        find([e for e in events.values() if e["status"] != "cancelled"], "Aldesleukin", 3, 1) == []
    )
    assert_only_course_left(tmp_path)


def test_parallel_writers_on_the_real_clock_are_not_refused_as_out_of_order(
    tmp_path: Path,
) -> None:
    """Nurses on the real clock (no SCHEDULER_NOW), their commands started a few tenths of a
    second apart while another edit holds the file: when it lets go, all eight records and four
    omissions land. Each command reads the clock when it starts, before it waits its turn, and
    the turns are not first come first served, so a command that started in an earlier second
    may write after one that started in a later one: that is no reason to refuse it ("records
    run forward (check the clock ...)"), as every clock was right."""
    course_start = date.today() - timedelta(days=40)  # cycle 1 is past, cycle 3 ahead
    course_file = tmp_path / "c.toml"
    run(tmp_path, "course", "new", "aldesleukin-sc", "--start", course_start.isoformat(),
        "--cycles", "3", "--tz", "Europe/London", "-o", "c.toml", now=None)  # fmt: skip
    commands = [("given", "--cycle", "1", "--day", str(d)) for d in (1, 2, 3, 4, 5, 8, 9, 10)]
    commands += [("omit", "--cycle", "3", "--day", str(d)) for d in (1, 2, 3, 4)]
    processes = []
    with locked(course_file, error=CourseError):
        for n, (command, *options) in enumerate(commands):
            processes.append(launch(tmp_path, "course", command, "c.toml", *options, now=None,
                                    user=f"nurse {n}"))  # fmt: skip
            time.sleep(0.3)  # their clocks span about four seconds
        # Let go only once every command has read its clock and waits for the file.
        deadline = time.monotonic() + TIMEOUT
        while not all(_holds_open(p, course_file) for p in processes):
            assert time.monotonic() < deadline, "the commands never came to wait for the file"
            time.sleep(0.05)
    results = wait(processes)
    course = load_course(course_file)
    assert (len(course.records), len(course.history)) == (8, 4), [e for _, _, e in results if e]
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(commands)
    assert_only_course_left(tmp_path)


def _holds_open(process: subprocess.Popen[str], path: Path) -> bool:
    """Whether ``process`` has ``path`` open (Linux): a course command opens the course to lock
    it only after it has read the clock; it stays open while it waits for the lock."""
    folder = Path(f"/proc/{process.pid}/fd")
    try:
        return any(os.readlink(fd) == os.path.realpath(path) for fd in folder.iterdir())
    except OSError:  # it finished or closed the file meanwhile
        return process.poll() is not None


# -- edits --------------------------------------------------------------------------------------


def test_dose_hold_and_day_delay_at_once_on_different_cycles_all_land(tmp_path: Path) -> None:
    """R-CHOP-21: a new doxorubicin dose from cycle 2, vincristine held in cycle 3 and cycle 4's
    day 5 prednisone put off a day, recorded at once: all three are in the history and the plan
    is all three together, whatever order they were written in."""
    course_file = new_course(tmp_path, "r-chop-21", "--weight", "70", "--height", "170")
    processes = [
        launch(tmp_path, "course", "dose", "c.toml", "--drug", "doxorubicin", "--from-cycle",
               "2", "--amount", "60 mg", "--reason", "mucositis", user="dr A"),
        launch(tmp_path, "course", "hold", "c.toml", "--drug", "vincristine", "--cycle", "3",
               "--reason", "neuropathy", user="dr B"),
        launch(tmp_path, "course", "delay", "c.toml", "--cycle", "4", "--day", "5", "--days",
               "1", "--scope", "day", "--reason", "clinic trip", user="nurse C"),
    ]  # fmt: skip
    results = wait(processes)
    assert [(code, err) for code, _, err in results] == [(0, "")] * 3

    course = load_course(course_file)
    changes = {type(e.change): (e.change, e.by) for e in course.history}
    assert len(course.history) == 3
    dose, by = changes[DoseChange]
    assert isinstance(dose, DoseChange) and by == "dr A"
    assert (dose.drug, dose.cycle, str(dose.amount)) == ("doxorubicin", 2, "60 mg")
    assert changes[Hold] == (Hold("vincristine", 1, 3), "dr B")
    assert changes[Delay] == (Delay(1, 4, 1, 5, Scope.DAY), "nurse C")

    events = plan_json(tmp_path, BEFORE)
    # Doxorubicin: 50 mg/m² of 1.82 m² (Mosteller, 70 kg, 170 cm) is 91 mg in cycle 1, then 60 mg.
    mondays = ["2027-01-04", "2027-01-25", "2027-02-15", "2027-03-08", "2027-03-29", "2027-04-19"]
    for cycle, monday in enumerate(mondays, start=1):
        doxorubicin = only(events, "Doxorubicin", cycle, 1)
        assert doxorubicin["start"].startswith(f"{monday}T13:00")
        assert doxorubicin["amount"]["text"] == ("91 mg" if cycle == 1 else "60 mg")
        vincristine = find(events, "Vincristine", cycle, 1)
        assert [v["status"] for v in vincristine] == (
            ["cancelled"] if cycle == 3 else ["confirmed"]
        )
        assert only(events, "Rituximab", cycle, 1)["start"].startswith(f"{monday}T09:00")
    # Cycle 4 prednisone: Mon 8 - Thu 11 Mar as planned, day 5 from Fri 12 to Sat 13 Mar.
    prednisone = [only(events, "Prednisone", 4, d)["start"][:16] for d in range(1, 6)]
    assert prednisone == ["2027-03-08T08:00", "2027-03-09T08:00", "2027-03-10T08:00",
                          "2027-03-11T08:00", "2027-03-13T08:00"]  # fmt: skip
    # Only that day: cycle 5's day 5 is still Fri 2 Apr.
    assert only(events, "Prednisone", 5, 5)["start"].startswith("2027-04-02T08:00")
    assert_only_course_left(tmp_path)


def test_identical_delays_typed_at_once_one_lands(tmp_path: Path) -> None:
    """Three nurses type the same delay at once (their reasons differ): one is recorded, the
    others are refused as identical to the last entry. With --again, two more both land."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    results = wait([
        launch(tmp_path, "course", "delay", "c.toml", "--cycle", "2", "--days", "7",
               "--reason", f"counts, nurse {n}", user=f"nurse {n}")
        for n in range(3)
    ])  # fmt: skip
    assert sum(code == 0 for code, _, _ in results) == 1, results
    for result in results:
        if result[0]:
            assert refused(result, "is the same", "--again"), result
    course = load_course(course_file)
    assert [e.change for e in course.history] == [Delay(1, 2, 7)]
    winner = next(n for n, (code, _, _) in enumerate(results) if code == 0)
    assert (course.history[0].by, course.history[0].reason) == (
        f"nurse {winner}",
        f"counts, nurse {winner}",
    )
    # Cycle 2 moves from Mon 8 to Mon 15 Feb.
    assert only(plan_json(tmp_path, BEFORE), "Aldesleukin", 2, 1)["start"].startswith(
        "2027-02-15T09:00"
    )

    again = wait([
        launch(tmp_path, "course", "delay", "c.toml", "--cycle", "2", "--days", "7", "--again",
               user=f"nurse {n}")
        for n in (8, 9)
    ])  # fmt: skip
    assert [(code, err) for code, _, err in again] == [(0, "")] * 2
    course = load_course(course_file)
    assert [e.change for e in course.history] == [Delay(1, 2, 7)] * 3
    # Three weeks in all: cycle 2 on Mon 1 Mar 2027.
    assert only(plan_json(tmp_path, BEFORE), "Aldesleukin", 2, 1)["start"].startswith(
        "2027-03-01T09:00"
    )
    assert_only_course_left(tmp_path)


def _delayed_course(tmp_path: Path) -> Path:
    """aldesleukin-sc, 3 cycles, with entry 1: cycle 2 delayed a week (to Mon 15 Feb)."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "3")
    run(tmp_path, "course", "delay", "c.toml", "--cycle", "2", "--days", "7", user="dr A")
    return course_file


def test_two_nurses_withdraw_the_same_entry_one_is_told_it_is_already_withdrawn(
    tmp_path: Path,
) -> None:
    """Two nurses take back entry 1 at once: one withdrawal is recorded, the other is refused,
    told that entry 1 is already withdrawn (not to add --again: withdraw has no such option)."""
    course_file = _delayed_course(tmp_path)
    results = wait([
        launch(tmp_path, "course", "withdraw", "c.toml", "--entry", "1", "--reason", "typo",
               user=f"nurse {n}")
        for n in (1, 2)
    ])  # fmt: skip
    assert sum(code == 0 for code, _, _ in results) == 1, results
    course = load_course(course_file)
    assert [e.change for e in course.history] == [Delay(1, 2, 7), Withdraw(1)]
    # Cycle 2 is back on Mon 8 Feb, cycle 3 on Mon 15 Mar.
    events = plan_json(tmp_path, BEFORE)
    assert only(events, "Aldesleukin", 2, 1)["start"].startswith("2027-02-08T09:00")
    assert only(events, "Aldesleukin", 3, 1)["start"].startswith("2027-03-15T09:00")
    assert_only_course_left(tmp_path)
    [loser] = [r for r in results if r[0]]
    assert refused(loser, "entry 1 is already withdrawn"), loser[2]
    assert "--again" not in loser[2], loser[2]


def test_withdraw_racing_a_new_delay_both_land(tmp_path: Path) -> None:
    """Entry 1 (cycle 2 a week late) is taken back while another nurse delays cycle 3 by 3
    days: both are recorded, and in either order the plan is cycle 2 as first planned and
    cycle 3 three days late."""
    course_file = _delayed_course(tmp_path)
    results = wait([
        launch(tmp_path, "course", "withdraw", "c.toml", "--entry", "1", user="nurse 1"),
        launch(tmp_path, "course", "delay", "c.toml", "--cycle", "3", "--days", "3",
               user="nurse 2"),
    ])  # fmt: skip
    assert [(code, err) for code, _, err in results] == [(0, "")] * 2
    course = load_course(course_file)
    assert course.history[0].change == Delay(1, 2, 7)
    assert sorted(map(repr, (e.change for e in course.history[1:]))) == sorted(
        [repr(Withdraw(1)), repr(Delay(1, 3, 3))]
    )
    events = plan_json(tmp_path, BEFORE)
    assert only(events, "Aldesleukin", 2, 1)["start"].startswith("2027-02-08T09:00")
    # Cycle 3 from Mon 15 to Thu 18 Mar; its blood test the day before, Wed 17 Mar.
    assert only(events, "Aldesleukin", 3, 1)["start"].startswith("2027-03-18T09:00")
    [lab] = [e for e in events if (e["kind"], e["cycle"], e["day"]) == ("lab", 3, -1)
             and e["status"] != "cancelled"]  # fmt: skip
    assert lab["start"] == "2027-03-17"
    assert_only_course_left(tmp_path)


def test_switch_racing_records_of_doses_before_it(tmp_path: Path) -> None:
    """On Sun 17 Jan one nurse switches the course to capecitabine from Mon 18 Jan while others
    record Thu 14 and Fri 15 Jan's injections: the switch and both records land, the records on
    the aldesleukin injections they name (kept in the plan: they are before the switch)."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    planned = plan_json(tmp_path, BEFORE)
    uids = {d: only(planned, "Aldesleukin", 1, d)["uid"] for d in (11, 12)}
    sunday = "2027-01-17T10:00:00Z"
    results = wait([
        launch(tmp_path, "course", "switch", "c.toml", "--to", "capecitabine-q21d", "--from",
               "2027-01-18", "--cycles", "2", "--reason", "maintenance", now=sunday, user="dr A"),
        # With its date: after the switch, capecitabine has a cycle 1 day 11 and 12 too.
        launch(tmp_path, "course", "given", "c.toml", "--cycle", "1", "--day", "11",
               "--date", "2027-01-14", now=sunday, user="nurse B"),
        launch(tmp_path, "course", "given", "c.toml", "--cycle", "1", "--day", "12",
               "--date", "2027-01-15", now=sunday, user="nurse C"),
    ])  # fmt: skip
    assert [(code, err) for code, _, err in results] == [(0, "")] * 3
    course = load_course(course_file)
    assert [e.change for e in course.history] == [Switch("capecitabine-q21d", date(2027, 1, 18), 2)]
    assert {r.event: r.by for r in course.records} == {uids[11]: "nurse B", uids[12]: "nurse C"}
    events = plan_json(tmp_path, sunday)
    for day, planned_on in ((11, "2027-01-14"), (12, "2027-01-15")):
        event = only(events, "Aldesleukin", 1, day)
        assert (event["uid"], event["start"][:10], event["record"]["status"]) == (
            uids[day],
            planned_on,
            "given",
        )
    # Capecitabine from Mon 18 Jan at 08:00 and 20:00; aldesleukin's Mon 18 Jan is cancelled.
    assert [e["start"][:16] for e in find(events, "Capecitabine", 1, 1)] == [
        "2027-01-18T08:00",
        "2027-01-18T20:00",
    ]
    assert [e["status"] for e in find(events, "Aldesleukin", 1, 15)] == ["cancelled"]
    assert_only_course_left(tmp_path)


# -- dry runs and readers -----------------------------------------------------------------------


def test_dry_runs_beside_real_edits_write_nothing_and_finish(tmp_path: Path) -> None:
    """Dry runs of a delay and of omissions run at once with five real omissions: every
    command finishes (none waits forever), the dry runs say so and the file holds exactly the
    real edits. Dry runs alone (withdrawals too) leave the file and its backup as they were."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    real = [1, 2, 3, 4, 5]
    processes = [launch(tmp_path, "course", "omit", "c.toml", "--cycle", "1", "--day", str(d))
                 for d in real]  # fmt: skip
    dry = [("delay", "--cycle", "2", "--days", "7")]
    dry += [("omit", "--cycle", "1", "--day", str(d)) for d in (8, 9, 10)]
    processes += [launch(tmp_path, "course", c, "c.toml", *a, "--dry-run") for c, *a in dry]
    results = wait(processes)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(processes)
    for _code, out, _err in results[len(real) :]:
        assert out.startswith("Dry run, nothing written to c.toml: "), out
    course = load_course(course_file)
    omitted = [e.change.day for e in course.history if isinstance(e.change, Omit)]
    assert sorted(omitted) == real and len(course.history) == len(real)
    assert_only_course_left(tmp_path)

    before = {p.name: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
              for p in tmp_path.iterdir()}  # fmt: skip
    only_dry = [launch(tmp_path, "course", c, "c.toml", *a, "--dry-run") for c, *a in dry[:2]]
    only_dry += [launch(tmp_path, "course", "withdraw", "c.toml", "--entry", str(n), "--dry-run")
                 for n in (1, 2)]  # fmt: skip
    results = wait(only_dry)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(only_dry)
    after = {p.name: (p.read_bytes(), p.stat().st_ino, p.stat().st_mtime_ns)
             for p in tmp_path.iterdir()}  # fmt: skip
    assert after == before


def test_readers_during_writes_always_see_a_whole_course(tmp_path: Path) -> None:
    """While ten records and four omissions are written, readers run over and over —
    ``course show``, ``plan c.toml --format json`` and the file read directly: every read
    parses, and the number of records and entries never goes back (each read sees one whole
    version)."""
    course_file = new_course(tmp_path, "aldesleukin-sc", "--cycles", "2")
    days = [1, 2, 3, 4, 5, 8, 9, 10, 11, 12]
    writers = [launch(tmp_path, "course", "given", "c.toml", "--cycle", "1", "--day", str(d),
                      now=AFTER_CYCLE_1, user=f"nurse {d}") for d in days]  # fmt: skip
    writers += [launch(tmp_path, "course", "omit", "c.toml", "--cycle", "2", "--day", str(d),
                       now=AFTER_CYCLE_1) for d in (1, 2, 3, 4)]  # fmt: skip
    writing = threading.Event()
    writing.set()
    commands: list[tuple[int, str, str]] = []

    def read_by_commands() -> None:
        while writing.is_set():
            for argv in (("course", "show", "c.toml"), ("plan", "c.toml", "--format", "json")):
                commands.append(wait([launch(tmp_path, *argv, now=AFTER_CYCLE_1)])[0])

    reader = threading.Thread(target=read_by_commands)
    reader.start()
    seen: list[tuple[int, int]] = []
    try:
        while any(w.poll() is None for w in writers):
            text = course_file.read_text(encoding="utf-8")
            tomllib.loads(text)  # never half a file
            course: Course = load_course(course_file)
            seen.append((len(course.records), len(course.history)))
        results = wait(writers)
    finally:
        writing.clear()
        reader.join(timeout=TIMEOUT)
    assert [(code, err) for code, _, err in results] == [(0, "")] * len(writers)
    for counts in zip(*seen, strict=True):  # records, entries
        assert list(counts) == sorted(counts), "a read saw an older version after a newer one"
    assert len(seen) > 1 and commands
    for code, out, err in commands:
        assert (code, err) == (0, ""), err
        if out.startswith("{"):
            assert json.loads(out)["events"]
        else:
            assert out.startswith("Course "), out
    final = load_course(course_file)
    assert (len(final.records), len(final.history)) == (10, 4)
    assert Counter(r.status for r in final.records) == {Status.GIVEN: 10}
    assert_only_course_left(tmp_path)
