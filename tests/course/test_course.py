"""Courses that change: delays, omitted doses, an early stop, a new time, closures — re-planned
with hand-written expectations, and exported so calendar apps can apply the update."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scheduler.course.diff import describe_changes, items_from_events
from scheduler.course.file import dump_course, load_course, parse_course, save_course
from scheduler.course.history import Entry
from scheduler.course.model import Course
from scheduler.course.replan import plan_course, record
from scheduler.course.wording import entry_words
from scheduler.errors import CourseError, PlanError
from scheduler.export.ics import to_ics
from scheduler.plan.changes import Change, Close, Delay, Omit, Retime, Stop
from scheduler.regimen.dosing import Body
from scheduler.regimen.notation import parse_time, parse_weekday

AT = datetime(2027, 1, 2, 10, 0, tzinfo=UTC)
TODAY = date(2027, 1, 2)
STAMP = datetime(2027, 1, 2, tzinfo=UTC)


def course(regimen: str = "aldesleukin-sc", **fields: object) -> Course:
    base = Course(id=f"{regimen}-test", regimen=regimen, start=date(2027, 1, 4),
                  timezone="Europe/London", cycles=3)  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def change(action: str, **d: Any) -> Change:
    """A typed change from the fields a course file gives it."""
    if action == "delay":
        return Delay(d.get("phase", 1), d["cycle"], d["days"])
    if action == "omit":
        return Omit(d.get("phase", 1), d["cycle"], d["day"], d.get("slot"), d.get("drug"))
    if action == "stop":
        return Stop(after=d.get("after"), phase=d.get("phase"), cycle=d.get("cycle"))
    if action == "retime":
        return Retime(d["from"], parse_time(d["time"]))
    return Close(tuple(d.get("dates", ())), d.get("holidays"),
                 tuple(parse_weekday(w) for w in d.get("weekdays", ())))  # fmt: skip


def edit(c: Course, action: str, today: date = TODAY, reason: str = "", **details: Any) -> Course:
    """``c`` with the change recorded at 07:00 UTC on ``today`` (before that day's doses)."""
    at = datetime.combine(today, time(7, 0), tzinfo=UTC)
    return record(c, Entry(at=at, change=change(action, **details), reason=reason))


def doses(c: Course) -> list[str]:
    return [e.start.isoformat() for e in plan_course(c)[2] if e.kind == "dose" and not e.cancelled]


def dates(c: Course, kind: str = "dose") -> list[str]:
    return [
        (e.start.date() if isinstance(e.start, datetime) else e.start).isoformat()
        for e in plan_course(c)[2]
        if e.kind == kind and not e.cancelled
    ]


def test_delay_moves_that_cycle_and_every_later_one_with_their_tests() -> None:
    delayed = edit(course(), "delay", phase=1, cycle=2, days=7, reason="neutrophils 0.9")
    got = dates(delayed)
    assert got[19] == "2027-01-29"  # cycle 1 unchanged: last dose Friday 29 January
    assert got[20:25] == ["2027-02-15", "2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19"]
    assert got[40] == "2027-03-22"  # cycle 3: Monday 22 March instead of 15 March
    assert dates(delayed, "lab") == [
        "2027-01-03", "2027-01-18",  # cycle 1: day -1 and day 15, unchanged
        "2027-02-14", "2027-03-01",  # cycle 2: Sunday 14 Feb and Monday 1 Mar (7 days later)
        "2027-03-21", "2027-04-05",  # cycle 3
    ]  # fmt: skip


def test_precautions_follow_the_new_last_dose() -> None:
    delayed = edit(course(), "delay", phase=1, cycle=2, days=7)
    vaccines = next(e for e in plan_course(delayed)[2] if e.slot == "precaution:no-live-vaccines")
    # Last dose moves from Fri 9 Apr 2027 to Fri 16 Apr 2027; 12 months on: 16 Apr 2028 inclusive.
    assert vaccines.end == date(2028, 4, 17)


def test_omitted_doses_are_removed_not_replaced() -> None:
    omitted = edit(course(), "omit", phase=1, cycle=1, day=3, reason="fever")
    got = dates(omitted)
    assert len(got) == 59
    assert got[:4] == ["2027-01-04", "2027-01-05", "2027-01-07", "2027-01-08"]  # no Wed 6 Jan
    assert got[-1] == "2027-04-09"  # the course does not grow to make up for it


def test_caps_still_hold_after_an_omission() -> None:
    # HD aldesleukin: the 15th eight-hour slot stays dropped when an earlier dose is omitted.
    hd = course("aldesleukin-hd-iv", cycles=None, body=Body(weight_kg=Decimal(70)))
    omitted = edit(hd, "omit", phase=1, cycle=1, day=2, slot=1)  # Tue 5 Jan 00:00
    got = doses(omitted)
    assert len(got) == 27
    assert "2027-01-05T00:00:00+00:00" not in got
    assert "2027-01-09T00:00:00+00:00" not in got  # the 15th slot is not given instead


def test_stop_after_a_date_removes_everything_after_it() -> None:
    stopped = edit(course(), "stop", after=date(2027, 2, 10))
    assert dates(stopped)[-3:] == ["2027-02-08", "2027-02-09", "2027-02-10"]
    assert dates(stopped, "lab")[-1] == "2027-02-07"
    contraception = next(e for e in plan_course(stopped)[2] if e.slot == "precaution:contraception")
    assert contraception.end == date(2027, 2, 11)  # to the new last dose, Wed 10 Feb, inclusive


def test_stop_after_a_cycle_removes_the_next_cycles_day_minus_1_test() -> None:
    stopped = edit(course(), "stop", phase=1, cycle=1)
    assert dates(stopped)[-1] == "2027-01-29"
    assert dates(stopped, "lab") == ["2027-01-03", "2027-01-18"]  # not Sun 7 Feb (cycle 2, day -1)


def test_retime_from_a_date() -> None:
    retimed = edit(course(), "retime", **{"from": date(2027, 2, 1), "time": "08:00"})
    got = doses(retimed)
    assert got[19] == "2027-01-29T09:00:00+00:00"
    assert got[20] == "2027-02-08T08:00:00+00:00"


def test_a_delay_that_would_overlap_is_refused() -> None:
    with pytest.raises(PlanError, match="days must be from 1 to 366, got -3"):
        edit(course(), "delay", phase=1, cycle=2, days=-3)


def test_an_edit_to_the_past_is_refused() -> None:
    """Omitting Wed 6 Jan's dose on 20 Jan changes nothing: the past stays as it was, and the
    message says why and what to record instead."""
    with pytest.raises(
        CourseError,
        match=re.escape(
            "changes nothing in the plan (what it would change, from Aldesleukin injection — "
            "cycle 1, day 3 on Wed 6 Jan 2027, is before it was recorded (2027-01-20 07:00 UTC): "
            "the past stays as it was; record what happened to a dose with course given or "
            "course missed)"
        ),
    ):
        edit(course(), "omit", today=date(2027, 1, 20), phase=1, cycle=1, day=3)
    # The same day later in the course is fine.
    assert (
        len(dates(edit(course(), "omit", today=date(2027, 1, 20), phase=1, cycle=1, day=22))) == 59
    )


def test_an_edit_that_changes_nothing_is_refused() -> None:
    with pytest.raises(CourseError, match="changes nothing in the plan"):
        edit(course(), "omit", phase=1, cycle=1, day=6)  # Saturday: a rest day


def test_christmas_closure_moves_clinic_visits_not_home_injections() -> None:
    # Paclitaxel (IV, clinic) days 1, 8, 15 from Monday 13 December 2027: day 15 is Monday
    # 27 December, the observed Christmas Day holiday in England; Tuesday 28 is Boxing Day
    # (observed), so the infusion moves to Wednesday 29 December, at the same time.
    weekly = course(
        "paclitaxel-weekly-q28d", start=date(2027, 12, 13), cycles=1, holidays=("GB-ENG",)
    )
    assert doses(weekly) == [
        "2027-12-13T10:00:00+00:00", "2027-12-20T10:00:00+00:00", "2027-12-29T10:00:00+00:00",
    ]  # fmt: skip
    moved = next(e for e in plan_course(weekly)[2] if e.day == 15)
    assert (
        "Moved from Mon 27 Dec 2027 (Christmas Day (observed)) to Wed 29 Dec 2027."
        in moved.description
    )
    # The description's own date line says the new date, as the calendar does.
    assert "When: Wed 29 Dec 2027 at 10:00" in moved.description
    assert "27 Dec" not in moved.description.split("\n", 1)[1]
    # Aldesleukin injections at home on the same days are not moved.
    home = course(start=date(2027, 12, 6), cycles=1, holidays=("GB-ENG",))
    assert "2027-12-27" in dates(home)


def test_closure_policies_skip_and_flag() -> None:
    flagged = course("paclitaxel-weekly-q28d", start=date(2027, 12, 13), cycles=1, holidays=("GB-ENG",),
                     policy={"home": "keep", "clinic": "keep and flag", "hospital": "keep"})  # fmt: skip
    kept = next(e for e in plan_course(flagged)[2] if e.day == 15)
    assert kept.start.isoformat() == "2027-12-27T10:00:00+00:00"
    assert kept.title.endswith("[Clinic closed (Christmas Day (observed))]")
    skipped = replace(flagged, policy={"home": "keep", "clinic": "skip", "hospital": "keep"})
    assert [d[:10] for d in doses(skipped)] == ["2027-12-13", "2027-12-20"]


def test_recorded_closure_and_home_policy() -> None:
    closed = edit(course(), "close", dates=[date(2027, 1, 18)], reason="clinic training day")
    # The day-15 blood test on Monday 18 January moves to Tuesday 19; the injection stays.
    assert dates(closed, "lab")[:2] == ["2027-01-03", "2027-01-19"]
    assert "2027-01-18" in dates(closed)


def test_updates_keep_uids_raise_sequence_and_cancel_removed_events() -> None:
    original = course()
    edited = edit(
        edit(original, "delay", phase=1, cycle=2, days=7), "omit", phase=1, cycle=1, day=3
    )
    before = {e.uid: e for e in plan_course(original)[2]}
    after = {e.uid: e for e in plan_course(edited)[2]}
    assert before.keys() == after.keys()  # same UIDs: shifted doses keep theirs
    cancelled = [e for e in after.values() if e.cancelled]
    assert [(e.title, e.revision) for e in cancelled] == [
        ("Cancelled: Aldesleukin injection — cycle 1, day 3", 1)
    ]
    unchanged = [e for e in after.values() if e.revision == 0]
    assert {e.cycle for e in unchanged if e.kind == "dose"} == {1}  # cycle 1 doses untouched
    moved = [e for e in after.values() if e.cycle == 2 and e.kind == "dose"]
    assert {e.revision for e in moved} == {1}
    # The exported file differs from the first export in exactly those events.
    zone = ZoneInfo("Europe/London")
    old_ics = icalendar.Calendar.from_ical(
        to_ics(plan_course(original)[2], name="x", stamp=STAMP, zone=zone)
    )
    new_ics = icalendar.Calendar.from_ical(
        to_ics(plan_course(edited)[2], name="x", stamp=STAMP, zone=zone)
    )
    old_events = {str(v["UID"]): v for v in old_ics.walk("VEVENT")}
    new_events = {str(v["UID"]): v for v in new_ics.walk("VEVENT")}
    changed = {uid for uid in old_events if old_events[uid].to_ical() != new_events[uid].to_ical()}
    expected = {e.uid for e in after.values() if e.revision > 0}
    assert changed == expected
    gone = new_events[cancelled[0].uid]
    assert (str(gone["STATUS"]), int(gone["SEQUENCE"])) == ("CANCELLED", 1)
    assert not gone.walk("VALARM")


def test_changes_in_words() -> None:
    original = course()
    edited = edit(
        edit(original, "delay", phase=1, cycle=2, days=7), "omit", phase=1, cycle=1, day=3
    )
    lines = describe_changes(
        items_from_events(plan_course(original)[2]), items_from_events(plan_course(edited)[2])
    )
    assert lines == [
        "Removed: Aldesleukin injection — cycle 1, day 3 (Wed 6 Jan 2027)",
        "Cycle 2 moves from Mon 8 Feb 2027 to Mon 15 Feb 2027: 20 doses and 2 blood tests shift by 7 days",
        "Cycle 3 moves from Mon 15 Mar 2027 to Mon 22 Mar 2027: 20 doses and 2 blood tests shift by 7 days",
        "Use contraception; do not breastfeed: now Mon 4 Jan 2027 to Fri 16 Apr 2027 (was Mon 4 Jan 2027 to Fri 9 Apr 2027)",
        "Use contraception; do not breastfeed — ask your team how long to continue: now Sat 17 Apr 2027 (was Sat 10 Apr 2027)",
        "No live vaccines: now Mon 4 Jan 2027 to Sun 16 Apr 2028 (was Mon 4 Jan 2027 to Sun 9 Apr 2028)",
    ]


def test_course_file_round_trip(tmp_path: Path) -> None:
    edited = edit(
        course(label='J. "Jo" S.', body=Body(weight_kg=Decimal("70.5"), height_cm=Decimal(175)), holidays=("GB-ENG",),
               closed_weekdays=("Sunday",), dose_time=time(8, 30)),
        "delay", phase=1, cycle=2, days=7, reason="ANC 0.9; repeat bloods\\Friday",
    )  # fmt: skip
    text = dump_course(edited)
    again = parse_course(text, origin="x.toml")
    assert replace(again, origin="") == replace(edited, origin="")
    path = tmp_path / "c.toml"
    save_course(again, path, new=True)
    assert load_course(path).history[0].reason == "ANC 0.9; repeat bloods\\Friday"
    save_course(edit(again, "omit", phase=1, cycle=1, day=3), path)
    assert (tmp_path / "c.toml.bak").read_text() == text  # the previous version is kept


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('id = "x"\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\n', "x.toml: timezone: missing required field 'timezone'"),
        ('id = "x"\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\ntimezone = "Mars/Base"\n', "x.toml:4: timezone: unknown time zone 'Mars/Base'"),
        ('id = "x"\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\ntimezone = "UTC"\nstrat = 1\n', "x.toml:5: strat: unknown field 'strat'"),
        ('id = "x"\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\ntimezone = "UTC"\n[[history]]\naction = "postpone"\n', "x.toml:6: history[0].action: action must be one of: delay, omit, hold, dose, stop, retime, close, withdraw, switch (got 'postpone')"),
    ],
)  # fmt: skip
def test_bad_course_files(text: str, message: str) -> None:
    with pytest.raises(CourseError) as caught:
        parse_course(text, origin="x.toml")
    assert str(caught.value).startswith(message)


def test_unknown_holiday_region() -> None:
    with pytest.raises(CourseError, match="unknown subdivision 'XX' of GB"):
        plan_course(course(holidays=("GB-XX",)))


def test_entry_words() -> None:
    entry = Entry(at=AT, change=Delay(1, 2, 7), reason="ANC 0.9")
    assert (
        entry_words(entry)
        == "2027-01-02 10:00 UTC: cycle 2 and later cycles delayed by 7 days — ANC 0.9"
    )


def test_a_course_edit_that_breaks_a_window_cap_is_refused_and_not_recorded(
    tmp_path: Path,
) -> None:
    """08:00/20:00 daily with "2 doses in any 24h" from Monday 4 January 2027: a retime from
    Wednesday 6 January to 06:00 puts Tue 08:00, Tue 20:00 and Wed 06:00 within 22 hours."""
    from tests.plan.test_regimen_language import TWICE_DAILY

    path = tmp_path / "bid.toml"
    path.write_text(TWICE_DAILY, encoding="utf-8")
    bid = course(str(path), start=date(2027, 1, 4), cycles=2)
    with pytest.raises(CourseError, match=r"refused: 3 Tablet doses .* 2 doses in any 24 h"):
        edit(bid, "retime", **{"from": date(2027, 1, 6), "time": "06:00"})
    assert bid.history == ()
    later = edit(bid, "retime", **{"from": date(2027, 1, 6), "time": "09:00"})
    assert doses(later)[3:5] == ["2027-01-05T20:00:00+00:00", "2027-01-06T09:00:00+00:00"]


def test_a_delayed_docetaxel_cycle_keeps_its_premedication_in_a_course() -> None:
    """Cycle 2 of docetaxel from Tue 5 Jan 2027 delayed a week: day 1 Tue 2 Feb, dexamethasone
    on Mon 1, Tue 2 and Wed 3 February."""
    c = course("docetaxel-q21d", start=date(2027, 1, 5), cycles=2)
    delayed = edit(c, "delay", phase=1, cycle=2, days=7)
    assert dates(delayed)[7:] == ["2027-02-01", "2027-02-01", "2027-02-02", "2027-02-02",
                                  "2027-02-02", "2027-02-03", "2027-02-03"]  # fmt: skip


def test_a_delay_during_the_course_may_extend_a_precaution_under_way() -> None:
    """Regression: with today Tuesday 1 June 2027 (inside the 'no live vaccines' precaution that
    began with the first dose on 4 January), delaying cycle 6 from Mon 28 June to Mon 5 July
    was refused as a change 'on Mon 4 Jan 2027'. Only the precaution's end moves, later."""
    c = course(cycles=11)
    delayed = edit(c, "delay", today=date(2027, 6, 1), phase=1, cycle=6, days=7)
    assert "2027-07-05" in dates(delayed) and "2027-06-28" not in dates(delayed)
    # Decided on the day: cycle 5 (from Mon 24 May) delayed on Tue 1 June at 07:00 UTC keeps
    # what was given (24-28 May, Mon 31 May); its doses from 1 June move a week, to 8-11 June,
    # 14-18 June and 21-25 June, and cycle 6 to Mon 5 July.
    midway = edit(c, "delay", today=date(2027, 6, 1), phase=1, cycle=5, days=7)
    cycle5 = [e.start.date().isoformat() for e in plan_course(midway)[2]
              if e.kind == "dose" and e.cycle == 5 and not e.cancelled]  # fmt: skip
    assert cycle5 == [
        "2027-05-24", "2027-05-25", "2027-05-26", "2027-05-27", "2027-05-28", "2027-05-31",
        "2027-06-08", "2027-06-09", "2027-06-10", "2027-06-11",
        "2027-06-14", "2027-06-15", "2027-06-16", "2027-06-17", "2027-06-18",
        "2027-06-21", "2027-06-22", "2027-06-23", "2027-06-24", "2027-06-25",
    ]  # fmt: skip
    assert "2027-07-05" in dates(midway)
