"""The regimen language of issue 9, planned: premedication before day 1, weekday rules with a
dose count, hourly safety limits and dose caps per window, and time bounds cut at the exact day.

Every expected date is written out by hand from the published schedule.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler import (
    PlanError,
    PlanOptions,
    RegimenError,
    expand,
    parse_regimen,
    resolve_regimen,
)
from scheduler.plan.changes import Delay, Omit, Retime
from scheduler.plan.closures import Closures
from scheduler.plan.events import Event
from scheduler.regimen.describe import describe
from tests.helpers import dose_dates, doses, plan

LONDON = ZoneInfo("Europe/London")


def starts(events: tuple[Event, ...]) -> list[str]:
    return [f"{e.start:%Y-%m-%d %H:%M}" for e in doses(events)]


def titles(events: tuple[Event, ...], drug: str) -> list[str]:
    return [e.title for e in doses(events) if e.drug == drug]


# -- premedication: doses before day 1 ------------------------------------------------------


def test_docetaxel_dexamethasone_starts_the_day_before_each_cycle() -> None:
    """Taxotere label: dexamethasone 8 mg twice daily for 3 days starting 1 day before
    docetaxel, which is day 1 of 21-day cycles. Start Tuesday 5 January 2027."""
    events = plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=2)
    assert starts(events) == [
        "2027-01-04 08:00", "2027-01-04 20:00",                      # day -1 of cycle 1
        "2027-01-05 08:00", "2027-01-05 10:00", "2027-01-05 20:00",  # day 1: docetaxel at 10
        "2027-01-06 08:00", "2027-01-06 20:00",                      # day 2
        "2027-01-25 08:00", "2027-01-25 20:00",                      # day -1 of cycle 2
        "2027-01-26 08:00", "2027-01-26 10:00", "2027-01-26 20:00",
        "2027-01-27 08:00", "2027-01-27 20:00",
    ]  # fmt: skip
    dex = titles(events, "Dexamethasone")
    assert dex[0].endswith("— day \u22121 of cycle 1")
    assert dex[6].endswith("— day \u22121 of cycle 2")
    assert dex[2].endswith("— cycle 1, day 1")
    first = doses(events)[0]
    assert "day \u22121 of cycle 1, the day before it starts" in first.description


def test_a_delayed_cycle_takes_its_premedication_with_it() -> None:
    """Cycle 2 delayed a week: day 1 Tuesday 2 February 2027, dexamethasone 1-3 February."""
    events = plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=2,
                  adjustments=(Delay(phase=1, cycle=2, days=7),))  # fmt: skip
    assert dose_dates(events)[7:] == ["2027-02-01", "2027-02-01", "2027-02-02", "2027-02-02",
                                      "2027-02-02", "2027-02-03", "2027-02-03"]  # fmt: skip
    assert [e.start for e in events if e.kind == "lab"][1] == date(2027, 1, 31)  # day -2


def test_a_premedication_dose_can_be_omitted_by_its_negative_day() -> None:
    events = plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=1,
                  adjustments=(Omit(phase=1, cycle=1, day=-1, slot=1, drug="dexamethasone"),))  # fmt: skip
    assert starts(events)[:2] == ["2027-01-04 20:00", "2027-01-05 08:00"]


# -- weekday rules and dose counts -----------------------------------------------------------


RT_FRACTIONS = [
    "2027-01-06", "2027-01-07", "2027-01-08",
    "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
    "2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22",
    "2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29",
    "2027-02-01", "2027-02-02", "2027-02-03", "2027-02-04", "2027-02-05",
    "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12",
    "2027-02-15", "2027-02-16",
]  # fmt: skip


def test_radiotherapy_starting_on_a_wednesday_starts_that_wednesday() -> None:
    """Stupp: 2 Gy a day, 5 days a week, 30 fractions. From Wednesday 6 January 2027 the first
    week is Wed-Fri, never the next Monday, and the 30th fraction is Tuesday 16 February."""
    events = plan("radiotherapy-60gy-30f", start=date(2027, 1, 6))
    assert dose_dates(events) == RT_FRACTIONS
    assert all(e.start.weekday() < 5 for e in doses(events))  # type: ignore[union-attr]
    names = titles(events, "Radiotherapy")
    assert names[0] == "Radiotherapy fraction 2 Gy — 1 of 30"
    assert names[-1] == "Radiotherapy fraction 2 Gy — 30 of 30"


def test_an_omitted_fraction_is_made_up_at_the_end() -> None:
    """Friday 8 January missed (week 1, day 3): still 30 fractions, the last on Wednesday 17
    February."""
    events = plan("radiotherapy-60gy-30f", start=date(2027, 1, 6),
                  adjustments=(Omit(phase=1, cycle=1, day=3),))  # fmt: skip
    expected = [d for d in RT_FRACTIONS if d != "2027-01-08"] + ["2027-02-17"]
    assert dose_dates(events) == expected


MWF = """
id = "mwf"
name = "Three times a week"
indication = "Test fixture"
source = "test suite"

[drugs.ifn]
name = "Interferon"
route = "subcutaneous"

[[phases]]
name = "Maintenance"
cycle_days = 7
cycles = "until stopped"

[[phases.doses]]
days = "Mon, Wed, Fri"
count = 7
time = "18:00"
duration = "5m"
"""


def test_monday_wednesday_friday_from_a_wednesday() -> None:
    """Seven doses from Wednesday 6 January 2027: Wed 6, Fri 8, Mon 11, Wed 13, Fri 15, Mon 18,
    Wed 20 - the count bounds the open-ended phase, so no --cycles is needed."""
    regimen = parse_regimen(MWF)
    assert not regimen.open_ended
    events = expand(regimen, PlanOptions(start=date(2027, 1, 6), zone=LONDON))
    assert dose_dates(events) == ["2027-01-06", "2027-01-08", "2027-01-11", "2027-01-13",
                                  "2027-01-15", "2027-01-18", "2027-01-20"]  # fmt: skip


def test_a_delay_of_a_weekday_cycle_keeps_the_weekdays() -> None:
    """Week 2 delayed by 2 days (from Wed 13 to Fri 15 January): doses stay on Mon/Wed/Fri."""
    regimen = parse_regimen(MWF)
    options = PlanOptions(start=date(2027, 1, 6), zone=LONDON,
                          adjustments=(Delay(phase=1, cycle=2, days=2),))  # fmt: skip
    events = expand(regimen, options)
    assert dose_dates(events) == ["2027-01-06", "2027-01-08", "2027-01-11", "2027-01-15",
                                  "2027-01-18", "2027-01-20", "2027-01-22"]  # fmt: skip


def test_show_places_weekday_doses_from_the_start_weekday() -> None:
    from scheduler.regimen.describe import cycle_grid, one_cycle

    regimen = resolve_regimen("radiotherapy-60gy-30f")
    phase = regimen.phases[0]
    grid = cycle_grid(regimen, phase, start=date(2027, 1, 6))
    assert "starting on a Wednesday" in grid
    assert grid.splitlines()[-1].endswith("●●●··●●")
    day_by_day = one_cycle(regimen, phase, date(2027, 1, 6))
    assert "Day   4  Sat 9 Jan 2027  rest (days 4-5)" in day_by_day
    assert "Day   6  Mon 11 Jan 2027  Radiotherapy 2 Gy RT 09:00" in day_by_day


# -- hourly safety limits and caps per window ------------------------------------------------


def test_twice_daily_weekly_methotrexate_plans_within_its_limits() -> None:
    """2.5 mg every 12 hours for 3 doses, once weekly, from Wednesday 6 January 2027."""
    events = plan("methotrexate-weekly-divided", start=date(2027, 1, 6), cycles=2)
    assert starts(events) == ["2027-01-06 08:00", "2027-01-06 20:00", "2027-01-07 08:00",
                              "2027-01-13 08:00", "2027-01-13 20:00", "2027-01-14 08:00"]  # fmt: skip
    drug = resolve_regimen("methotrexate-weekly-divided").drug("methotrexate")
    assert str(drug.window_cap) == "3 doses in any 7 days"


TWICE_DAILY = """
id = "bid"
name = "Twice daily, at most 2 doses in any 24 hours"
indication = "Test fixture"
source = "test suite"

[drugs.tab]
name = "Tablet"
route = "oral"
at_most = "2 doses in any 24h"

[[phases]]
cycle_days = 7
cycles = 2

[[phases.doses]]
days = "every day"
times = ["08:00", "20:00"]
duration = "5m"
"""


def test_a_retime_that_puts_three_doses_in_24_hours_is_refused() -> None:
    """08:00/20:00 daily from Monday 4 January 2027; from Wednesday 6 January the first dose at
    06:00 (then 18:00): Tue 08:00, Tue 20:00 and Wed 06:00 are three doses within 22 hours (the
    first such run is named)."""
    regimen = parse_regimen(TWICE_DAILY)
    retime = Retime(start=date(2027, 1, 6), at=time(6, 0))
    with pytest.raises(PlanError, match=r"3 Tablet doses from Tue 5 Jan 2027 at 08:00 to "
                       r"Wed 6 Jan 2027 at 06:00 break the safety limit of 2 doses in any 24 h"):  # fmt: skip
        expand(regimen, PlanOptions(start=date(2027, 1, 4), zone=LONDON, adjustments=(retime,)))
    later = Retime(start=date(2027, 1, 6), at=time(9, 0))  # 09:00/21:00: never 3 in 24 hours
    events = expand(regimen, PlanOptions(start=date(2027, 1, 4), zone=LONDON, adjustments=(later,)))
    assert starts(events)[3:6] == ["2027-01-05 20:00", "2027-01-06 09:00", "2027-01-06 21:00"]


def test_a_retime_across_midnight_keeps_to_the_calendar_week() -> None:
    """Week 2 retimed to start at 00:00 on Wednesday 13 January: 13 Jan 00:00 and 12:00, 14 Jan
    00:00. Any seven calendar days hold at most three doses, so the plan stands."""
    events = plan("methotrexate-weekly-divided", start=date(2027, 1, 6), cycles=2,
                  adjustments=(Retime(start=date(2027, 1, 13), at=time(0, 0)),))  # fmt: skip
    assert starts(events)[3:] == ["2027-01-13 00:00", "2027-01-13 12:00", "2027-01-14 00:00"]


def test_an_edit_closer_than_the_hourly_min_interval_is_refused() -> None:
    """Dexamethasone 08:00/20:00 with min_interval 11h: day 2 of cycle 1 moved to 06:00 puts it
    10 hours after the 20:00 dose of day 1."""
    with pytest.raises(PlanError, match="closer than the safety limit of 11 h"):
        plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=1, dose_time=None,
             adjustments=(Retime(start=date(2027, 1, 6), at=time(6, 0)),))  # fmt: skip


def test_an_hourly_min_interval_is_checked_across_the_cycle_boundary() -> None:
    text = MWF.replace('name = "Interferon"', 'name = "Interferon"\nmin_interval = "60h"')
    with pytest.raises(
        RegimenError, match=r"doses fall 2 days apart, but drugs\.ifn\.min_interval is 60 h"
    ):
        parse_regimen(text)


# -- time bounds -----------------------------------------------------------------------------

BLOCKS = """
id = "blocks"
name = "Daily tablet in 28-day blocks"
indication = "Test fixture"
source = "test suite"

[drugs.tab]
name = "Tablet"
route = "oral"

[[phases]]
cycle_days = 28
cycles = "until stopped"
up_to = "3 months"

[[phases.doses]]
days = "every day"
time = "09:00"
duration = "5m"
"""


def test_up_to_cuts_at_the_exact_day_not_at_the_end_of_a_block() -> None:
    """From Friday 1 January 2027, up to 3 months: the last dose is Wednesday 31 March, not
    Thursday 22 April (the end of the fourth 28-day block)."""
    events = expand(parse_regimen(BLOCKS), PlanOptions(start=date(2027, 1, 1), zone=LONDON))
    dates = dose_dates(events)
    assert dates[0] == "2027-01-01"
    assert dates[-1] == "2027-03-31"
    assert len(dates) == 90  # 31 + 28 + 31 days


TWO_PHASES = """
id = "two"
name = "Induction then weekly"
indication = "Test fixture"
source = "test suite"

[drugs.a]
name = "Drug A"
route = "intravenous"

[[phases]]
name = "Induction"
cycle_days = 14
cycles = 2
gap_after = "0 days"

[[phases.doses]]
days = "1"
time = "10:00"
duration = "1h"

[[phases]]
name = "Weekly"
cycle_days = 7
cycles = "until stopped"
up_to = "8 weeks FROM"

[[phases.doses]]
days = "1"
time = "10:00"
duration = "1h"
"""


@pytest.mark.parametrize(
    ("bound", "weekly"),
    [
        # 8 weeks from Monday 4 January 2027 is Monday 1 March: weekly doses 1-22 February.
        ("from the start of the course", ["2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22"]),
        # 8 weeks from Monday 1 February is Monday 29 March: weekly doses 1 February - 22 March.
        ("from the start of this phase", ["2027-02-01", "2027-02-08", "2027-02-15", "2027-02-22",
                                          "2027-03-01", "2027-03-08", "2027-03-15", "2027-03-22"]),
    ],
)  # fmt: skip
def test_a_later_phase_says_from_when_its_bound_counts(bound: str, weekly: list[str]) -> None:
    regimen = parse_regimen(TWO_PHASES.replace("FROM", bound))
    events = expand(regimen, PlanOptions(start=date(2027, 1, 4), zone=LONDON))
    assert dose_dates(events) == ["2027-01-04", "2027-01-18", *weekly]


def test_show_says_when_a_later_phase_starts_and_why() -> None:
    text = describe(resolve_regimen("temozolomide-stupp"))
    assert "starts 4 weeks after phase 1's last cycle ends (gap_after)" in text
    two = describe(parse_regimen(TWO_PHASES.replace("FROM", "from the start of the course")))
    assert "Phase 2 'Weekly': 7-day cycles, repeated for up to 8 weeks from the start of the " \
           "course (nothing is planned past that day); starts the day after phase 1's last cycle " \
           "ends" in two  # fmt: skip


# -- the weekday a plan names ----------------------------------------------------------------


def test_plan_summary_names_the_weekday_of_a_weekly_drug() -> None:
    from scheduler.planner import plan as make_plan

    made = make_plan("methotrexate-weekly", start=date(2027, 1, 6), zone=LONDON, cycles=4)
    assert "Methotrexate on Wednesdays" in made.summary()
    assert made.events[0].start == datetime(2027, 1, 6, 9, 0, tzinfo=LONDON)


def test_a_closed_premedication_day_keeps_its_dose_at_home() -> None:
    """Dexamethasone is taken at home (oral): a closed clinic day before the cycle does not move
    it, while the clinic's blood test on day -2 moves to the previous open day."""
    closures = Closures(dates=frozenset({date(2027, 1, 3), date(2027, 1, 4)}))
    events = plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=1, closures=closures)
    assert starts(events)[:2] == ["2027-01-04 08:00", "2027-01-04 20:00"]
    assert [e.start for e in events if e.kind == "lab"] == [date(2027, 1, 2)]


def test_bank_holidays_in_a_radiotherapy_course_are_made_up_at_the_end() -> None:
    """From Wednesday 24 March 2027 with England's holidays: Good Friday 26 March, Easter Monday
    29 March and the early May bank holiday (Monday 3 May) are closed. Without them the 30th
    fraction would be Tuesday 4 May; with them, three weekdays later: Friday 7 May."""
    closures = Closures(regions=("GB-ENG",))
    events = plan("radiotherapy-60gy-30f", start=date(2027, 3, 24), closures=closures)
    dates = dose_dates(events)
    assert len(dates) == 30
    assert dates[:4] == ["2027-03-24", "2027-03-25", "2027-03-30", "2027-03-31"]
    assert dates[-5:] == ["2027-04-30", "2027-05-04", "2027-05-05", "2027-05-06", "2027-05-07"]


def test_mfolfox6_pump_disconnection_follows_the_46_hour_infusion() -> None:
    """Issue 13: mFOLFOX6's 46-hour pump had no disconnection in the calendar. From Monday 4
    January 2027: oxaliplatin and leucovorin 09:00-11:00, the bolus 11:00-11:05, the pump from
    11:05 for 46 hours, so 'Pump disconnection' is Wednesday 6 January at 09:05. An omitted
    infusion has no disconnection; a delayed cycle moves it."""
    events = plan("mfolfox6", start=date(2027, 1, 4), cycles=2)
    ends = [e for e in events if e.title.startswith("Pump disconnection")]
    assert [f"{e.start:%Y-%m-%d %H:%M}" for e in ends] == ["2027-01-06 09:05", "2027-01-20 09:05"]
    assert ends[0].kind == "visit" and ends[0].title == "Pump disconnection — cycle 1"
    omitted = plan("mfolfox6", start=date(2027, 1, 4), cycles=2,
                   adjustments=(Omit(phase=1, cycle=2, day=1, slot=None, drug="fluorouracil"),))  # fmt: skip
    assert [f"{e.start:%Y-%m-%d}" for e in omitted if e.title.startswith("Pump")] == ["2027-01-06"]
    delayed = plan("mfolfox6", start=date(2027, 1, 4), cycles=2,
                   adjustments=(Delay(phase=1, cycle=2, days=7),))  # fmt: skip
    assert [f"{e.start:%Y-%m-%d}" for e in delayed if e.title.startswith("Pump")] == [
        "2027-01-06", "2027-01-27"]  # fmt: skip


def test_show_and_the_printed_calendar_do_not_call_pump_days_rest() -> None:
    from scheduler.planner import plan as make_plan
    from scheduler.regimen.describe import one_cycle

    regimen = resolve_regimen("mfolfox6")
    text = one_cycle(regimen, regimen.phases[0], date(2027, 1, 4))
    assert "Day   2  Tue 5 Jan 2027  Fluorouracil (5-FU) continues (until day 3 09:05)" in text
    assert "Pump disconnection (09:05)" in text
    assert "Day   4  Thu 7 Jan 2027  rest (days 4-14)" in text
    made = make_plan("mfolfox6", start=date(2027, 1, 4), zone=LONDON, cycles=1)
    html = made.render("html", stamp=datetime(2027, 1, 2, tzinfo=LONDON)).decode()
    tuesday = html[html.index('aria-label="Tuesday 5 January"') :].split("</td>")[0]
    assert "Fluorouracil (5-FU) continues" in tuesday and "Rest" not in tuesday


def test_the_cycle_grid_draws_pump_days_as_running_and_the_disconnection() -> None:
    from scheduler.regimen.describe import cycle_grid

    regimen = resolve_regimen("mfolfox6")
    lines = cycle_grid(regimen, regimen.phases[0]).splitlines()
    assert lines[0] == (
        "Cycle 1 of 'Treatment' (14 days; ● dose, ─ still running, ○ test or visit):"
    )
    # The 46-hour infusion starts on day 1 and runs through days 2 and 3 (until 09:05 on day 3),
    # when the pump is disconnected; days 4-14 are rest.
    assert lines[-2].split() == ["Fluorouracil", "(5-FU)", "2,400", "mg/m²", "●──···········"]
    assert lines[-1].split() == ["Pump", "disconnection", "··○···········"]
    # No dose runs past its day in aldesleukin: no "still running" in the key.
    other = resolve_regimen("aldesleukin-sc")
    assert "still running" not in cycle_grid(other, other.phases[0])
