"""The newer kinds of course change, one at a time, with hand-written dates and amounts: delays
by scope, dose changes, holds, a switch of regimen, withdrawals, records of what was given, and
decisions taken on the day (the past stays as it was).

Calendars used (2027): Fri 1 Jan; Mon 4, 11, 18, 25 Jan; Mon 1, 8, 15, 22 Feb; Mon 1, 8, 15,
22, 29 Mar; Mon 5, 12, 19, 26 Apr; Mon 3, 10, 17 May. February 2027 has 28 days. Europe/London
is on GMT (UTC+0) until Sun 28 Mar 2027, so the UTC times below are also the patient's clock.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

import scheduler
from scheduler import Status, Which
from scheduler.cli import main
from scheduler.course.file import dump_course, load_course
from scheduler.course.history import Entry, Recordable, Switch, Withdraw
from scheduler.course.model import Course
from scheduler.course.records import adherence, current_records
from scheduler.course.replan import plan_course, record
from scheduler.course.wording import describe_course, history_lines, words
from scheduler.errors import CourseError, SchedulerError
from scheduler.export.ics import to_ics
from scheduler.plan.changes import Delay, DoseChange, Hold, Scope
from scheduler.plan.events import Event
from scheduler.plan.lifetime import Prior
from scheduler.regimen.amounts import parse_amount
from scheduler.regimen.dosing import Body
from scheduler.regimen.model import EventKind

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2027, 1, 2, tzinfo=UTC)
#: 70 kg, 170 cm: BSA (Mosteller) = sqrt(170 × 70 / 3600) = sqrt(3.3056) = 1.818 → 1.82 m²
#: (docs/regimen-format.md: rounded to 2 decimals, and the rounded figure used). GFR 75 mL/min
#: gives carboplatin AUC 6 = 6 × (75 + 25) = 600 mg.
BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(170), gfr_ml_min=Decimal(75))


def course(regimen: str = "aldesleukin-sc", **fields: object) -> Course:
    """A course in memory from Monday 4 January 2027 (3 cycles unless told)."""
    base = Course(id=f"{regimen}-kinds", regimen=regimen, start=date(2027, 1, 4),
                  timezone="Europe/London", cycles=3)  # fmt: skip
    return replace(base, **fields)  # type: ignore[arg-type]


def at(day: date, clock: time = time(7, 0)) -> datetime:
    """``clock`` UTC on ``day`` (07:00: before that day's 09:00 doses)."""
    return datetime.combine(day, clock, tzinfo=UTC)


def recorded(
    c: Course, change: Recordable, when: datetime | None = None, reason: str = "", by: str = ""
) -> Course:
    """``c`` with ``change`` recorded at ``when`` (default Sat 2 Jan 2027 07:00 UTC)."""
    moment = when if when is not None else at(date(2027, 1, 2))
    return record(c, Entry(at=moment, change=change, reason=reason, by=by))


def shown(event: Event) -> str:
    """``Wed 13 Jan 2027 09:00`` (``Sun 7 Feb 2027`` for an all-day event), by the stdlib."""
    start = event.start
    if isinstance(start, datetime):
        return f"{start:%a} {start.day} {start:%b %Y %H:%M}"
    return f"{start:%a} {start.day} {start:%b %Y}"


def live(c: Course, kind: str = "dose", cycle: int | None = None) -> list[Event]:
    return [e for e in plan_course(c)[2] if e.kind == kind and not e.cancelled
            and (cycle is None or e.cycle == cycle)]  # fmt: skip


def dated(c: Course, kind: str = "dose", cycle: int | None = None) -> list[tuple[int, str]]:
    """(cycle day, date and time) of the live events of ``kind`` (of one cycle)."""
    return [(e.day or 0, shown(e)) for e in live(c, kind, cycle)]


def timeline(events: tuple[Event, ...]) -> list[tuple[object, ...]]:
    """What a record must never change: each event's identity, times, title and revision."""
    return [(e.uid, e.start, e.end, e.title, e.revision, e.cancelled) for e in events]


def ics_timeline(path: Path) -> list[tuple[str, ...]]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    keys = ("UID", "SUMMARY", "SEQUENCE", "STATUS")
    return [(*(str(v.get(key, "")) for key in keys), str(v.decoded("DTSTART")),
             str(v.decoded("DTEND"))) for v in calendar.walk("VEVENT")]  # fmt: skip


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# -- 1. Delay scopes -----------------------------------------------------------------------------
# Aldesleukin SC (regimens/aldesleukin-sc.toml): 35-day cycles, an injection at 09:00 on days
# 1-5, 8-12, 15-19 and 22-26, blood tests on day -1 and day 15. From Mon 4 Jan 2027: cycle 1 is
# Mon 4 - Fri 29 Jan, cycle 2 starts Mon 8 Feb, cycle 3 Mon 15 Mar.


def test_a_delay_of_one_day_only_moves_that_day_and_nothing_else() -> None:
    """Day 5 of cycle 1 (Fri 8 Jan) by one day: Sat 9 Jan; days 4 and 8 and cycle 2 stay."""
    delayed = recorded(course(), Delay(1, 1, 1, day=5, scope=Scope.DAY), reason="fever")
    assert dated(delayed, cycle=1)[:7] == [
        (1, "Mon 4 Jan 2027 09:00"), (2, "Tue 5 Jan 2027 09:00"), (3, "Wed 6 Jan 2027 09:00"),
        (4, "Thu 7 Jan 2027 09:00"), (5, "Sat 9 Jan 2027 09:00"), (8, "Mon 11 Jan 2027 09:00"),
        (9, "Tue 12 Jan 2027 09:00"),
    ]  # fmt: skip
    assert dated(delayed, cycle=2)[0] == (1, "Mon 8 Feb 2027 09:00")
    assert dated(delayed, "lab") == [
        (-1, "Sun 3 Jan 2027"), (15, "Mon 18 Jan 2027"),
        (-1, "Sun 7 Feb 2027"), (15, "Mon 22 Feb 2027"),
        (-1, "Sun 14 Mar 2027"), (15, "Mon 29 Mar 2027"),
    ]  # fmt: skip
    changed = [e for e in plan_course(delayed)[2] if e.revision]
    assert [(e.cycle, e.day, e.kind) for e in changed] == [(1, 5, "dose")]
    assert changed[0].description.startswith(
        "Moved from Fri 8 Jan 2027 09:00 to Sat 9 Jan 2027 09:00: day 5 of cycle 1 only delayed "
        "by 1 day (recorded 2027-01-02 07:00 UTC: fever)."
    )


def test_a_day_delayed_onto_the_next_dose_day_is_refused() -> None:
    """Day 3 (Wed 6 Jan) by one day lands on day 4 (Thu 7 Jan): two injections on one day."""
    with pytest.raises(CourseError) as caught:
        recorded(course(), Delay(1, 1, 1, day=3, scope=Scope.DAY))
    message = str(caught.value)
    assert message.startswith("refused: Aldesleukin doses on Thu 7 Jan 2027 at 09:00 and ")
    assert "closer than the regimen ever gives them" in message


def test_the_rest_of_a_cycle_moves_and_later_cycles_stay() -> None:
    """Cycle 1 from day 8 by two days: Mon 11 - Fri 15 Jan become Wed 13 - Sun 17 Jan, and so on
    to Wed 27 - Sun 31 Jan; the day 15 blood test moves from Mon 18 to Wed 20 Jan; days 1-5
    and cycle 2 (test Sun 7 Feb, first dose Mon 8 Feb) stay."""
    delayed = recorded(course(), Delay(1, 1, 2, day=8, scope=Scope.REST_OF_CYCLE))
    assert [d for _, d in dated(delayed, cycle=1)] == [
        "Mon 4 Jan 2027 09:00", "Tue 5 Jan 2027 09:00", "Wed 6 Jan 2027 09:00",
        "Thu 7 Jan 2027 09:00", "Fri 8 Jan 2027 09:00",
        "Wed 13 Jan 2027 09:00", "Thu 14 Jan 2027 09:00", "Fri 15 Jan 2027 09:00",
        "Sat 16 Jan 2027 09:00", "Sun 17 Jan 2027 09:00",
        "Wed 20 Jan 2027 09:00", "Thu 21 Jan 2027 09:00", "Fri 22 Jan 2027 09:00",
        "Sat 23 Jan 2027 09:00", "Sun 24 Jan 2027 09:00",
        "Wed 27 Jan 2027 09:00", "Thu 28 Jan 2027 09:00", "Fri 29 Jan 2027 09:00",
        "Sat 30 Jan 2027 09:00", "Sun 31 Jan 2027 09:00",
    ]  # fmt: skip
    assert dated(delayed, "lab")[:4] == [
        (-1, "Sun 3 Jan 2027"), (15, "Wed 20 Jan 2027"), (-1, "Sun 7 Feb 2027"),
        (15, "Mon 22 Feb 2027"),
    ]  # fmt: skip
    assert dated(delayed, cycle=2)[0] == (1, "Mon 8 Feb 2027 09:00")
    assert {e.revision for e in live(delayed, cycle=2)} == {0}


def test_the_rest_of_a_cycle_delayed_into_the_next_cycle_is_refused() -> None:
    """Days 22-26 (Mon 25 - Fri 29 Jan) by ten days would end on Mon 8 Feb, cycle 2's day 1."""
    with pytest.raises(
        CourseError, match=r"^refused: Aldesleukin doses on Mon 8 Feb 2027 at 09:00"
    ):
        recorded(course(), Delay(1, 1, 10, day=22, scope=Scope.REST_OF_CYCLE))


def test_a_day_of_every_later_cycle_moves_in_those_cycles_only() -> None:
    """Day 5 from cycle 2 on, by two days: Fri 12 Feb → Sun 14 Feb, Fri 19 Mar → Sun 21 Mar;
    cycle 1's day 5 (Fri 8 Jan) and cycle 2's days 4 and 8 stay."""
    delayed = recorded(course(), Delay(1, 2, 2, day=5, scope=Scope.DAY_IN_LATER_CYCLES))
    assert dated(delayed, cycle=1)[4] == (5, "Fri 8 Jan 2027 09:00")
    assert dated(delayed, cycle=2)[3:6] == [
        (4, "Thu 11 Feb 2027 09:00"), (5, "Sun 14 Feb 2027 09:00"), (8, "Mon 15 Feb 2027 09:00"),
    ]  # fmt: skip
    assert dated(delayed, cycle=3)[3:6] == [
        (4, "Thu 18 Mar 2027 09:00"), (5, "Sun 21 Mar 2027 09:00"), (8, "Mon 22 Mar 2027 09:00"),
    ]  # fmt: skip
    moved = [(e.cycle, e.day) for e in plan_course(delayed)[2] if e.revision]
    assert moved == [(2, 5), (3, 5)]


def test_day_1_of_every_later_cycle_by_one_day_is_refused() -> None:
    """Day 1 of cycle 2 (Mon 8 Feb) by one day lands on day 2 (Tue 9 Feb)."""
    with pytest.raises(
        CourseError, match=r"^refused: Aldesleukin doses on Tue 9 Feb 2027 at 09:00"
    ):
        recorded(course(), Delay(1, 2, 1, day=1, scope=Scope.DAY_IN_LATER_CYCLES))


def test_a_delay_of_the_cycle_and_later_cycles_moves_them_all() -> None:
    delayed = recorded(course(), Delay(1, 2, 7))
    assert dated(delayed, cycle=1)[-1] == (26, "Fri 29 Jan 2027 09:00")
    assert dated(delayed, cycle=2)[0] == (1, "Mon 15 Feb 2027 09:00")
    assert dated(delayed, cycle=3)[0] == (1, "Mon 22 Mar 2027 09:00")
    assert dated(delayed, "lab")[2:] == [
        (-1, "Sun 14 Feb 2027"), (15, "Mon 1 Mar 2027"), (-1, "Sun 21 Mar 2027"),
        (15, "Mon 5 Apr 2027"),
    ]  # fmt: skip


def test_each_scope_in_words() -> None:
    assert [words(d) for d in (
        Delay(1, 1, 1, day=5, scope=Scope.DAY),
        Delay(1, 1, 2, day=8, scope=Scope.REST_OF_CYCLE),
        Delay(1, 2, 2, day=5, scope=Scope.DAY_IN_LATER_CYCLES),
        Delay(1, 2, 7),
    )] == [
        "day 5 of cycle 1 only delayed by 1 day",
        "cycle 1 from day 8 delayed by 2 days (later cycles stay)",
        "day 5 of cycle 2 and of every later cycle delayed by 2 days",
        "cycle 2 and later cycles delayed by 7 days",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("regimen", "change", "message"),
    [
        # Weekly paclitaxel, days 1, 8, 15 from Mon 4 Jan: day 8 (Mon 11 Jan) by six days is
        # Sun 17 Jan, the day before day 15 (Mon 18 Jan).
        ("paclitaxel-weekly-q28d", Delay(1, 1, 6, day=8, scope=Scope.DAY),
         "refused: Paclitaxel doses on Sun 17 Jan 2027 at 10:00 and Mon 18 Jan 2027 at 10:00 "
         "fall on consecutive days, and Paclitaxel is a weekly drug"),
        # Methotrexate once weekly (min_interval 6 days), Mondays from 4 Jan: week 2 (Mon 11 Jan)
        # by three days is Thu 14 Jan, four days before week 3's Mon 18 Jan.
        ("methotrexate-weekly", Delay(1, 2, 3, day=1, scope=Scope.DAY),
         "refused: Methotrexate doses on Thu 14 Jan 2027 at 09:00 and Mon 18 Jan 2027 at 09:00 "
         "are closer than the safety limit of 6 days"),
        ("methotrexate-weekly", Delay(1, 2, 3, day=1, scope=Scope.REST_OF_CYCLE),
         "refused: Methotrexate doses on Thu 14 Jan 2027 at 09:00 and Mon 18 Jan 2027 at 09:00 "
         "are closer than the safety limit of 6 days"),
        # Divided methotrexate, 3 doses 12 h apart from Mon 08:00, at most 3 in any 7 days: week
        # 1 by four days gives Fri 8 Jan 08:00, 20:00, Sat 9 Jan 08:00, then Mon 11 Jan 08:00.
        ("methotrexate-weekly-divided", Delay(1, 1, 4, day=1, scope=Scope.DAY),
         "refused: 4 Methotrexate doses from Fri 8 Jan 2027 at 08:00 to Mon 11 Jan 2027 at 08:00 "
         "break the safety limit of 3 doses in any 7 days"),
        # Cycle 2's day -1 blood test (Sun 7 Feb) by three days would be after its first dose.
        ("aldesleukin-sc", Delay(1, 2, 3, day=-1, scope=Scope.DAY),
         "refused: Blood test before the cycle — cycle 2 (placed before the cycle) would fall on "
         "Wed 10 Feb 2027, not before the cycle's first dose on Mon 8 Feb 2027"),
    ],
)  # fmt: skip
def test_day_scoped_delays_keep_the_regimens_guarantees(
    regimen: str, change: Delay, message: str
) -> None:
    with pytest.raises(CourseError) as caught:
        recorded(course(regimen), change)
    assert str(caught.value) == message


def test_a_weekly_dose_delayed_short_of_the_next_week_is_kept() -> None:
    """Day 8 of weekly paclitaxel by five days: Sat 16 Jan, two days before day 15."""
    delayed = recorded(course("paclitaxel-weekly-q28d", cycles=1), Delay(1, 1, 5, 8, Scope.DAY))
    assert dated(delayed) == [
        (1, "Mon 4 Jan 2027 10:00"), (8, "Sat 16 Jan 2027 10:00"), (15, "Mon 18 Jan 2027 10:00"),
    ]  # fmt: skip


def test_a_day_scoped_delay_of_an_interval_series_keeps_its_uids() -> None:
    """Divided methotrexate (2.5 mg every 12 h for 3 doses from Monday 08:00), day 1 of week 2
    and every later week by two days: Wed 13 Jan 08:00, 20:00, Thu 14 Jan 08:00 and Wed 20 Jan
    08:00, 20:00, Thu 21 Jan 08:00. The doses move: they keep their UIDs (docs/courses.md: "a
    moved dose keeps its UID"), so calendar apps move them rather than cancel six events and
    add six new ones (and records made against them stay attached)."""
    c = course("methotrexate-weekly-divided")
    delayed = recorded(c, Delay(1, 2, 2, day=1, scope=Scope.DAY_IN_LATER_CYCLES))
    assert [shown(e) for e in live(delayed)] == [
        "Mon 4 Jan 2027 08:00", "Mon 4 Jan 2027 20:00", "Tue 5 Jan 2027 08:00",
        "Wed 13 Jan 2027 08:00", "Wed 13 Jan 2027 20:00", "Thu 14 Jan 2027 08:00",
        "Wed 20 Jan 2027 08:00", "Wed 20 Jan 2027 20:00", "Thu 21 Jan 2027 08:00",
    ]  # fmt: skip
    before = {e.uid for e in plan_course(c)[2] if e.kind == "dose"}
    after = plan_course(delayed)[2]
    assert [e.title for e in after if e.cancelled] == []
    assert {e.uid for e in after if e.kind == "dose"} == before


def test_delay_scopes_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "a.toml"
    assert run(capsys, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
               "--tz", "Europe/London", "-o", str(path))[0] == 0  # fmt: skip
    before = path.read_bytes()
    for argv, said in [
        (["--scope", "day", "--days", "1"], "Error: --day: a delay of scope day needs the cycle day\n"),
        (["--scope", "day", "--day", "3", "--to", "2027-01-08"], "Error: --to moves a cycle's start: give --days with a day scope\n"),
        (["--scope", "dya", "--day", "3", "--days", "1"], "Error: --scope must be one of later, day, rest-of-cycle, day-in-later-cycles, got 'dya'\n"),
    ]:  # fmt: skip
        code, out, err = run(capsys, "course", "delay", str(path), "--cycle", "1", *argv)
        assert (code, out, err) == (1, "", said)
    assert path.read_bytes() == before
    code, out, err = run(capsys, "course", "delay", str(path), "--cycle", "1", "--scope", "day",
                         "--day", "5", "--days", "1", "--reason", "fever")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Recorded in {path} (previous version: {path}.bak): day 5 of cycle 1 only delayed by "
        "1 day — fever",
        "  Aldesleukin injection — cycle 1, day 5 moves from Fri 8 Jan 2027 to Sat 9 Jan 2027 "
        "(1 day later)",
    ]
    code, out, _ = run(capsys, "course", "delay", str(path), "--cycle", "1", "--scope",
                       "rest-of-cycle", "--day", "8", "--days", "2")  # fmt: skip
    assert code == 0
    assert out.splitlines()[1] == (
        "  Cycle 1 from day 8 moves from Mon 11 Jan 2027 to Wed 13 Jan 2027: 15 doses and 1 "
        "blood test shift by 2 days"
    )
    assert 'scope = "rest-of-cycle"' in path.read_text()


# -- 2. Dose changes -----------------------------------------------------------------------------
# Paclitaxel 225 mg/m² then carboplatin AUC 6 every 21 days from Mon 4 Jan 2027: day 1 on
# Mon 4 Jan, Mon 25 Jan, Mon 15 Feb and Mon 8 Mar. Paclitaxel 225 × 1.82 = 409.5 → 410 mg
# (3 significant figures). At 75 %: 168.75 mg/m² × 1.82 = 307.125 → 307 mg (the percentage is
# of the written dose, rounded once; 75 % of the rounded 410 mg would be 307.5 → 308 mg).


def paclitaxel(c: Course) -> list[tuple[int, str, str | None, int]]:
    return [(e.cycle or 0, shown(e), e.amount, e.revision)
            for e in live(c) if e.drug_key == "paclitaxel"]  # fmt: skip


def test_a_dose_reduced_to_75_percent_from_cycle_3() -> None:
    c = course("carboplatin-paclitaxel-q21d", cycles=4, body=BODY)
    reduced = recorded(c, DoseChange("paclitaxel", 1, 3, "neuropathy grade 2",
                                     percent=Decimal(75)), reason="neuropathy grade 2")  # fmt: skip
    assert paclitaxel(reduced) == [
        (1, "Mon 4 Jan 2027 10:00", "410 mg", 0), (2, "Mon 25 Jan 2027 10:00", "410 mg", 0),
        (3, "Mon 15 Feb 2027 10:00", "307 mg", 1), (4, "Mon 8 Mar 2027 10:00", "307 mg", 1),
    ]  # fmt: skip
    changed = [e for e in live(reduced) if e.drug_key == "paclitaxel" and e.cycle in (3, 4)]
    for event in changed:
        assert event.title == f"Paclitaxel infusion 307 mg — cycle {event.cycle}, day 1"
        assert event.amount_working is not None and event.amount_working.startswith(
            "Dose changed to 75 % from cycle 3 (neuropathy grade 2): 75 % of 225 mg/m² = "
            "168.75 mg/m². 168.75 mg/m² × 1.82 m² (BSA, Mosteller) = 307.125 mg ≈ 307 mg."
        )
        assert (
            "Working: Dose changed to 75 % from cycle 3 (neuropathy grade 2)" in event.description
        )
    first = next(e for e in live(reduced) if e.drug_key == "paclitaxel")
    assert first.amount_working is not None
    assert first.amount_working.startswith(
        "225 mg/m² × 1.82 m² (BSA, Mosteller) = 409.5 mg ≈ 410 mg."
    )
    # The other drugs of the combination are unchanged, in every cycle.
    others = [(e.drug_key, e.amount, e.revision) for e in live(reduced)
              if e.drug_key in ("carboplatin", "dexamethasone")]  # fmt: skip
    assert others == [("dexamethasone", "20 mg", 0), ("dexamethasone", "20 mg", 0),
                      ("carboplatin", "600 mg", 0)] * 4  # fmt: skip


def test_a_dose_changed_to_an_amount_from_cycle_3() -> None:
    c = course("carboplatin-paclitaxel-q21d", cycles=4, body=BODY)
    changed = recorded(c, DoseChange("paclitaxel", 1, 3, "neuropathy",
                                     amount=parse_amount("300 mg")), reason="neuropathy")  # fmt: skip
    assert paclitaxel(changed) == [
        (1, "Mon 4 Jan 2027 10:00", "410 mg", 0), (2, "Mon 25 Jan 2027 10:00", "410 mg", 0),
        (3, "Mon 15 Feb 2027 10:00", "300 mg", 1), (4, "Mon 8 Mar 2027 10:00", "300 mg", 1),
    ]  # fmt: skip
    third = next(e for e in live(changed, cycle=3) if e.drug_key == "paclitaxel")
    assert (
        third.amount_working
        == "Dose changed to 300 mg from cycle 3 (neuropathy), instead of 225 mg/m²."
    )


def test_a_dose_change_refuses_another_unit_and_an_unknown_drug() -> None:
    c = course("carboplatin-paclitaxel-q21d", cycles=4, body=BODY)
    with pytest.raises(
        CourseError,
        match=r"^refused: 2 g is not in the unit of the regimen's dose \(225 mg/m²\): give it in mg$",
    ):
        recorded(c, DoseChange("paclitaxel", 1, 3, "x", amount=parse_amount("2 g")))
    with pytest.raises(
        CourseError, match=r"^refused: unknown drug 'docetaxel' \(allowed: paclitaxel, "
    ):
        recorded(c, DoseChange("docetaxel", 1, 3, "x", percent=Decimal(75)))


# R-CHOP-21 from Mon 4 Jan 2027: day 1 on Mon 4 Jan, 25 Jan, 15 Feb, 8 Mar, 29 Mar, 19 Apr.
# Doxorubicin 50 mg/m² (× 1.82 = 91 mg), lifetime limit 450 mg/m²; 150 mg/m² given before.


def doxorubicin_totals(c: Course) -> list[tuple[str, str | None, str]]:
    out = []
    for event in live(c):
        if event.drug_key == "doxorubicin":
            line = next(x for x in event.description.split("\n") if x.startswith("Lifetime total"))
            out.append((shown(event)[:15], event.amount, line))
    return out


def test_the_lifetime_limit_counts_the_reduced_doses() -> None:
    """2 × 50 + 4 × 37.5 = 250 mg/m² in the course, 400 with the 150 given before."""
    c = course(
        "r-chop-21", cycles=6, body=BODY, prior=(Prior("doxorubicin", parse_amount("150 mg/m2")),)
    )
    reduced = recorded(c, DoseChange("doxorubicin", 1, 3, "ejection fraction 45 %",
                                     percent=Decimal(75)), reason="ejection fraction 45 %")  # fmt: skip
    tail = "of at most 450 mg/m² (150 mg/m² of it before this plan)."
    assert doxorubicin_totals(reduced) == [
        ("Mon 4 Jan 2027 ", "91 mg", f"Lifetime total of Doxorubicin after this dose: 200 mg/m² {tail}"),
        ("Mon 25 Jan 2027", "91 mg", f"Lifetime total of Doxorubicin after this dose: 250 mg/m² {tail}"),
        ("Mon 15 Feb 2027", "68.3 mg", f"Lifetime total of Doxorubicin after this dose: 287.5 mg/m² {tail}"),
        ("Mon 8 Mar 2027 ", "68.3 mg", f"Lifetime total of Doxorubicin after this dose: 325 mg/m² {tail}"),
        ("Mon 29 Mar 2027", "68.3 mg", f"Lifetime total of Doxorubicin after this dose: 362.5 mg/m² {tail}"),
        ("Mon 19 Apr 2027", "68.3 mg", f"Lifetime total of Doxorubicin after this dose: 400 mg/m² {tail}"),
    ]  # fmt: skip


def test_an_escalation_past_the_lifetime_limit_is_refused() -> None:
    """125 % from cycle 3: 150 + 2 × 50 + 4 × 62.5 = 500 mg/m², over 450 at cycle 6."""
    c = course(
        "r-chop-21", cycles=6, body=BODY, prior=(Prior("doxorubicin", parse_amount("150 mg/m2")),)
    )
    with pytest.raises(CourseError) as caught:
        recorded(c, DoseChange("doxorubicin", 1, 3, "x", percent=Decimal(125)))
    assert str(caught.value) == (
        "refused: Doxorubicin on Mon 19 Apr 2027 (cycle 6) would bring the lifetime total to "
        "500 mg/m² (with 150 mg/m² given before this plan), over the limit of 450 mg/m²: plan "
        "fewer cycles, or stop the course before it"
    )


def test_a_dose_changed_to_a_fixed_amount_still_counts_towards_the_lifetime_limit() -> None:
    """Doxorubicin 200 mg from cycle 3 for a patient of 1.82 m² is 200 / 1.82 = 109.9 mg/m² a
    dose: 150 + 2 × 50 + 109.9 + 109.9 = 469.8 mg/m² by cycle 4, over 450. The weight and height
    are known, so the limit can be counted; the change must be refused (it was accepted, and
    the doses from cycle 3 carried no lifetime total at all)."""
    c = course(
        "r-chop-21", cycles=6, body=BODY, prior=(Prior("doxorubicin", parse_amount("150 mg/m2")),)
    )
    with pytest.raises(CourseError, match="over the limit of 450 mg/m²"):
        recorded(c, DoseChange("doxorubicin", 1, 3, "x", amount=parse_amount("200 mg")))


def test_a_dose_change_recorded_through_the_library_reads_back(tmp_path: Path) -> None:
    """``edit_course`` with a DoseChange whose reason is its own (the entry's reason left
    empty) wrote no ``reason`` for the dose entry, and the course file could no longer be read
    ("missing field 'reason' for dose"). A successful edit leaves a readable file."""
    path = tmp_path / "cp.toml"
    scheduler.new_course("carboplatin-paclitaxel-q21d", path, start=date(2027, 1, 4),
                         zone="Europe/London", cycles=4, body=BODY, identity="cp-dose")  # fmt: skip
    change = DoseChange("paclitaxel", 1, 3, "neuropathy grade 2", percent=Decimal(75))
    try:
        scheduler.edit_course(path, lambda _c: change, now=at(date(2027, 1, 2)))
    except SchedulerError:  # refusing the call is fine too, if the file is left as it was
        assert load_course(path).history == ()
        return
    loaded = load_course(path)
    assert loaded.history[0].change == change


def test_a_dose_change_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "cp.toml"
    assert run(capsys, "course", "new", "carboplatin-paclitaxel-q21d", "--start", "2027-01-04",
               "--cycles", "4", "--tz", "Europe/London", "--weight", "70", "--height", "170",
               "--gfr", "75", "-o", str(path))[0] == 0  # fmt: skip
    code, out, err = run(capsys, "course", "dose", str(path), "--drug", "Paclitaxel",
                         "--from-cycle", "3", "--percent", "75", "--reason", "neuropathy grade 2",
                         "--by", "Dr B")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Recorded in {path} (previous version: {path}.bak): paclitaxel dose changed to 75 % "
        "from cycle 3 — neuropathy grade 2",
        "  Changed: Paclitaxel infusion 410 mg — cycle 3, day 1 on Mon 15 Feb 2027 is now "
        "'Paclitaxel infusion 307 mg — cycle 3, day 1'",
        "  Changed: Paclitaxel infusion 410 mg — cycle 4, day 1 on Mon 8 Mar 2027 is now "
        "'Paclitaxel infusion 307 mg — cycle 4, day 1'",
    ]
    assert [a for _, _, a, _ in paclitaxel(load_course(path))] == [
        "410 mg",
        "410 mg",
        "307 mg",
        "307 mg",
    ]


# -- 3. Holding one drug for a cycle -------------------------------------------------------------


def test_vincristine_held_for_cycle_3_and_back_in_cycle_4() -> None:
    """R-CHOP-21 day 1: prednisone 08:00, rituximab 09:00-13:00, doxorubicin 13:00, vincristine
    13:15 (1.4 mg/m² × 1.82 = 2.548 mg, capped at 2 mg), cyclophosphamide 13:25. Cycle 3 (Mon
    15 Feb) without vincristine; cycle 4 (Mon 8 Mar) with it."""
    held = recorded(course("r-chop-21", cycles=6, body=BODY), Hold("vincristine", 1, 3),
                    reason="neuropathy grade 2")  # fmt: skip
    day1 = [(e.drug_key, shown(e), e.amount, e.revision) for e in live(held, cycle=3) if e.day == 1]
    assert day1 == [
        ("prednisone", "Mon 15 Feb 2027 08:00", "100 mg", 0),
        ("rituximab", "Mon 15 Feb 2027 09:00", "683 mg", 0),
        ("doxorubicin", "Mon 15 Feb 2027 13:00", "91 mg", 0),
        ("cyclophosphamide", "Mon 15 Feb 2027 13:25", "1,370 mg", 0),
    ]
    assert [shown(e) for e in live(held, cycle=3) if e.drug_key == "prednisone"] == [
        "Mon 15 Feb 2027 08:00", "Tue 16 Feb 2027 08:00", "Wed 17 Feb 2027 08:00",
        "Thu 18 Feb 2027 08:00", "Fri 19 Feb 2027 08:00",
    ]  # fmt: skip
    vincristine = [(e.cycle, shown(e), e.amount) for e in live(held) if e.drug_key == "vincristine"]
    assert vincristine == [
        (1, "Mon 4 Jan 2027 13:15", "2 mg"), (2, "Mon 25 Jan 2027 13:15", "2 mg"),
        (4, "Mon 8 Mar 2027 13:15", "2 mg"), (5, "Mon 29 Mar 2027 13:15", "2 mg"),
        (6, "Mon 19 Apr 2027 13:15", "2 mg"),
    ]  # fmt: skip
    gone = [e for e in plan_course(held)[2] if e.cancelled]
    assert [(e.title, e.revision) for e in gone] == [
        ("Cancelled: Vincristine 2 mg — cycle 3, day 1", 1)
    ]
    assert gone[0].description.startswith(
        "Cancelled: vincristine held for cycle 3 (not replaced) (recorded 2027-01-02 07:00 UTC: "
        "neuropathy grade 2). It is no longer part of the plan."
    )


def test_a_hold_must_name_a_drug_and_a_cycle_of_the_plan() -> None:
    c = course("r-chop-21", cycles=6, body=BODY)
    with pytest.raises(CourseError) as caught:
        recorded(c, Hold("aspirin", 1, 3))
    assert str(caught.value) == ("refused: unknown drug 'aspirin' (allowed: rituximab, "
                                 "cyclophosphamide, doxorubicin, vincristine, prednisone)")  # fmt: skip
    with pytest.raises(
        CourseError, match=r"changes nothing in the plan \(the plan has cycles 1 to 6 of phase 1\)$"
    ):
        recorded(c, Hold("vincristine", 1, 7))


def test_a_hold_by_the_drugs_name_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "r.toml"
    assert run(capsys, "course", "new", "r-chop-21", "--start", "2027-01-04", "--cycles", "6",
               "--tz", "Europe/London", "-o", str(path))[0] == 0  # fmt: skip
    code, out, err = run(capsys, "course", "hold", str(path), "--drug", "VINCRISTINE", "--cycle",
                         "3", "--reason", "neuropathy")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Recorded in {path} (previous version: {path}.bak): vincristine held for cycle 3 (not "
        "replaced) — neuropathy",
        "  Removed: Vincristine 1.4 mg/m² — cycle 3, day 1 (Mon 15 Feb 2027)",
    ]


# -- 4. Switching regimen ------------------------------------------------------------------------
# mFOLFOX6 every 14 days from Mon 4 Jan 2027: day 1 on Mon 4 Jan, 18 Jan, 1 Feb, 15 Feb, 1 Mar,
# 15 Mar ...; oxaliplatin and leucovorin 09:00, fluorouracil bolus 11:00, the 46-hour infusion
# from 11:05 to Wed 09:05 (pump disconnection). Capecitabine 08:00 and 20:00 on days 1-14 of
# 21-day cycles from Mon 1 Mar: cycle 1 Mon 1 - Sun 14 Mar, cycle 2 from Mon 22 Mar, cycle 3
# from Mon 12 Apr, cycle 4 from Mon 3 May to Sun 16 May.


def switched(tmp_path: Path) -> Path:
    path = tmp_path / "crc.toml"
    scheduler.new_course("mfolfox6", path, start=date(2027, 1, 4), zone="Europe/London",
                         cycles=12, identity="6d0b4c1e-4d7a-4f59-9a43-0c6a3e2f8b11")  # fmt: skip
    scheduler.edit_course(path, lambda _c: Switch("capecitabine-q21d", date(2027, 3, 1), 4),
                          reason="maintenance", now=at(date(2027, 2, 26), time(10, 0)), by="Dr B")  # fmt: skip
    return path


def test_a_switch_cancels_the_old_regimen_from_its_day_and_starts_the_new_one(
    tmp_path: Path,
) -> None:
    before = {e.uid for e in plan_course(course("mfolfox6", cycles=12, id="6d0b4c1e-4d7a-4f59-9a43-0c6a3e2f8b11"))[2]}  # fmt: skip
    path = switched(tmp_path)
    loaded = load_course(path)
    assert loaded.id == "6d0b4c1e-4d7a-4f59-9a43-0c6a3e2f8b11"  # the course keeps its identity
    events = scheduler.plan_stored(loaded).events
    old = [e for e in events if e.regimen == "mfolfox6"]
    new = [e for e in events if e.regimen == "capecitabine-q21d"]
    assert sorted({e.cycle or 0 for e in old if not e.cancelled}) == [1, 2, 3, 4]
    assert [shown(e) for e in old if not e.cancelled and e.kind == "visit"] == [
        "Wed 6 Jan 2027 09:05", "Wed 20 Jan 2027 09:05", "Wed 3 Feb 2027 09:05",
        "Wed 17 Feb 2027 09:05",
    ]  # fmt: skip
    cancelled = [e for e in old if e.cancelled]
    assert len(cancelled) == 8 * 5  # cycles 5 to 12: four doses and the pump disconnection
    assert (shown(cancelled[0]), cancelled[0].title) == (
        "Mon 1 Mar 2027 09:00",
        "Cancelled: Oxaliplatin infusion 85 mg/m² — cycle 5, day 1",
    )
    assert all(e.revision == 1 for e in cancelled)
    assert cancelled[0].description.startswith(
        "Cancelled: switched to capecitabine-q21d from Mon 1 Mar 2027 for 4 cycles (recorded "
        "2027-02-26 10:00 UTC by Dr B: maintenance)."
    )
    assert len(new) == 4 * 28 and not any(e.cancelled for e in new)
    firsts = [shown(e) for e in new if e.day == 1]
    assert firsts == [
        "Mon 1 Mar 2027 08:00", "Mon 1 Mar 2027 20:00", "Mon 22 Mar 2027 08:00",
        "Mon 22 Mar 2027 20:00", "Mon 12 Apr 2027 08:00", "Mon 12 Apr 2027 20:00",
        "Mon 3 May 2027 08:00", "Mon 3 May 2027 20:00",
    ]  # fmt: skip
    assert shown(new[-1]) == "Sun 16 May 2027 20:00"
    assert {e.uid for e in new}.isdisjoint(before)  # the new segment's events are new
    assert {e.uid for e in old} == before  # the old ones keep theirs


def test_changes_after_a_switch_refer_to_the_new_regimen(tmp_path: Path) -> None:
    path = switched(tmp_path)
    scheduler.edit_course(path, lambda _c: Delay(1, 2, 7), reason="hand-foot syndrome",
                          now=at(date(2027, 3, 10)))  # fmt: skip
    events = scheduler.plan_stored(load_course(path)).events
    firsts = [(e.cycle, shown(e)) for e in events
              if e.regimen == "capecitabine-q21d" and e.day == 1 and not e.cancelled][::2]  # fmt: skip
    assert firsts == [(1, "Mon 1 Mar 2027 08:00"), (2, "Mon 29 Mar 2027 08:00"),
                      (3, "Mon 19 Apr 2027 08:00"), (4, "Mon 10 May 2027 08:00")]  # fmt: skip
    # mFOLFOX6's cycle 2 (Mon 18 Jan) is past and another regimen's: untouched.
    second = next(e for e in events if e.regimen == "mfolfox6" and e.cycle == 2)
    assert (shown(second), second.revision) == ("Mon 18 Jan 2027 09:00", 0)
    with pytest.raises(
        CourseError, match=r"refused: unknown drug 'oxaliplatin' \(allowed: capecitabine\)"
    ):
        scheduler.edit_course(path, lambda _c: Hold("oxaliplatin", 1, 3), now=at(date(2027, 3, 10)))
    with pytest.raises(CourseError) as caught:
        scheduler.edit_course(path, lambda _c: Withdraw(1), now=at(date(2027, 3, 10)))
    assert "refused: entry 1 switched regimen, and entr" in str(caught.value)


def test_withdrawing_a_switch_names_the_one_entry_after_it_in_good_english(
    tmp_path: Path,
) -> None:
    """With one entry recorded under the new regimen the refusal said "entries 2 were recorded
    under the new one: withdraw them first" (counts go through plural(): issue 13)."""
    path = switched(tmp_path)
    scheduler.edit_course(path, lambda _c: Delay(1, 2, 7), now=at(date(2027, 3, 10)))
    with pytest.raises(CourseError) as caught:
        scheduler.edit_course(path, lambda _c: Withdraw(1), now=at(date(2027, 3, 10)))
    message = str(caught.value)
    assert "refused: entry 1 switched regimen" in message
    assert "entries 2 were" not in message and "withdraw them first" not in message


def test_a_switch_into_the_past_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crc.toml"
    scheduler.new_course("mfolfox6", path, start=date(2027, 1, 4), zone="Europe/London", cycles=12)
    with pytest.raises(CourseError) as caught:
        scheduler.edit_course(path, lambda _c: Switch("capecitabine-q21d", date(2027, 2, 20), 4),
                              now=at(date(2027, 2, 26), time(10, 0)))  # fmt: skip
    assert str(caught.value).endswith(
        "refused: switched to capecitabine-q21d from Sat 20 Feb 2027 for 4 cycles: Sat 20 Feb "
        "2027 is before today (Fri 26 Feb 2027); record only changes from today on"
    )
    assert load_course(path).history == ()


def test_course_switch_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-02-26T10:00:00Z")
    path = tmp_path / "crc.toml"
    assert run(capsys, "course", "new", "mfolfox6", "--start", "2027-01-04", "--cycles", "12",
               "--tz", "Europe/London", "-o", str(path))[0] == 0  # fmt: skip
    ident = load_course(path).id
    code, out, err = run(capsys, "course", "switch", str(path), "--to", "capecitabine-q21d",
                         "--from", "2027-03-01", "--cycles", "4", "--reason", "maintenance")  # fmt: skip
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == (f"Recorded in {path} (previous version: {path}.bak): switched to "
                        "capecitabine-q21d from Mon 1 Mar 2027 for 4 cycles — maintenance")  # fmt: skip
    assert (
        "  Cycle 5: 4 doses and 1 appointment removed (Mon 1 Mar 2027 to Wed 3 Mar 2027)" in lines
    )
    assert "  Cycle 1: 28 doses added (Mon 1 Mar 2027 to Sun 14 Mar 2027)" in lines
    assert load_course(path).id == ident
    code, out, _ = run(capsys, "course", "show", str(path))
    assert code == 0
    assert (
        "  1. 2027-02-26 10:00 UTC: switched to capecitabine-q21d from Mon 1 Mar 2027 for 4 cycles — maintenance"
        in out
    )
    assert "  last dose Sun 16 May 2027" in out
    assert "  Mon 1 Mar 2027 08:00  Capecitabine tablets 1,250 mg/m² — cycle 1, day 1" in out


def test_the_plan_summary_after_a_switch_counts_both_regimens_cycles(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Four cycles of mFOLFOX6 (16 doses) then four of capecitabine (112 doses): 128 doses in
    8 cycles. The summary said "128 doses in 4 cycles" (cycles counted by number only)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    path = switched(tmp_path)
    code, out, err = run(capsys, "plan", str(path), "-o", str(tmp_path / "crc.ics"))
    assert (code, err) == (0, "")
    assert "128 doses in 8 cycles" in out


# -- 5. Withdrawing an entry ---------------------------------------------------------------------


def test_withdrawing_a_delay_puts_the_events_back_with_higher_sequence() -> None:
    original = course()
    delayed = recorded(original, Delay(1, 2, 7), reason="neutrophils 0.9", by="nurse A")
    withdrawn = recorded(delayed, Withdraw(1), when=at(date(2027, 1, 20)),
                         reason="typed on the wrong patient", by="nurse B")  # fmt: skip
    assert dated(withdrawn, cycle=2)[0] == (1, "Mon 8 Feb 2027 09:00")
    assert dated(withdrawn, cycle=3)[-1] == (26, "Fri 9 Apr 2027 09:00")
    assert dated(withdrawn, "lab") == [
        (-1, "Sun 3 Jan 2027"), (15, "Mon 18 Jan 2027"), (-1, "Sun 7 Feb 2027"),
        (15, "Mon 22 Feb 2027"), (-1, "Sun 14 Mar 2027"), (15, "Mon 29 Mar 2027"),
    ]  # fmt: skip
    assert history_lines(withdrawn.history) == [
        "1. 2027-01-02 07:00 UTC, by nurse A: cycle 2 and later cycles delayed by 7 days — "
        "neutrophils 0.9 [withdrawn by entry 2]",
        "2. 2027-01-20 07:00 UTC, by nurse B: entry 1 withdrawn (its change no longer applies) "
        "— typed on the wrong patient",
    ]
    first = icalendar.Calendar.from_ical(
        to_ics(plan_course(original)[2], name="x", stamp=STAMP, zone=LONDON)
    )
    last = icalendar.Calendar.from_ical(
        to_ics(plan_course(withdrawn)[2], name="x", stamp=STAMP, zone=LONDON)
    )
    old = {str(v["UID"]): v for v in first.walk("VEVENT")}
    new = {str(v["UID"]): v for v in last.walk("VEVENT")}
    assert old.keys() == new.keys()  # every event kept its UID, none was cancelled
    sequence = {uid: int(v.get("SEQUENCE", 0)) for uid, v in new.items()}
    day1 = next(
        uid
        for uid, v in new.items()
        if str(v["SUMMARY"]) == "Aldesleukin injection — cycle 2, day 1"
    )
    assert (new[day1].decoded("DTSTART"), sequence[day1]) == (
        datetime(2027, 2, 8, 9, 0, tzinfo=LONDON),
        2,
    )
    assert old[day1].decoded("DTSTART") == new[day1].decoded("DTSTART")
    assert str(new[day1]["DESCRIPTION"]).startswith(
        "Moved from Mon 8 Feb 2027 09:00 to Mon 15 Feb 2027 09:00: cycle 2 and later cycles "
        "delayed by 7 days (recorded 2027-01-02 07:00 UTC by nurse A: neutrophils 0.9).\n"
        "Moved from Mon 15 Feb 2027 09:00 to Mon 8 Feb 2027 09:00: entry 1 withdrawn (its "
        "change no longer applies) (recorded 2027-01-20 07:00 UTC by nurse B: typed on the "
        "wrong patient).\n"
    )
    cycle1 = [uid for uid, v in new.items() if "cycle 1," in str(v["SUMMARY"])]
    assert len(cycle1) == 20 and {sequence[uid] for uid in cycle1} == {0}
    assert {sequence[uid] for uid, v in new.items() if "cycle 2," in str(v["SUMMARY"])} == {2}


def test_withdrawals_that_cannot_be_recorded() -> None:
    delayed = recorded(course(), Delay(1, 2, 7))
    withdrawn = recorded(delayed, Withdraw(1), when=at(date(2027, 1, 20)))
    later = at(date(2027, 1, 21))
    with pytest.raises(
        CourseError,
        match=r"^refused: entry 2 is itself a withdrawal: record its change again instead$",
    ):
        recorded(withdrawn, Withdraw(2), when=later)
    with pytest.raises(CourseError, match=r"^refused: entry 1 is already withdrawn$"):
        recorded(withdrawn, Withdraw(1), when=later)
    with pytest.raises(
        CourseError,
        match=r"^refused: there is no entry 5 before it \(entries 1 to 2 can be withdrawn\)$",
    ):
        recorded(withdrawn, Withdraw(5), when=later)
    with pytest.raises(CourseError, match="entry must be an entry number from 1, got 0"):
        Withdraw(0)


def test_withdrawing_a_delay_mid_cycle_never_plans_two_doses_on_one_day() -> None:
    """Cycle 2 delayed a week (to Mon 15 Feb), then the delay withdrawn on Wed 17 Feb at 07:00,
    before that day's 09:00 injection. Days 1 and 2 (Mon 15, Tue 16 Feb) were given. The
    doses still ahead cannot go back into the past, so day 3 stays on Wed 17 Feb; day 10,
    ahead too, went back to its own Wed 17 Feb — two injections at 09:00 on one day, and
    again on Thu 18, Fri 19, Mon 22 and Tue 23 Feb. The withdrawal is refused, naming the
    clash and what to record instead; withdrawn the day it was recorded, it is not."""
    delayed = recorded(course(), Delay(1, 2, 7))
    with pytest.raises(CourseError) as refused:
        recorded(delayed, Withdraw(1), when=at(date(2027, 2, 17)))
    assert str(refused.value) == (
        "refused: it would move Aldesleukin injection — cycle 2, day 3 back to Wed 10 Feb 2027 "
        "09:00, which has passed, so it stays on Wed 17 Feb 2027 09:00; but Aldesleukin "
        "injection — cycle 2, day 10 would now fall on that day too: two doses of Aldesleukin "
        "where the regimen gives one. Record what is to happen from now on instead (a delay, an "
        "omission, a stop)"
    )
    withdrawn = recorded(delayed, Withdraw(1), when=at(date(2027, 1, 3)))
    days = [e.start.date() for e in live(withdrawn) if isinstance(e.start, datetime)]
    assert sorted({d for d in days if days.count(d) > 1}) == []
    assert date(2027, 2, 8) in days  # cycle 2 back on Mon 8 Feb


def test_course_withdraw_on_the_command_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "a.toml"
    assert run(capsys, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
               "--tz", "Europe/London", "-o", str(path))[0] == 0  # fmt: skip
    assert run(capsys, "course", "delay", str(path), "--cycle", "2", "--days", "7")[0] == 0
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-20T07:00:00Z")
    code, out, err = run(capsys, "course", "withdraw", str(path), "--entry", "1", "--reason",
                         "typed on the wrong patient", "--by", "nurse B")  # fmt: skip
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        f"Recorded in {path} (previous version: {path}.bak): entry 1 withdrawn (its change no "
        "longer applies) — typed on the wrong patient",
        "  Cycle 2 moves from Mon 15 Feb 2027 to Mon 8 Feb 2027: 20 doses and 2 blood tests "
        "shift by 7 days",
    ]
    before = path.read_bytes()
    code, out, err = run(capsys, "course", "withdraw", str(path), "--entry", "2")
    assert (code, out) == (1, "")
    assert err == (f"Error: {path}: refused: entry 2 is itself a withdrawal: record its change "
                   "again instead\n")  # fmt: skip
    assert path.read_bytes() == before
    code, out, _ = run(capsys, "course", "show", str(path))
    assert (
        "  1. 2027-01-02 10:00 UTC: cycle 2 and later cycles delayed by 7 days [withdrawn by entry 2]"
        in out
    )
    assert ("  2. 2027-01-20 07:00 UTC, by nurse B: entry 1 withdrawn (its change no longer "
            "applies) — typed on the wrong patient") in out  # fmt: skip


# -- 6. Records of what happened -----------------------------------------------------------------
# Paclitaxel-carboplatin from Mon 4 Jan 2027 (70 kg, 170 cm, GFR 75): each cycle's blood test on
# day -1, dexamethasone 20 mg at home 12 h and 6 h before paclitaxel (Sun 22:00, Mon 04:00),
# diphenhydramine and the H2 antagonist 09:30, paclitaxel 410 mg 10:00, carboplatin 600 mg
# 13:00. Cycle 2: test Sun 24 Jan, dexamethasone Sun 24 Jan 22:00 and Mon 25 Jan 04:00.


def new_records_course(tmp_path: Path) -> Path:
    path = tmp_path / "cp.toml"
    scheduler.new_course("carboplatin-paclitaxel-q21d", path, start=date(2027, 1, 4),
                         zone="Europe/London", cycles=4, body=BODY, identity="cp-records")  # fmt: skip
    return path


def test_records_corrections_and_adherence(tmp_path: Path) -> None:
    path = new_records_course(tmp_path)
    planned = scheduler.plan_stored(load_course(path)).events
    dex, paclitaxel_dose = "dexamethasone", "paclitaxel"
    steps = [
        (Which(1, 1, -1, drug=dex), Status.GIVEN, datetime(2027, 1, 3, 23, 0, tzinfo=UTC),
         {"time_given": time(22, 30), "by": "patient"}),
        (Which(1, 1, 1, drug=dex), Status.MISSED, datetime(2027, 1, 4, 8, 0, tzinfo=UTC),
         {"reason": "forgot", "note": "alarm did not ring"}),
        (Which(1, 1, 1, drug=paclitaxel_dose), Status.GIVEN, datetime(2027, 1, 4, 14, 0, tzinfo=UTC),
         {"time_given": time(10, 20), "amount": parse_amount("400 mg"), "by": "nurse A"}),
        # A correction: the later record of the same dose is the one in force.
        (Which(1, 1, 1, drug=paclitaxel_dose), Status.GIVEN, datetime(2027, 1, 4, 15, 0, tzinfo=UTC),
         {"time_given": time(10, 15), "amount": parse_amount("400 mg"), "by": "nurse A",
          "note": "time corrected"}),
        (Which(1, 1, 1, drug="carboplatin"), Status.GIVEN_ELSEWHERE,
         datetime(2027, 1, 4, 15, 30, tzinfo=UTC), {"note": "at the district hospital"}),
        # A clinic event is confirmed (or deferred) ahead of its day.
        (Which(1, 2, -1, kind=EventKind.LAB), Status.CONFIRMED, datetime(2027, 1, 5, 9, 0, tzinfo=UTC), {}),
        (Which(1, 2, 1, drug=paclitaxel_dose), Status.DEFERRED, datetime(2027, 1, 5, 9, 5, tzinfo=UTC),
         {"reason": "transport"}),
        (Which(1, 2, -1, drug=dex), Status.REFUSED, datetime(2027, 1, 24, 9, 10, tzinfo=UTC),
         {"reason": "patient-choice"}),
        (Which(1, 2, 1, drug=dex), Status.GIVEN_ELSEWHERE, datetime(2027, 1, 25, 9, 0, tzinfo=UTC),
         {"note": "on the ward"}),
    ]  # fmt: skip
    for which, status, now, options in steps:
        made = scheduler.record_event(path, which, status, now=now, **options)  # type: ignore[arg-type]
        assert len(made) == 1
    c = load_course(path)
    assert len(c.records) == 9
    # The plan never moves when something is recorded.
    assert timeline(scheduler.plan_stored(c).events) == timeline(planned)
    by_uid = {e.uid: e for e in planned}
    in_force = current_records(c.records)
    assert len(in_force) == 8
    told = sorted((shown(by_uid[uid]), r.status.value, r.time, r.amount, r.reason, r.note)
                  for uid, r in in_force.items())  # fmt: skip
    assert told == sorted([
        ("Sun 3 Jan 2027 22:00", "given", datetime(2027, 1, 3, 22, 30, tzinfo=LONDON), None, None, ""),
        ("Mon 4 Jan 2027 04:00", "missed", None, None, "forgot", "alarm did not ring"),
        ("Mon 4 Jan 2027 10:00", "given", datetime(2027, 1, 4, 10, 15, tzinfo=LONDON),
         parse_amount("400 mg"), None, "time corrected"),
        ("Mon 4 Jan 2027 13:00", "given-elsewhere", None, None, None, "at the district hospital"),
        ("Sun 24 Jan 2027", "confirmed", None, None, None, ""),
        ("Mon 25 Jan 2027 10:00", "deferred", None, None, "transport", ""),
        ("Sun 24 Jan 2027 22:00", "refused", None, None, "patient-choice", ""),
        ("Mon 25 Jan 2027 04:00", "given-elsewhere", None, None, None, "on the ward"),
    ])  # fmt: skip
    # Home doses (the dexamethasone) due by Mon 25 Jan: four, each recorded differently.
    taken = adherence(planned, c.records, date(2027, 1, 25))
    assert (taken.due, taken.given, taken.elsewhere, taken.missed, taken.refused) == (4, 1, 1, 1, 1)
    assert (
        str(taken)
        == "4 home doses due: 1 given, 1 given elsewhere, 1 missed, 1 refused (50 % taken)"
    )
    assert str(adherence(planned, c.records, date(2027, 1, 4))) == (
        "2 home doses due: 1 given, 1 missed (50 % taken)"
    )
    text = describe_course(c, today=date(2027, 1, 25))
    assert "Recorded (8 events):\n" in text
    assert ("  Mon 4 Jan 2027 10:00  Paclitaxel infusion 410 mg — cycle 1, day 1: given at 10:15 "
            "(400 mg), by nurse A — time corrected\n") in text  # fmt: skip
    assert ("  Mon 4 Jan 2027 04:00  Dexamethasone tablets (paclitaxel premedication) 20 mg — "
            "cycle 1, day 1: missed: forgotten — alarm did not ring\n") in text  # fmt: skip
    assert ("  Mon 25 Jan 2027 10:00  Paclitaxel infusion 410 mg — cycle 2, day 1: deferred: no "
            "transport\n") in text  # fmt: skip
    assert ("Home doses so far: 4 home doses due: 1 given, 1 given elsewhere, 1 missed, 1 refused "
            "(50 % taken)\n") in text  # fmt: skip


def test_records_that_cannot_be_made(tmp_path: Path) -> None:
    path = new_records_course(tmp_path)
    early = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
    with pytest.raises(
        CourseError,
        match=r"refused: Paclitaxel infusion 410 mg — cycle 2, day 1 is on Mon 25 Jan 2027: record what happened to a dose once it is due",
    ):
        scheduler.record_event(path, Which(1, 2, 1, drug="paclitaxel"), Status.GIVEN, now=early)
    with pytest.raises(
        CourseError, match=r"can be recorded only as one of confirmed, deferred, cancelled"
    ):
        scheduler.record_event(path, Which(1, 2, -1, kind=EventKind.LAB), Status.GIVEN, now=early)
    with pytest.raises(
        CourseError,
        match=r"an amount given is for one dose, and that day has 5 \(Carboplatin, Dexamethasone, Diphenhydramine, H2 antagonist, Paclitaxel\): give the drug \(and the slot\) too$",
    ):
        scheduler.record_event(path, Which(1, 1, 1), Status.GIVEN, now=early,
                               amount=parse_amount("400 mg"))  # fmt: skip
    assert load_course(path).records == ()


def test_a_record_file_round_trip_is_byte_identical(tmp_path: Path) -> None:
    path = new_records_course(tmp_path)
    scheduler.record_event(path, Which(1, 1, 1, drug="paclitaxel"), Status.GIVEN,
                           now=datetime(2027, 1, 4, 14, 0, tzinfo=UTC), time_given=time(10, 20),
                           amount=parse_amount("400 mg"), by='nurse "A"', note="slow drip\\ok")  # fmt: skip
    scheduler.record_event(path, Which(1, 1, 1, drug="dexamethasone"), Status.MISSED,
                           now=datetime(2027, 1, 4, 15, 0, tzinfo=UTC), reason="no-supply")  # fmt: skip
    text = path.read_text(encoding="utf-8")
    once = dump_course(load_course(path))
    assert once == text
    again = tmp_path / "again.toml"
    again.write_text(once, encoding="utf-8")
    assert dump_course(load_course(again)) == once
    assert load_course(again).records == load_course(path).records
    assert 'amount = "400 mg"' in text and 'reason = "no-supply"' in text


def test_records_on_the_command_line_and_course_show(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    path = tmp_path / "cp.toml"
    assert run(capsys, "course", "new", "carboplatin-paclitaxel-q21d", "--start", "2027-01-04",
               "--cycles", "4", "--tz", "Europe/London", "--weight", "70", "--height", "170",
               "--gfr", "75", "-o", str(path))[0] == 0  # fmt: skip
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert run(capsys, "plan", str(path), "-o", str(tmp_path / "before.ics"))[0] == 0
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-03T23:00:00Z")
    code, out, err = run(capsys, "course", "given", str(path), "--cycle", "1", "--day", "-1",
                         "--drug", "dexamethasone", "--time", "22:30", "--by", "patient")  # fmt: skip
    assert (code, err) == (0, "")
    assert out == (f"Recorded in {path}: Dexamethasone tablets (paclitaxel premedication) 20 mg "
                   "— day −1 of cycle 1 (Sun 3 Jan 2027 22:00): given at 22:30, by patient\n")  # fmt: skip
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-04T08:00:00Z")
    code, out, _ = run(capsys, "course", "missed", str(path), "--cycle", "1", "--day", "1",
                       "--drug", "Dexamethasone", "--why", "forgot")  # fmt: skip
    assert code == 0 and out.endswith("(Mon 4 Jan 2027 04:00): missed: forgotten\n")
    code, out, _ = run(capsys, "course", "record", str(path), "--status", "confirmed", "--cycle",
                       "2", "--day", "-1", "--kind", "lab")  # fmt: skip
    assert code == 0 and out.endswith("— cycle 2 (Sun 24 Jan 2027): confirmed\n")
    code, out, err = run(capsys, "course", "missed", str(path), "--cycle", "1", "--day", "1",
                         "--drug", "dexamethasone", "--why", "forgot")  # fmt: skip
    assert code == 1 and "is already recorded as missed" in err and "--again" in err
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-04T12:00:00Z")
    code, out, _ = run(capsys, "course", "show", str(path))
    assert code == 0
    assert (
        "Changes: none\n"
        "Recorded (3 events):\n"
        "  Sun 3 Jan 2027 22:00  Dexamethasone tablets (paclitaxel premedication) 20 mg — day −1 "
        "of cycle 1: given at 22:30, by patient\n"
        "  Mon 4 Jan 2027 04:00  Dexamethasone tablets (paclitaxel premedication) 20 mg — cycle "
        "1, day 1: missed: forgotten\n"
        "  Sun 24 Jan 2027  Blood test before the cycle (blood count, kidney function) — cycle 2: "
        "confirmed\n"
        "Home doses so far: 2 home doses due: 1 given, 1 missed (50 % taken)\n"
    ) in out
    # Records never move the plan: every event keeps its UID, times, title and SEQUENCE.
    assert run(capsys, "plan", str(path), "-o", str(tmp_path / "after.ics"))[0] == 0
    assert ics_timeline(tmp_path / "after.ics") == ics_timeline(tmp_path / "before.ics")


# -- 7. Decided on the day -----------------------------------------------------------------------
# Cycle 2 of paclitaxel-carboplatin (day 1 Mon 25 Jan 2027) delayed a week at 08:00 on Mon 25
# Jan: the blood test (Sun 24 Jan) and both dexamethasone doses (Sun 24 Jan 22:00, Mon 25 Jan
# 04:00) are past; the 09:30 premedication, paclitaxel 10:00 and carboplatin 13:00 are ahead.


def cycle2(c: Course) -> list[tuple[str, str, str]]:
    return [(e.kind.value, e.drug_key or "", shown(e)) for e in plan_course(c)[2]
            if e.cycle == 2 and not e.cancelled]  # fmt: skip


def test_a_delay_decided_at_0800_on_day_1_keeps_the_past_and_plans_again() -> None:
    original = course("carboplatin-paclitaxel-q21d", body=BODY)
    delayed = recorded(original, Delay(1, 2, 7), when=at(date(2027, 1, 25), time(8, 0)),
                       reason="neutrophils 0.9")  # fmt: skip
    assert cycle2(delayed) == [
        ("lab", "", "Sun 24 Jan 2027"),
        ("dose", "dexamethasone", "Sun 24 Jan 2027 22:00"),
        ("dose", "dexamethasone", "Mon 25 Jan 2027 04:00"),
        ("lab", "", "Sun 31 Jan 2027"),  # the count is done again before the new day 1
        ("dose", "dexamethasone", "Sun 31 Jan 2027 22:00"),  # and the premedication taken again
        ("dose", "dexamethasone", "Mon 1 Feb 2027 04:00"),
        ("dose", "diphenhydramine", "Mon 1 Feb 2027 09:30"),
        ("dose", "h2-antagonist", "Mon 1 Feb 2027 09:30"),
        ("dose", "paclitaxel", "Mon 1 Feb 2027 10:00"),
        ("dose", "carboplatin", "Mon 1 Feb 2027 13:00"),
    ]
    # The past is kept exactly: same UIDs, times, titles and descriptions, revision 0.
    first = {e.uid: e for e in plan_course(original)[2]}
    now = {e.uid: e for e in plan_course(delayed)[2]}
    past = [e for e in first.values() if e.cycle == 2 and shown(e) in
            ("Sun 24 Jan 2027", "Sun 24 Jan 2027 22:00", "Mon 25 Jan 2027 04:00")]  # fmt: skip
    assert len(past) == 3
    for event in past:
        assert now[event.uid] == event
    again = [e for e in now.values() if e.uid not in first]
    assert sorted(shown(e) for e in again) == [
        "Mon 1 Feb 2027 04:00",
        "Sun 31 Jan 2027",
        "Sun 31 Jan 2027 22:00",
    ]
    lab = next(e for e in again if e.kind == "lab")
    assert lab.description.startswith(
        "Planned again: it was due Sun 24 Jan 2027, and what it comes before has moved, so it "
        "is done again before it.\n"
    )
    dex = next(e for e in again if shown(e) == "Sun 31 Jan 2027 22:00")
    assert dex.description.startswith(
        "Planned again: Dexamethasone was due Sun 24 Jan 2027 22:00, and the dose it goes with "
        "has moved, so it is taken again before it.\n"
    )
    moved = now[
        next(uid for uid, e in first.items() if e.cycle == 2 and e.drug_key == "paclitaxel")
    ]
    assert (moved.revision, moved.moved_from) == (1, datetime(2027, 1, 25, 10, 0, tzinfo=LONDON))
    # Cycle 3 follows: test Sun 21 Feb, paclitaxel Mon 22 Feb.
    assert [(e.kind.value, shown(e)) for e in plan_course(delayed)[2]
            if e.cycle == 3 and e.drug_key in (None, "paclitaxel")][:2] == [
        ("lab", "Sun 21 Feb 2027"), ("dose", "Mon 22 Feb 2027 10:00"),
    ]  # fmt: skip


def test_a_second_delay_moves_what_was_planned_again_while_it_is_ahead() -> None:
    """Delayed again on Tue 26 Jan, before the repeated test and premedication: they move to
    Sun 7 Feb, Sun 7 Feb 22:00 and Mon 8 Feb 04:00 under the same UIDs; no third copy."""
    c = course("carboplatin-paclitaxel-q21d", body=BODY)
    once = recorded(c, Delay(1, 2, 7), when=at(date(2027, 1, 25), time(8, 0)))
    twice = recorded(once, Delay(1, 2, 7), when=at(date(2027, 1, 26), time(8, 0)))
    assert cycle2(twice) == [
        ("lab", "", "Sun 24 Jan 2027"),
        ("dose", "dexamethasone", "Sun 24 Jan 2027 22:00"),
        ("dose", "dexamethasone", "Mon 25 Jan 2027 04:00"),
        ("lab", "", "Sun 7 Feb 2027"),
        ("dose", "dexamethasone", "Sun 7 Feb 2027 22:00"),
        ("dose", "dexamethasone", "Mon 8 Feb 2027 04:00"),
        ("dose", "diphenhydramine", "Mon 8 Feb 2027 09:30"),
        ("dose", "h2-antagonist", "Mon 8 Feb 2027 09:30"),
        ("dose", "paclitaxel", "Mon 8 Feb 2027 10:00"),
        ("dose", "carboplatin", "Mon 8 Feb 2027 13:00"),
    ]
    again_once = {e.uid for e in plan_course(once)[2]} - {e.uid for e in plan_course(c)[2]}
    again_twice = {e.uid for e in plan_course(twice)[2]} - {e.uid for e in plan_course(c)[2]}
    assert again_twice == again_once and len(again_once) == 3


def test_a_second_delay_after_the_repeat_was_done_plans_it_again_once_more() -> None:
    """Delayed again at 08:00 on Mon 1 Feb, after the repeated test (Sun 31 Jan) and
    premedication (Sun 31 Jan 22:00, Mon 1 Feb 04:00): those stay, and each is planned once
    more before Mon 8 Feb: three of each in all, not four."""
    c = course("carboplatin-paclitaxel-q21d", body=BODY)
    once = recorded(c, Delay(1, 2, 7), when=at(date(2027, 1, 25), time(8, 0)), reason="ANC 0.9")
    twice = recorded(once, Delay(1, 2, 7), when=at(date(2027, 2, 1), time(8, 0)), reason="ANC 1.1")
    assert cycle2(twice) == [
        ("lab", "", "Sun 24 Jan 2027"),
        ("dose", "dexamethasone", "Sun 24 Jan 2027 22:00"),
        ("dose", "dexamethasone", "Mon 25 Jan 2027 04:00"),
        ("lab", "", "Sun 31 Jan 2027"),
        ("dose", "dexamethasone", "Sun 31 Jan 2027 22:00"),
        ("dose", "dexamethasone", "Mon 1 Feb 2027 04:00"),
        ("lab", "", "Sun 7 Feb 2027"),
        ("dose", "dexamethasone", "Sun 7 Feb 2027 22:00"),
        ("dose", "dexamethasone", "Mon 8 Feb 2027 04:00"),
        ("dose", "diphenhydramine", "Mon 8 Feb 2027 09:30"),
        ("dose", "h2-antagonist", "Mon 8 Feb 2027 09:30"),
        ("dose", "paclitaxel", "Mon 8 Feb 2027 10:00"),
        ("dose", "carboplatin", "Mon 8 Feb 2027 13:00"),
    ]
    paclitaxel2 = next(e for e in live(twice, cycle=2) if e.drug_key == "paclitaxel")
    assert paclitaxel2.revision == 2
    assert paclitaxel2.description.startswith(
        "Moved from Mon 25 Jan 2027 10:00 to Mon 1 Feb 2027 10:00: cycle 2 and later cycles "
        "delayed by 7 days (recorded 2027-01-25 08:00 UTC: ANC 0.9).\n"
        "Moved from Mon 1 Feb 2027 10:00 to Mon 8 Feb 2027 10:00: cycle 2 and later cycles "
        "delayed by 7 days (recorded 2027-02-01 08:00 UTC: ANC 1.1).\n"
    )
