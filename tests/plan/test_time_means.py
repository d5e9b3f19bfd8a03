"""Issue 19: time and dose mean what the regimen says. Each test is one trap a pharmacist
found, named after it, with the dates and clock times worked out by hand from the published
schedule and the zone's published clock changes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, expand, parse_regimen
from scheduler.plan.events import Event
from tests.helpers import doses

SYDNEY = ZoneInfo("Australia/Sydney")

BORTEZOMIB = """
id = "bortezomib-d1-4-8-11"
name = "Bortezomib days 1, 4, 8 and 11 every 21 days"
indication = "Multiple myeloma"
source = "Velcade label: at least 72 hours between consecutive doses"

[drugs.bortezomib]
name = "Bortezomib"
route = "subcutaneous"
min_interval = "{interval}"

[[phases]]
cycle_days = 21
cycles = 1

[[phases.doses]]
days = "1, 4, 8, 11"
time = "09:00"
duration = "5m"
amount = "1.3 mg/m2"
"""


def _starts(events: tuple[Event, ...]) -> list[str]:
    return [f"{e.start:%a %d %b %H:%M %z}" for e in doses(events)]


def test_min_interval_in_hours_is_elapsed_time_across_a_spring_forward() -> None:
    """Bortezomib from Thu 30 Sep 2027 in Sydney: clocks go forward at 02:00 on Sun 3 Oct
    (AEST +10 to AEDT +11). 09:00 Thu to 09:00 Sun is 71 real hours, under the label's 72, so
    the day-4 dose moves to 10:00 (72 hours after 23:00 UTC on 29 Sep) and says so."""
    regimen = parse_regimen(BORTEZOMIB.format(interval="72h"))
    events = expand(regimen, PlanOptions(start=date(2027, 9, 30), zone=SYDNEY))
    assert _starts(events) == [
        "Thu 30 Sep 09:00 +1000",
        "Sun 03 Oct 10:00 +1100",
        "Thu 07 Oct 09:00 +1100",
        "Sun 10 Oct 09:00 +1100",
    ]
    moved = doses(events)[1]
    assert "Moved 1 h later, from 09:00" in moved.description
    assert "at least 72 h apart in real time" in moved.description
    assert moved.end is not None and f"{moved.end:%H:%M}" == "10:05"
    assert all("Moved" not in e.description for e in doses(events) if e is not moved)


def test_min_interval_in_days_keeps_the_clock() -> None:
    """Written "3 days", the limit is calendar days: 09:00 Thu to 09:00 Sun is 3 days on the
    clock, so nothing moves."""
    regimen = parse_regimen(BORTEZOMIB.format(interval="3 days"))
    events = expand(regimen, PlanOptions(start=date(2027, 9, 30), zone=SYDNEY))
    assert _starts(events)[1] == "Sun 03 Oct 09:00 +1100"


def test_a_too_close_dose_the_clock_does_not_explain_is_still_refused() -> None:
    """ "73h" is broken on the clock as well (72 hours from 09:00 Thu to 09:00 Sun in a zone
    without a change), so the file itself is refused."""
    with pytest.raises(Exception, match="73 h"):
        parse_regimen(BORTEZOMIB.format(interval="73h"))


def test_check_regimen_measures_an_hourly_limit_in_real_time(tmp_path) -> None:
    """A calendar made when the limit was written "3 days" (day 4 at 09:00 Sun 3 Oct, 71 real
    hours after day 1) breaks the label's "72h": `check --regimen` says so, where it used to
    measure the gap on the clock and say ok."""
    from scheduler import to_ics
    from scheduler.check import check_file

    def write(regimen: object, path: object) -> None:
        events = expand(regimen, PlanOptions(start=date(2027, 9, 30), zone=SYDNEY))  # type: ignore[arg-type]
        stamp = datetime(2027, 9, 1, tzinfo=UTC)
        path.write_bytes(to_ics(events, name="Bortezomib", stamp=stamp, zone=SYDNEY))  # type: ignore[attr-defined]

    lenient = parse_regimen(BORTEZOMIB.format(interval="3 days"))
    strict = parse_regimen(BORTEZOMIB.format(interval="72h"))
    path = tmp_path / "plan.ics"
    write(lenient, path)
    found = [str(p) for p in check_file(path, strict)]
    assert found == [
        "error: Bortezomib doses on Thu 30 Sep 2027 09:00 and Sun 3 Oct 2027 "
        "09:00: closer than the safety limit of 72 h"
    ]
    replanned = tmp_path / "replanned.ics"
    write(strict, replanned)
    assert [str(p) for p in check_file(replanned, strict)] == []
