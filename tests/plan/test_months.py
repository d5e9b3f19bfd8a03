"""Issue 19 item 4: cycles of calendar months ("every 3 months", "every 6 months"), anchored to
the first dose and never chained, so a dose on the 31st comes back to the 31st wherever the
month has one. Every expected date is written out by hand from a calendar."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, RegimenError, expand, parse_regimen, resolve_regimen
from scheduler.plan.changes import Delay
from scheduler.plan.events import Event
from scheduler.regimen.describe import describe, one_cycle
from scheduler.regimen.model import Regimen
from tests.helpers import doses, plan

LONDON = ZoneInfo("Europe/London")

MONTHLY = """
id = "monthly-test"
name = "A monthly injection"
indication = "test"
source = "test"

[drugs.x]
name = "X"
route = "subcutaneous"

[[phases]]
cycle_months = {months}
cycles = {cycles}

[[phases.doses]]
days = "{days}"
time = "09:00"
duration = "15m"
{extra}
"""


def _regimen(
    months: int = 1, cycles: str = '"until stopped"', days: str = "1", extra: str = ""
) -> Regimen:
    return parse_regimen(MONTHLY.format(months=months, cycles=cycles, days=days, extra=extra))


def _days(events: tuple[Event, ...]) -> list[str]:
    return [f"{e.start:%a %d %b %Y %H:%M}" for e in doses(events)]


def test_every_3_months_from_the_31st_is_never_chained() -> None:
    """Leuprolide 22.5 mg every 3 months from Tue 31 Aug 2027: each injection is counted from
    31 August, so after 30 November and 29 February it is back on 31 May (a chained count
    would give 29 May, then 29 August for ever)."""
    events = plan("leuprolide-3-monthly", start=date(2027, 8, 31), cycles=8)
    assert _days(events) == [
        "Tue 31 Aug 2027 09:00",
        "Tue 30 Nov 2027 09:00",
        "Tue 29 Feb 2028 09:00",
        "Wed 31 May 2028 09:00",
        "Thu 31 Aug 2028 09:00",
        "Thu 30 Nov 2028 09:00",
        "Wed 28 Feb 2029 09:00",
        "Thu 31 May 2029 09:00",
    ]


def test_every_6_months_from_29_february_keeps_the_29th() -> None:
    """Denosumab 60 mg every 6 months from Tue 29 Feb 2028 (a leap day): 29 August, then 28
    February in the years without a 29th, and 29 August again."""
    events = plan("denosumab-6-monthly", start=date(2028, 2, 29), cycles=5)
    assert [d[:15] for d in _days(events)] == [
        "Tue 29 Feb 2028",
        "Tue 29 Aug 2028",
        "Wed 28 Feb 2029",
        "Wed 29 Aug 2029",
        "Thu 28 Feb 2030",
    ]


def test_monthly_from_31_january_uses_each_months_last_day() -> None:
    """1-month cycles from Fri 31 Jan 2031: 28 Feb (no 29th in 2031), then 31 Mar, 30 Apr."""
    events = expand(_regimen(), PlanOptions(start=date(2031, 1, 31), zone=LONDON, cycles=4))
    assert [d[:15] for d in _days(events)] == [
        "Fri 31 Jan 2031",
        "Fri 28 Feb 2031",
        "Mon 31 Mar 2031",
        "Wed 30 Apr 2031",
    ]


def test_a_delayed_dose_restarts_the_month_count_from_its_own_day() -> None:
    """Denosumab from Tue 24 Aug 2027, cycle 2 (Thu 24 Feb 2028) delayed 7 days to Thu 2 Mar
    2028: the label's "every 6 months from the date of the last injection" puts the next on
    Sat 2 Sep 2028 (not 24 Aug + 12 months + 7 days = 31 Aug), then Fri 2 Mar 2029."""
    regimen = resolve_regimen("denosumab-6-monthly")
    options = PlanOptions(
        start=date(2027, 8, 24),
        zone=LONDON,
        cycles=4,
        adjustments=(Delay(phase=1, cycle=2, days=7),),
    )
    assert [d[:15] for d in _days(expand(regimen, options))] == [
        "Tue 24 Aug 2027",
        "Thu 02 Mar 2028",
        "Sat 02 Sep 2028",
        "Fri 02 Mar 2029",
    ]


def test_a_test_before_each_dose_moves_with_its_month() -> None:
    """A blood test 7 days before each 3-monthly dose from Tue 31 Aug 2027: Tue 24 Aug, then
    Tue 23 Nov 2027 (before 30 Nov) and Tue 22 Feb 2028 (before 29 Feb)."""
    extra = """
[[phases.events]]
kind = "lab"
title = "Testosterone"
days = "-7"
"""
    regimen = _regimen(3, extra=extra)
    events = expand(regimen, PlanOptions(start=date(2027, 8, 31), zone=LONDON, cycles=3))
    labs = [f"{e.start:%a %d %b %Y}" for e in events if e.kind == "lab"]
    assert labs == ["Tue 24 Aug 2027", "Tue 23 Nov 2027", "Tue 22 Feb 2028"]


def test_a_time_bound_cuts_month_cycles_on_its_day() -> None:
    """6-monthly from Wed 1 Sep 2027 for up to 2 years: 1 Sep 2027, 1 Mar 2028, 1 Sep 2028,
    1 Mar 2029; 1 Sep 2029 is the day the bound ends, so nothing is planned on it."""
    text = MONTHLY.format(months=6, cycles='"until stopped"', days="1", extra="")
    text = text.replace('cycles = "until stopped"', 'cycles = "until stopped"\nup_to = "2 years"')
    regimen = parse_regimen(text)
    events = expand(regimen, PlanOptions(start=date(2027, 9, 1), zone=LONDON))
    assert [d[:15] for d in _days(events)] == [
        "Wed 01 Sep 2027",
        "Wed 01 Mar 2028",
        "Fri 01 Sep 2028",
        "Thu 01 Mar 2029",
    ]


def test_until_bounds_a_month_plan() -> None:
    events = expand(
        _regimen(3), PlanOptions(start=date(2027, 8, 31), zone=LONDON, until=date(2028, 5, 30))
    )
    assert [d[:15] for d in _days(events)] == [
        "Tue 31 Aug 2027",
        "Tue 30 Nov 2027",
        "Tue 29 Feb 2028",
    ]


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (
            "cycle_days = 28\ncycle_months = 1",
            "give exactly one of 'cycle_days' (the cycle length in days, e.g. 21) or "
            "'cycle_months'",
        ),
        ("cycle_months = 13", "cycle length must be a whole number of months from 1 to 12, got 13"),
        ("cycle_months = 0", "from 1 to 12, got 0"),
        ("cycle_months = 1.5", "from 1 to 12, got 1.5"),
        ('cycle_months = "3"', "from 1 to 12, got '3'"),
    ],
)
def test_a_month_cycle_length_that_cannot_be_read_is_refused(phase: str, message: str) -> None:
    text = MONTHLY.format(months=1, cycles=1, days="1", extra="").replace("cycle_months = 1", phase)
    with pytest.raises(RegimenError) as err:
        parse_regimen(text)
    assert message in str(err.value)


def test_a_day_past_the_shortest_month_cycle_is_refused() -> None:
    """Three calendar months hold 89 days at the shortest (February to April of a common
    year): day 90 would fall in the next cycle in some years, so it is refused."""
    with pytest.raises(RegimenError) as err:
        _regimen(3, cycles="2", days="1, 90")
    assert "day 90 is past the end of the shortest 3-month cycle (89 days)" in str(err.value)


def test_every_in_months_points_to_month_cycles() -> None:
    text = MONTHLY.format(months=1, cycles=1, days="1", extra='every = "3 months"')
    with pytest.raises(RegimenError) as err:
        parse_regimen(text)
    assert "cycle_months = 3" in str(err.value)
    assert "phases[0].doses[0].every" in str(err.value)


def test_continuous_treatment_counts_days_not_months() -> None:
    text = MONTHLY.format(months=1, cycles=1, days="every day", extra="").replace(
        "cycles = 1", "cycles = 1\ncontinuous = true"
    )
    with pytest.raises(RegimenError, match="continuous daily treatment counts days"):
        parse_regimen(text)


def test_show_says_the_cycles_are_calendar_months_and_dates_the_next_ones() -> None:
    regimen = resolve_regimen("leuprolide-3-monthly")
    text = describe(regimen, start=date(2027, 8, 31))
    assert "3-month cycles (calendar months" in text
    assert (
        "Cycles 2 to 5 start: Tue 30 Nov 2027, Tue 29 Feb 2028, Wed 31 May 2028, "
        "Thu 31 Aug 2028" in text
    )
    # The first cycle runs from 31 Aug to 29 Nov 2027: 91 days, the last 90 of them rest.
    assert "rest (days 2-91)" in one_cycle(regimen, regimen.phases[0], date(2027, 8, 31))
