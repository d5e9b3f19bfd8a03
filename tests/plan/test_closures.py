"""Closed days (plan/closures.py), with dates written by hand from the calendar: a closure moves
whole units — a cycle whose first day is closed, an interval series, a day's doses with the rest
of their run — never stacks two doses of a drug closer than the regimen gives them, and keeps a
test placed before its cycle before it (issue 8, defects 1 and 2)."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanError, PlanOptions, expand, parse_regimen, resolve_regimen
from scheduler.plan.closures import Closures
from scheduler.plan.events import Event
from scheduler.regimen.dosing import Body

LONDON = ZoneInfo("Europe/London")
ENGLAND = Closures(regions=("GB-ENG",))


def clinic_regimen(days: str, times: str = 'time = "10:00"', cycle_days: int = 21) -> str:
    return (
        'id = "clinic"\nname = "A clinic drug"\nindication = "Test"\nsource = "Test"\n'
        '[drugs.x]\nname = "Drug X"\nroute = "intravenous"\n'
        f"[[phases]]\ncycle_days = {cycle_days}\ncycles = 1\n"
        f'[[phases.doses]]\ndays = "{days}"\n{times}\nduration = "30m"\n'
    )


def plan(text_or_id: str, start: date, closures: Closures, **options: object) -> tuple[Event, ...]:
    regimen = parse_regimen(text_or_id) if "\n" in text_or_id else resolve_regimen(text_or_id)
    return expand(
        regimen,
        PlanOptions(
            start=start, zone=LONDON, closures=closures, cycles=options.pop("cycles", 1), **options
        ),
    )  # type: ignore[arg-type]


def starts(events: tuple[Event, ...], kind: str = "dose") -> list[str]:
    return [e.start.isoformat(timespec="minutes") for e in events if e.kind == kind]  # type: ignore[union-attr]


def test_hd_aldesleukin_series_moves_whole_and_never_stacks() -> None:
    """Regression (defect 1): from Monday 3 May 2027 (Early May bank holiday) the holiday's
    infusions were moved onto 4 May, which then had two 42,000,000 IU infusions at 08:00 and two
    at 16:00. The first dose day of the cycle is closed, so the whole cycle starts on Tuesday
    4 May: block 1 runs every 8 hours from 08:00 Tue 4 May to 16:00 Sat 8 May (14 doses), block
    2 from 08:00 Tue 18 May (day 15) to 16:00 Sat 22 May, the 9 rest days kept."""
    events = plan("aldesleukin-hd-iv", date(2027, 5, 3), ENGLAND, body=Body(weight_kg=Decimal(70)))
    got = starts(events)
    block = ["T08:00+01:00", "T16:00+01:00"]
    daily = ["T00:00+01:00", "T08:00+01:00", "T16:00+01:00"]
    first = [f"2027-05-04{t}" for t in block] + [
        f"2027-05-{d:02d}{t}" for d in range(5, 9) for t in daily
    ]
    second = [f"2027-05-18{t}" for t in block] + [
        f"2027-05-{d:02d}{t}" for d in range(19, 23) for t in daily
    ]
    assert got == first + second
    assert len(got) == 28 and len(set(got)) == 28
    doses = [e.start for e in events if e.kind == "dose"]
    assert min(b - a for a, b in itertools.pairwise(doses)) == timedelta(hours=8)  # type: ignore[operator]
    note = "This cycle moved from Mon 3 May 2027 to Tue 4 May 2027"
    assert all(e.description.startswith(note) for e in events if e.kind == "dose")
    assert "When: Tue 4 May 2027 at 08:00" in events[0].description


def test_a_closed_first_day_moves_the_whole_cycle_and_later_ones() -> None:
    """Weekly paclitaxel days 1, 8, 15 of 28, in clinic, from Monday 3 May 2027 (bank holiday):
    cycle 1 starts Tuesday 4 May (then Tue 11 and Tue 18 May); cycle 2 follows 28 days after
    its real start, Tuesday 1 June — the original Monday 31 May is the Spring bank holiday."""
    events = plan("paclitaxel-weekly-q28d", date(2027, 5, 3), ENGLAND, cycles=2)
    assert [s[:10] for s in starts(events)] == [
        "2027-05-04", "2027-05-11", "2027-05-18", "2027-06-01", "2027-06-08", "2027-06-15",
    ]  # fmt: skip


def test_a_closed_day_1_moves_the_cycle_with_its_premedication_of_the_day_before() -> None:
    """Docetaxel in clinic on day 1 with dexamethasone at home on days -1, 1 and 2 ("for 3 days
    starting 1 day prior to docetaxel", the label), from Monday 3 May 2027, a bank holiday.
    The cycle's first dose day (day -1, Sunday 2 May) is open, but its day 1 is not: the whole
    cycle moves a day, so the tablets still start the day before the infusion (Monday 3 May)
    and end the day after it (Wednesday 5 May). Before, the infusion moved alone to Tuesday
    and the tablets stayed on Sunday to Tuesday: two days before it, none after."""
    events = plan(
        "docetaxel-q21d",
        date(2027, 5, 3),
        ENGLAND,
        body=Body(weight_kg=Decimal(70), height_cm=Decimal(170)),
    )
    doses = [(e.drug, e.start.isoformat(timespec="minutes")) for e in events if e.kind == "dose"]  # type: ignore[union-attr]
    assert doses == [
        ("Dexamethasone", "2027-05-03T08:00+01:00"), ("Dexamethasone", "2027-05-03T20:00+01:00"),
        ("Dexamethasone", "2027-05-04T08:00+01:00"), ("Docetaxel", "2027-05-04T10:00+01:00"),
        ("Dexamethasone", "2027-05-04T20:00+01:00"),
        ("Dexamethasone", "2027-05-05T08:00+01:00"), ("Dexamethasone", "2027-05-05T20:00+01:00"),
    ]  # fmt: skip
    assert [e.start for e in events if e.kind == "lab"] == [date(2027, 5, 2)]  # still before it


def test_a_mid_run_closure_pushes_the_rest_of_the_run() -> None:
    """Days 1-5 at 10:00 in clinic from Monday 4 January 2027, closed Wednesday 6 January (day
    3): day 3's dose moves to Thursday 7, and the rest of the run moves along with it (Fri 8,
    Sat 9), so no day has two doses."""
    events = plan(
        clinic_regimen("1-5"), date(2027, 1, 4), Closures(dates=frozenset({date(2027, 1, 6)}))
    )
    assert starts(events) == [
        "2027-01-04T10:00+00:00", "2027-01-05T10:00+00:00", "2027-01-07T10:00+00:00",
        "2027-01-08T10:00+00:00", "2027-01-09T10:00+00:00",
    ]  # fmt: skip
    third, fourth = [e for e in events if e.day in (3, 4)]
    assert third.notes == ("Moved from Wed 6 Jan 2027 (closed that day) to Thu 7 Jan 2027.",)
    assert fourth.notes[0].startswith(
        "Moved from Thu 7 Jan 2027 to Fri 8 Jan 2027 with the doses before it"
    )
    assert "When: Fri 8 Jan 2027 at 10:00" in fourth.description


def test_a_days_doses_move_together() -> None:
    """Twice daily (08:00, 20:00) on days 1-3 in clinic from Monday 4 January 2027, closed
    Tuesday 5 January: both of day 2's doses move to Wednesday 6, day 3's to Thursday 7."""
    regimen = clinic_regimen("1-3", 'times = ["08:00", "20:00"]', cycle_days=14)
    events = plan(regimen, date(2027, 1, 4), Closures(dates=frozenset({date(2027, 1, 5)})))
    assert starts(events) == [
        "2027-01-04T08:00+00:00", "2027-01-04T20:00+00:00",
        "2027-01-06T08:00+00:00", "2027-01-06T20:00+00:00",
        "2027-01-07T08:00+00:00", "2027-01-07T20:00+00:00",
    ]  # fmt: skip


def test_a_closure_that_would_stack_doses_is_refused_with_what_to_do() -> None:
    """Days 1-5 and 7-11 in clinic from Monday 4 January 2027, closed Friday 8 (day 5) and
    Saturday 9 (day 6): day 5's dose would move to Sunday 10, which already has day 7's dose.
    Refused, saying what to do instead."""
    closed = Closures(dates=frozenset({date(2027, 1, 8), date(2027, 1, 9)}))
    with pytest.raises(PlanError) as caught:
        plan(clinic_regimen("1-5, 7-11"), date(2027, 1, 4), closed)
    assert str(caught.value) == (
        "a closure would move a dose so that Drug X doses on Sun 10 Jan 2027 at 10:00 and "
        "Sun 10 Jan 2027 at 10:00 are closer than the regimen ever gives them (it keeps them at "
        "least 1 day apart); record a delay of that cycle instead, or change the clinic closure "
        "policy to 'skip' or 'keep and flag'"
    )


def test_a_test_before_its_cycle_stays_before_it() -> None:
    """Regression (defect 2): aldesleukin SC from Monday 22 November 2027 with England's
    holidays: cycle 2 starts Monday 27 December; its day -1 blood test, Sunday 26 December
    (Boxing Day), was moved to Wednesday 29 December, after the cycle's injections on 27 and 28
    December. It moves earlier instead: Saturday 25 is Christmas Day, so Friday 24 December.
    The injections are given at home and stay on 27-31 December."""
    events = plan("aldesleukin-sc", date(2027, 11, 22), ENGLAND, cycles=2)
    labs = [(e.cycle, e.day, e.start) for e in events if e.kind == "lab"]
    assert (2, -1, date(2027, 12, 24)) in labs
    cycle_2 = [e.start.date().isoformat() for e in events if e.kind == "dose" and e.cycle == 2][:5]  # type: ignore[union-attr]
    assert cycle_2 == ["2027-12-27", "2027-12-28", "2027-12-29", "2027-12-30", "2027-12-31"]
    for event in events:
        if event.kind == "lab" and event.day == -1:
            first = min(e.start for e in events if e.kind == "dose" and e.cycle == event.cycle)
            assert event.start < first.date()  # type: ignore[union-attr,operator]


def test_closed_weekends_move_a_day_minus_one_test_back_to_friday() -> None:
    """Aldesleukin SC from Monday 4 January 2027 with Saturdays and Sundays closed: the day -1
    test, Sunday 3 January, goes to Friday 1 January, never onto day 1."""
    weekends = Closures(weekdays=frozenset({5, 6}))
    events = plan("aldesleukin-sc", date(2027, 1, 4), weekends)
    assert [e.start for e in events if e.kind == "lab"] == [date(2027, 1, 1), date(2027, 1, 18)]


def test_skip_leaves_the_dose_out_without_moving_the_run() -> None:
    closed = Closures(
        dates=frozenset({date(2027, 1, 6)}),
        policy={"home": "keep", "clinic": "skip", "hospital": "skip"},
    )
    events = plan(clinic_regimen("1-5"), date(2027, 1, 4), closed)
    assert [s[:10] for s in starts(events)] == [
        "2027-01-04",
        "2027-01-05",
        "2027-01-07",
        "2027-01-08",
    ]


def test_keep_and_flag_marks_the_title() -> None:
    closed = Closures(
        dates=frozenset({date(2027, 1, 6)}),
        policy={"home": "keep", "clinic": "keep and flag", "hospital": "keep"},
    )
    events = plan(clinic_regimen("1-5"), date(2027, 1, 4), closed)
    flagged = [e for e in events if e.flag]
    assert [e.start.date() for e in flagged] == [date(2027, 1, 6)]  # type: ignore[union-attr]
    assert flagged[0].title.endswith("[Clinic closed (closed that day)]")


def test_an_endless_closure_is_a_plan_error() -> None:
    every_day_but_sunday = Closures(weekdays=frozenset(range(6)))
    with pytest.raises(PlanError, match=re.escape("no open day within 60 days")) as caught:
        plan(
            clinic_regimen("1-5"),
            date(2027, 1, 4),
            Closures(dates=frozenset(date(2027, 1, 4) + timedelta(days=d) for d in range(90))),
        )
    assert caught.value.field is None
    events = plan(clinic_regimen("1"), date(2027, 1, 4), every_day_but_sunday)
    assert starts(events) == ["2027-01-10T10:00+00:00"]  # the next Sunday


def test_dates_in_descriptions_follow_the_move() -> None:
    """Every view agrees: the moved dose's own text names its new date, not the old one."""
    events = plan(
        clinic_regimen("1-5"), date(2027, 1, 4), Closures(dates=frozenset({date(2027, 1, 6)}))
    )
    moved = next(e for e in events if e.day == 3)
    assert isinstance(moved.start, datetime)
    when = [line for line in moved.description.splitlines() if line.startswith("When:")]
    assert when == ["When: Thu 7 Jan 2027 at 10:00, over 30 min; cycle 1, day 3 of 21."]


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("XX-YY", "unknown country 'XX' for public holidays in 'XX-YY' (use an ISO code such as GB, US, DE, optionally with a subdivision: GB-ENG, US-NY)"),
        ("GB-XX", "unknown subdivision 'XX' of GB (known: ENG, NIR, SCT, WLS)"),
        ("UK-XX", "unknown subdivision 'XX' of UK (known: ENG, NIR, SCT, WLS)"),
    ],
)  # fmt: skip
def test_unknown_regions_are_refused_by_name(region: str, message: str) -> None:
    with pytest.raises(PlanError, match=re.escape(message)) as caught:
        Closures(regions=(region,))
    assert caught.value.field == "closures"


def test_country_aliases_name_the_same_holidays() -> None:
    """GB, GBR and UK are one country; Monday 3 May 2027 is England's Early May bank holiday."""
    for region in ("GB-ENG", "gbr-eng", "UK-ENG"):
        assert Closures(regions=(region,)).reason(date(2027, 5, 3)) == "May Day"


REGION_IMPORTS = """\
import sys
from scheduler.plan.closures import Closures
Closures(regions=("GB-ENG",))
print(sorted(m for m in sys.modules if m.startswith("holidays.countries.")))
from holidays.countries import Germany
import holidays
print(Germany.__name__, len(holidays.list_supported_countries()) > 200)
"""


def test_a_region_imports_its_own_country_only() -> None:
    """Issue 9: checking "GB-ENG" imported all ~250 holidays country modules (+40 ms on every
    course command). Only the United Kingdom's is imported now, and the rest of holidays still
    works as before afterwards."""
    done = subprocess.run(
        [sys.executable, "-c", REGION_IMPORTS], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["['holidays.countries.united_kingdom']", "Germany True"]


def test_changes_that_close_every_weekday_are_a_plan_error() -> None:
    """Weekends closed by the plan's closures and Monday to Friday by a course change: nothing
    could ever be scheduled. The library says so as its own error (it was a bare ValueError,
    shown by the command line as an internal error)."""
    from scheduler.plan.changes import Close

    options = PlanOptions(
        start=date(2027, 1, 4), zone=ZoneInfo("Europe/London"), cycles=1,
        closures=Closures(weekdays=frozenset({5, 6})),
        adjustments=(Close(weekdays=(0, 1, 2, 3, 4)),),
    )  # fmt: skip
    with pytest.raises(PlanError, match="every weekday is closed"):
        expand(resolve_regimen("aldesleukin-sc"), options)
