"""The rule engine against the published schedule. Every expected date here is written out by
hand from the seed ("5 days on, 2 days rest, for 4 weeks, then a week without; 5-week cycles"),
not computed by the code under test."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanError, PlanOptions, expand, load_regimen, parse_regimen, resolve_regimen
from tests.helpers import TESTDATA, dose_dates, doses, plan

# Cycle 1 from Monday 4 January 2027: weeks 1-4 Monday to Friday, week 5 off.
CYCLE_1_FROM_MON_4_JAN_2027 = [
    "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
    "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
    "2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22",
    "2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29",
]  # fmt: skip
# Cycle 2 starts 35 days later, Monday 8 February; its week 4 crosses into March.
CYCLE_2_FROM_MON_8_FEB_2027 = [
    "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12",
    "2027-02-15", "2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19",
    "2027-02-22", "2027-02-23", "2027-02-24", "2027-02-25", "2027-02-26",
    "2027-03-01", "2027-03-02", "2027-03-03", "2027-03-04", "2027-03-05",
]  # fmt: skip
# Cycle 3 starts Monday 15 March; week 3 crosses into April (and London's clocks go forward).
CYCLE_3_FROM_MON_15_MAR_2027 = [
    "2027-03-15", "2027-03-16", "2027-03-17", "2027-03-18", "2027-03-19",
    "2027-03-22", "2027-03-23", "2027-03-24", "2027-03-25", "2027-03-26",
    "2027-03-29", "2027-03-30", "2027-03-31", "2027-04-01", "2027-04-02",
    "2027-04-05", "2027-04-06", "2027-04-07", "2027-04-08", "2027-04-09",
]  # fmt: skip


def test_monday_start_three_cycles() -> None:
    events = plan(cycles=3)
    assert dose_dates(events) == (
        CYCLE_1_FROM_MON_4_JAN_2027 + CYCLE_2_FROM_MON_8_FEB_2027 + CYCLE_3_FROM_MON_15_MAR_2027
    )
    assert [(e.cycle, e.day) for e in doses(events)][:6] == [
        (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 8),
    ]  # fmt: skip
    assert [(e.cycle, e.day) for e in doses(events)][-1] == (3, 26)


def test_mid_week_start_crosses_the_year_end() -> None:
    # Wednesday 1 December 2027: doses run Wednesday to Sunday; cycle 2 starts Wed 5 Jan 2028.
    events = plan(start=date(2027, 12, 1), cycles=2)
    assert dose_dates(events) == [
        "2027-12-01", "2027-12-02", "2027-12-03", "2027-12-04", "2027-12-05",
        "2027-12-08", "2027-12-09", "2027-12-10", "2027-12-11", "2027-12-12",
        "2027-12-15", "2027-12-16", "2027-12-17", "2027-12-18", "2027-12-19",
        "2027-12-22", "2027-12-23", "2027-12-24", "2027-12-25", "2027-12-26",
        "2028-01-05", "2028-01-06", "2028-01-07", "2028-01-08", "2028-01-09",
        "2028-01-12", "2028-01-13", "2028-01-14", "2028-01-15", "2028-01-16",
        "2028-01-19", "2028-01-20", "2028-01-21", "2028-01-22", "2028-01-23",
        "2028-01-26", "2028-01-27", "2028-01-28", "2028-01-29", "2028-01-30",
    ]  # fmt: skip


def test_leap_day_is_a_dose_day() -> None:
    # Monday 28 February 2028: day 2 is Tuesday 29 February (2028 is a leap year).
    events = plan(start=date(2028, 2, 28), cycles=1)
    assert dose_dates(events)[:6] == [
        "2028-02-28", "2028-02-29", "2028-03-01", "2028-03-02", "2028-03-03", "2028-03-06",
    ]  # fmt: skip


def test_blood_tests_day_before_each_cycle_and_day_15() -> None:
    events = plan(cycles=2)
    labs = [(e.start.isoformat(), e.cycle, e.day, e.all_day) for e in events if e.kind == "lab"]
    assert labs == [
        ("2027-01-03", 1, -1, True),  # Sunday before cycle 1
        ("2027-01-18", 1, 15, True),
        ("2027-02-07", 2, -1, True),  # Sunday before cycle 2
        ("2027-02-22", 2, 15, True),
    ]
    first = next(e for e in events if e.kind == "lab")
    assert first.end == date(2027, 1, 4)  # all-day: exclusive end, the next day


def test_doses_at_nine_with_fifteen_minutes() -> None:
    first = doses(plan(cycles=1))[0]
    assert first.start.isoformat() == "2027-01-04T09:00:00+00:00"
    assert first.end.isoformat() == "2027-01-04T09:15:00+00:00"
    assert first.drug == "Aldesleukin"
    assert first.route == "subcutaneous"
    assert first.title == "Aldesleukin injection — cycle 1, day 1"
    assert "Cycle 1, day 1 of 35".lower() in first.description.lower()


def test_london_spring_forward_keeps_nine_o_clock_local() -> None:
    # Clocks go forward on Sunday 28 March 2027: Fri 26 Mar is GMT, Mon 29 Mar is BST.
    events = {e.start.date().isoformat(): e for e in doses(plan(cycles=3))}
    assert events["2027-03-26"].start.isoformat() == "2027-03-26T09:00:00+00:00"
    assert events["2027-03-29"].start.isoformat() == "2027-03-29T09:00:00+01:00"
    assert events["2027-03-29"].start.astimezone(UTC) == datetime(2027, 3, 29, 8, 0, tzinfo=UTC)


def test_london_fall_back_keeps_nine_o_clock_local() -> None:
    # Clocks go back on Sunday 31 October 2027. Start Monday 4 October: week 4 is 25-29 Oct
    # (BST), cycle 2 starts Monday 8 November (GMT).
    events = {e.start.date().isoformat(): e for e in doses(plan(start=date(2027, 10, 4), cycles=2))}
    assert events["2027-10-29"].start.isoformat() == "2027-10-29T09:00:00+01:00"
    assert events["2027-11-08"].start.isoformat() == "2027-11-08T09:00:00+00:00"


def test_new_york_both_changes_keep_nine_o_clock_local() -> None:
    # US clocks go forward Sunday 14 March 2027 and back Sunday 7 November 2027.
    spring = {e.start.date().isoformat(): e for e in doses(plan(start=date(2027, 3, 1), cycles=1,
                                                                zone="America/New_York"))}  # fmt: skip
    assert spring["2027-03-12"].start.isoformat() == "2027-03-12T09:00:00-05:00"
    assert spring["2027-03-15"].start.isoformat() == "2027-03-15T09:00:00-04:00"
    autumn = {e.start.date().isoformat(): e for e in doses(plan(start=date(2027, 11, 1), cycles=1,
                                                                zone="America/New_York"))}  # fmt: skip
    assert autumn["2027-11-05"].start.isoformat() == "2027-11-05T09:00:00-04:00"
    assert autumn["2027-11-08"].start.isoformat() == "2027-11-08T09:00:00-05:00"


def test_time_in_the_spring_gap_is_read_as_rfc_5545_says() -> None:
    # 01:30 does not exist in London on Sunday 28 March 2027; RFC 5545 3.3.5 reads it with the
    # offset before the gap: 01:30 GMT, which the clock shows as 02:30 BST.
    first = doses(plan(start=date(2027, 3, 28), cycles=1, dose_time=time(1, 30)))[0]
    assert first.start.isoformat() == "2027-03-28T02:30:00+01:00"


def test_time_override() -> None:
    first = doses(plan(cycles=1, dose_time=time(18, 30)))[0]
    assert first.start.isoformat() == "2027-01-04T18:30:00+00:00"


def test_live_vaccine_precaution_is_twelve_calendar_months_after_the_last_dose() -> None:
    # Two cycles from 4 Jan 2027: last dose Friday 5 March 2027; 12 months later 5 March 2028.
    events = plan(cycles=2)
    vaccines = next(e for e in events if e.slot == "precaution:no-live-vaccines")
    assert vaccines.start == date(
        2027, 1, 4
    )  # from the first dose: "while you're having treatment"
    assert vaccines.end == date(2028, 3, 6)  # exclusive: the precaution covers 5 March 2028
    assert "until Sun 5 Mar 2028 inclusive" in vaccines.description


def test_month_arithmetic_from_a_leap_day_last_dose() -> None:
    # One cycle from Friday 4 February 2028: day 26 (the last dose) is Tuesday 29 February 2028.
    # 12 calendar months later there is no 29 February: 28 February 2029 (not 1 March).
    events = plan(start=date(2028, 2, 4), cycles=1)
    assert dose_dates(events)[-1] == "2028-02-29"
    vaccines = next(e for e in events if e.slot == "precaution:no-live-vaccines")
    assert vaccines.end == date(2029, 3, 1)  # exclusive end: the last day covered is 28 Feb 2029


def test_unstated_precaution_length_is_not_invented() -> None:
    events = plan(cycles=1)
    contraception = next(e for e in events if e.slot == "precaution:contraception")
    assert contraception.start == date(2027, 1, 4)
    assert contraception.end == date(2027, 1, 30)  # to the last dose, Fri 29 Jan, inclusive
    assert "does not state" in contraception.description
    # "For a few months afterwards": the calendar must not suggest it ends with the last dose,
    # so the day after it (Sat 30 Jan) says to ask the team how long, and nothing is invented.
    (ask,) = [e for e in events if e.slot == "precaution:contraception:ask"]
    assert (ask.start, ask.end, ask.all_day) == (date(2027, 1, 30), date(2027, 1, 31), True)
    assert ask.title == "Use contraception; do not breastfeed — ask your team how long to continue"
    assert "after your last planned dose on Fri 29 Jan 2027" in ask.description
    # The live-vaccine precaution states 12 months: no day to ask.
    assert not [e for e in events if e.slot == "precaution:no-live-vaccines:ask"]


AFTER_TREATMENT_UNSTATED = """
id = "after-unstated"
name = "Fixture: a precaution from after the treatment for an unstated time"
indication = "Test fixture"
source = "test suite"
[drugs.x]
name = "X"
route = "oral"
[[phases]]
cycle_days = 7
cycles = 2
[[phases.doses]]
days = "1-3"
time = "09:00"
duration = "15m"
[[precautions]]
title = "Avoid the sun"
instructions = "Keep out of strong sun."
during_treatment = false
after_last_dose = "not stated"
"""


def test_a_precaution_after_the_treatment_for_an_unstated_time_is_one_day_to_ask() -> None:
    # Doses Mon 4-Wed 6 and Mon 11-Wed 13 Jan 2027. The precaution starts after the last dose
    # and the source gives no end: one day, Thu 14 Jan, to ask; never an empty or reversed span.
    regimen = parse_regimen(AFTER_TREATMENT_UNSTATED)
    options = PlanOptions(start=date(2027, 1, 4), zone=ZoneInfo("Europe/London"), cycles=2)
    precautions = [e for e in expand(regimen, options) if e.kind == "precaution"]
    assert [(e.slot, e.start, e.end) for e in precautions] == [
        ("precaution:avoid-the-sun:ask", date(2027, 1, 14), date(2027, 1, 15))
    ]


def test_until_cuts_doses_after_the_date() -> None:
    events = plan(until=date(2027, 1, 20))
    assert dose_dates(events) == [
        "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
        "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
        "2027-01-18", "2027-01-19", "2027-01-20",
    ]  # fmt: skip
    assert max(e.start for e in events if e.kind == "lab") == date(2027, 1, 18)


def test_until_includes_a_cycle_that_starts_on_it() -> None:
    events = plan(until=date(2027, 2, 8))
    assert dose_dates(events)[-2:] == ["2027-01-29", "2027-02-08"]


def test_open_ended_regimen_refuses_to_expand_without_a_bound() -> None:
    with pytest.raises(PlanError, match="needs a bound: a number of cycles or an end date"):
        plan()


def test_bad_bounds() -> None:
    with pytest.raises(PlanError, match="from 1 to 10,000"):
        plan(cycles=0)
    with pytest.raises(PlanError, match="is before the start"):
        plan(until=date(2027, 1, 1))


def test_runaway_plan_is_refused() -> None:
    with pytest.raises(PlanError, match="more than 100,000 events"):
        plan(cycles=6000)


def test_events_are_sorted_and_immutable() -> None:
    events = plan(cycles=3)
    instants = [
        e.start.astimezone(UTC) if isinstance(e.start, datetime) else e.start for e in events
    ]
    timed = [i for i in instants if isinstance(i, datetime)]
    assert timed == sorted(timed)
    with pytest.raises(FrozenInstanceError):
        events[0].title = "x"  # type: ignore[misc]


def test_uids_are_deterministic_and_unique() -> None:
    first, again = plan(cycles=3), plan(cycles=3)
    assert [e.uid for e in first] == [e.uid for e in again]
    assert len({e.uid for e in first}) == len(first)
    other_plan = plan(cycles=3, plan_id="patient-2")
    assert not {e.uid for e in first} & {e.uid for e in other_plan}


def test_the_engine_takes_a_zone_object_and_does_no_io() -> None:
    # The engine receives a tzinfo, not a name: looking zones up (file access) is the caller's.
    regimen = resolve_regimen("aldesleukin-sc")
    options = PlanOptions(start=date(2027, 1, 4), zone=UTC, cycles=1)
    assert doses(expand(regimen, options))[0].start.isoformat() == "2027-01-04T09:00:00+00:00"


INFUSION_90_MIN = """
id = "infusion"
name = "A 90-minute infusion at 00:50"
indication = "Test fixture"
source = "test suite"
[drugs.x]
name = "X"
route = "intravenous"
[[phases]]
cycle_days = 1
cycles = 1
[[phases.doses]]
days = "1"
time = "00:50"
duration = "90m"
"""


def test_duration_across_the_autumn_change_is_real_elapsed_time() -> None:
    # London's clocks go back at 02:00 BST on Sunday 31 October 2027. An infusion from 00:50 BST
    # running 90 real minutes ends at 01:20 GMT (the clock read 01:20 twice that night), not at
    # 02:20 as clock arithmetic would say.
    regimen = parse_regimen(INFUSION_90_MIN)
    options = PlanOptions(start=date(2027, 10, 31), zone=ZoneInfo("Europe/London"), cycles=1)
    (dose,) = expand(regimen, options)
    assert dose.start.isoformat() == "2027-10-31T00:50:00+01:00"
    assert dose.end.isoformat() == "2027-10-31T01:20:00+00:00"


def test_duration_across_the_spring_change_is_real_elapsed_time() -> None:
    # 00:50 on Sunday 28 March 2027 in London + 15 minutes: 01:05 GMT is 01:05 by the clock;
    # 00:55 + 15 min crosses 01:00 GMT = 02:00 BST, so it ends at 02:10 BST.
    first = doses(plan(start=date(2027, 3, 28), cycles=1, dose_time=time(0, 55)))[0]
    assert first.start.isoformat() == "2027-03-28T00:55:00+00:00"
    assert first.end.isoformat() == "2027-03-28T02:10:00+01:00"


def test_events_every_3_cycles_day_minus_2_and_course_offsets() -> None:
    events = plan(str(TESTDATA / "valid" / "scan-every-3.toml"), start=date(2027, 1, 4))
    assert [(e.title, e.start.isoformat()) for e in events if e.kind != "dose"] == [
        ("Baseline bloods", "2026-12-28"),  # 7 days before Monday 4 January
        ("CT scan — cycle 3", "2027-01-16T14:00:00+00:00"),  # cycle 3 starts Mon 18 Jan; day -2
        ("CT scan — cycle 6", "2027-02-06T14:00:00+00:00"),  # cycle 6 starts Mon 8 Feb
        ("Follow-up clinic", "2027-03-15T11:00:00+00:00"),  # last dose Mon 15 Feb + 1 month
    ]
    assert dose_dates(events) == [
        "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25", "2027-02-01", "2027-02-08",
        "2027-02-15",
    ]  # fmt: skip


def test_time_override_keeps_the_spacing_of_twice_daily_doses() -> None:
    events = plan("capecitabine-q21d", cycles=1, dose_time=time(7, 0))
    assert [e.start.strftime("%H:%M") for e in doses(events)][:2] == ["07:00", "19:00"]
    with pytest.raises(PlanError, match="past midnight"):
        plan("capecitabine-q21d", cycles=1, dose_time=time(13, 0))


def test_min_interval_is_enforced_at_plan_time_across_phases() -> None:
    # Each phase alone is weekly, but phase 1's day 7 and phase 2's day 1 are consecutive days:
    # the loader checks within a phase, the engine checks the real dates of the plan.
    regimen = load_regimen(TESTDATA / "two-weekly-phases.toml")
    options = PlanOptions(start=date(2027, 1, 4), zone=ZoneInfo("Europe/London"))
    with pytest.raises(
        PlanError, match="Sun 10 Jan 2027 at 09:00 and Mon 11 Jan 2027 at 09:00 are closer than"
    ):
        expand(regimen, options)
