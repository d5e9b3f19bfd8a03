"""Issue 19 item 5: a dose given on the days another is given ("capecitabine on the days of
radiotherapy"), so closures, delays and omissions of that dose move it too. Dates are written
out by hand from the calendar and England's bank holidays (Mon 3 May and Mon 31 May 2027)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, RegimenError, expand, parse_regimen, resolve_regimen
from scheduler.plan.changes import Delay, Omit
from scheduler.plan.closures import Closures
from scheduler.plan.events import Event
from scheduler.regimen.describe import describe
from scheduler.regimen.dosing import Body
from tests.helpers import doses

LONDON = ZoneInfo("Europe/London")
ENGLAND = Closures(regions=("GB-ENG",))
# Mon 26 Apr 2027: 28 weekday fractions, none on the two bank holidays, so the last is Fri 4 Jun.
RT_DAYS = [
    "Mon 26 Apr", "Tue 27 Apr", "Wed 28 Apr", "Thu 29 Apr", "Fri 30 Apr",
    "Tue 04 May", "Wed 05 May", "Thu 06 May", "Fri 07 May",
    "Mon 10 May", "Tue 11 May", "Wed 12 May", "Thu 13 May", "Fri 14 May",
    "Mon 17 May", "Tue 18 May", "Wed 19 May", "Thu 20 May", "Fri 21 May",
    "Mon 24 May", "Tue 25 May", "Wed 26 May", "Thu 27 May", "Fri 28 May",
    "Tue 01 Jun", "Wed 02 Jun", "Thu 03 Jun", "Fri 04 Jun",
]  # fmt: skip


def _plan(*changes: object) -> tuple[Event, ...]:
    options = PlanOptions(
        start=date(2027, 4, 26),
        zone=LONDON,
        closures=ENGLAND,
        body=Body(weight_kg=Decimal(70), height_cm=Decimal(175)),
        adjustments=changes,  # type: ignore[arg-type]
    )
    return expand(resolve_regimen("capecitabine-rt-rectal"), options)


def _days(events: tuple[Event, ...], drug: str) -> list[str]:
    return [f"{e.start:%a %d %b}" for e in doses(events) if e.drug == drug]


def test_capecitabine_is_taken_on_exactly_the_radiotherapy_days() -> None:
    """The bank holidays close the department: their fractions are given at the end, and the
    tablets go with them, so there are 56 doses (two on each of the 28 radiotherapy days) and
    none on a day without radiotherapy (a weekday list would give 60)."""
    events = _plan()
    assert _days(events, "Radiotherapy") == RT_DAYS
    tablets = _days(events, "Capecitabine")
    assert tablets == [day for day in RT_DAYS for _ in range(2)]
    times = {f"{e.start:%H:%M}" for e in doses(events) if e.drug == "Capecitabine"}
    assert times == {"08:00", "20:00"}
    assert all(
        "on the days Radiotherapy is given" in e.description
        for e in doses(events)
        if e.drug == "Capecitabine"
    )


def test_an_omitted_fraction_takes_that_days_tablets_to_the_end() -> None:
    """Fraction 7 (cycle 2 day 3, Wed 5 May) omitted: no tablets that day; the fraction is
    given at the end, on Mon 7 Jun, with its two doses of tablets."""
    events = _plan(Omit(phase=1, cycle=2, day=3, drug="radiotherapy"))
    expected = [d for d in RT_DAYS if d != "Wed 05 May"] + ["Mon 07 Jun"]
    assert _days(events, "Radiotherapy") == expected
    assert _days(events, "Capecitabine") == [day for day in expected for _ in range(2)]


def test_omitting_the_tablets_alone_leaves_the_fraction() -> None:
    events = _plan(Omit(phase=1, cycle=2, day=3, drug="capecitabine"))
    assert _days(events, "Radiotherapy") == RT_DAYS
    assert "Wed 05 May" not in _days(events, "Capecitabine")
    assert len(_days(events, "Capecitabine")) == 54


def test_a_delayed_week_moves_the_tablets_with_the_fractions() -> None:
    """Week 2 delayed 7 days: its fractions start on Tue 11 May (Mon 10 May is day 1 of the
    delayed week), the tablets follow day by day."""
    events = _plan(Delay(phase=1, cycle=2, days=7))
    rt = _days(events, "Radiotherapy")
    assert rt[:6] == ["Mon 26 Apr", "Tue 27 Apr", "Wed 28 Apr", "Thu 29 Apr", "Fri 30 Apr",
                      "Mon 10 May"]  # fmt: skip
    assert _days(events, "Capecitabine") == [day for day in rt for _ in range(2)]


FOLLOWS = """
id = "follows-test"
name = "An infusion with tablets on its days"
indication = "test"
source = "test"

[drugs.infusion]
name = "Infusion"
route = "intravenous"

[drugs.tablet]
name = "Tablet"
route = "oral"

[[phases]]
cycle_days = 7
cycles = 1

[[phases.doses]]
drug = "infusion"
days = "1, 3"
time = "10:00"
duration = "1h"

[[phases.doses]]
drug = "tablet"
{tablet}
duration = "5m"
"""


def test_a_closure_that_moves_the_clinic_dose_moves_the_home_tablets_with_it() -> None:
    """From Sat 29 May 2027: day 3 is the bank holiday Mon 31 May, so the clinic's infusion
    moves to Tue 1 Jun; the tablets taken on its days move with it (home doses alone would be
    kept on a closed day), keeping their own clock times."""
    regimen = parse_regimen(
        FOLLOWS.format(tablet='on_days_of = "infusion"\ntimes = ["08:00", "20:00"]')
    )
    events = expand(regimen, PlanOptions(start=date(2027, 5, 29), zone=LONDON, closures=ENGLAND))
    assert [f"{e.start:%a %d %b %H:%M} {e.drug}" for e in doses(events)] == [
        "Sat 29 May 08:00 Tablet",
        "Sat 29 May 10:00 Infusion",
        "Sat 29 May 20:00 Tablet",
        "Tue 01 Jun 08:00 Tablet",
        "Tue 01 Jun 10:00 Infusion",
        "Tue 01 Jun 20:00 Tablet",
    ]
    moved = [e for e in doses(events) if e.drug == "Tablet" and e.start.day == 1]
    assert all("Moved from Mon 31 May 2027" in e.description for e in moved)


def test_without_on_days_of_home_tablets_stay_on_the_closed_day() -> None:
    """The same tablets written days = "1, 3" are a home dose of their own: kept on Mon 31 May
    (home closures keep by default) while the infusion moves — what on_days_of is for."""
    regimen = parse_regimen(FOLLOWS.format(tablet='days = "1, 3"\ntimes = ["08:00", "20:00"]'))
    events = expand(regimen, PlanOptions(start=date(2027, 5, 29), zone=LONDON, closures=ENGLAND))
    assert "Mon 31 May" in _days(events, "Tablet")


@pytest.mark.parametrize(
    ("tablet", "message"),
    [
        ('on_days_of = "radio"\ntime = "08:00"',
         "doses[1].on_days_of: no earlier dose rule 'radio' in this phase to take the days of "
         "(earlier rules: infusion;"),
        ('on_days_of = "infusion"\ndays = "1"\ntime = "08:00"',
         "doses[1].days: a rule given on the days of 'infusion' takes its days from it: give it "
         "'time' or 'times' only, not 'days'"),
        ('on_days_of = "infusion"\ntime = "08:00"\ncount = 2',
         "not 'count'"),
        ('on_days_of = "infusion"\ntime = "08:00"\nevery = "8h"', "not 'every'"),
        ('on_days_of = "infusion"\nat = "1h before infusion"', "not 'at'"),
        ('on_days_of = "infusion"', "give exactly one of 'time'"),
        ('on_days_of = "infusion"\ntime = "08:00"\ncycles = "1-2"',
         "'infusion' is not given in every cycle this rule applies to"),
        ('on_days_of = 3\ntime = "08:00"', "doses[1].on_days_of"),
    ],
)  # fmt: skip
def test_a_rule_on_another_rules_days_that_cannot_be_read_is_refused(
    tablet: str, message: str
) -> None:
    text = FOLLOWS.format(tablet=tablet)
    if "cycles" in tablet:  # the infusion in cycle 1 only, of two
        text = text.replace("cycles = 1\n", "cycles = 2\n", 1)
        text = text.replace('time = "10:00"', 'time = "10:00"\ncycles = "1"')
    with pytest.raises(RegimenError) as err:
        parse_regimen(text)
    assert message in str(err.value)


@pytest.mark.parametrize(
    ("leader", "message"),
    [
        ('times = ["08:00", "20:00"]', "'infusion' gives several doses a day"),
        ('time = "08:00"\nevery = "8h"', "'infusion' gives several doses a day"),
    ],
)
def test_only_a_once_a_day_rule_can_be_followed(leader: str, message: str) -> None:
    text = FOLLOWS.format(tablet='on_days_of = "infusion"\ntime = "21:00"')
    text = text.replace('time = "10:00"\nduration = "1h"', f'{leader}\nduration = "1h"')
    with pytest.raises(RegimenError) as err:
        parse_regimen(text)
    assert message in str(err.value)


def test_show_says_whose_days_the_tablets_take() -> None:
    text = describe(resolve_regimen("capecitabine-rt-rectal"))
    row = next(line for line in text.splitlines() if line.strip().startswith("Capecitabine"))
    assert "on the days of radiotherapy" in row
