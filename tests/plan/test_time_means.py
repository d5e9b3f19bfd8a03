"""Issue 19: time and dose mean what the regimen says. Each test is one trap a pharmacist
found, named after it, with the dates and clock times worked out by hand from the published
schedule and the zone's published clock changes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanError, PlanOptions, RegimenError, expand, parse_regimen
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
    with pytest.raises(RegimenError, match="73 h"):
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


# -- relative timing and --time ----------------------------------------------------------------

LONDON = ZoneInfo("Europe/London")

CARBO_PACLITAXEL = """
id = "carboplatin-paclitaxel-q21d"
name = "Carboplatin and paclitaxel every 21 days"
indication = "Ovarian cancer"
source = "Taxol (paclitaxel) label: dexamethasone 20 mg orally about 12 and 6 hours before, diphenhydramine 50 mg IV 30 to 60 minutes before paclitaxel"

[drugs.paclitaxel]
name = "Paclitaxel"
route = "intravenous"

[drugs.carboplatin]
name = "Carboplatin"
route = "intravenous"

[drugs.dexamethasone]
name = "Dexamethasone"
route = "oral"

[drugs.diphenhydramine]
name = "Diphenhydramine"
route = "intravenous"

[[phases]]
cycle_days = 21
cycles = 2

[[phases.doses]]
drug = "paclitaxel"
days = "1"
time = "10:00"
duration = "3h"
amount = "175 mg/m2"

[[phases.doses]]
drug = "carboplatin"
days = "1"
after = "paclitaxel"
duration = "1h"

[[phases.doses]]
drug = "dexamethasone"
key = "dex-12h"
at = "12h before paclitaxel"
duration = "5m"
amount = "20 mg"

[[phases.doses]]
drug = "dexamethasone"
key = "dex-6h"
at = "6h before paclitaxel"
duration = "5m"
amount = "20 mg"

[[phases.doses]]
drug = "diphenhydramine"
at = "30m before paclitaxel"
duration = "15m"
amount = "50 mg"
"""


def _day_one(events: tuple[Event, ...]) -> list[str]:
    return [f"{e.start:%a %d %b %H:%M} {e.drug} ({e.day})" for e in doses(events)][:5]


def test_premedication_hours_before_paclitaxel_lands_where_the_label_says() -> None:
    """Paclitaxel 10:00 on Tue 5 Jan 2027: dexamethasone 12 h before is 22:00 on Mon 4 Jan
    (day -1), 6 h before is 04:00, diphenhydramine 09:30; carboplatin when paclitaxel ends."""
    regimen = parse_regimen(CARBO_PACLITAXEL)
    events = expand(regimen, PlanOptions(start=date(2027, 1, 5), zone=LONDON))
    assert _day_one(events) == [
        "Mon 04 Jan 22:00 Dexamethasone (-1)",
        "Tue 05 Jan 04:00 Dexamethasone (1)",
        "Tue 05 Jan 09:30 Diphenhydramine (1)",
        "Tue 05 Jan 10:00 Paclitaxel (1)",
        "Tue 05 Jan 13:00 Carboplatin (1)",
    ]
    dex = doses(events)[0]
    assert dex.title.endswith("— day \u22121 of cycle 1")
    assert "12 h before Paclitaxel starts" in dex.description


def test_dose_time_moves_the_anchor_and_keeps_the_premedication_before_it() -> None:
    """The audit's trap: `--time 14:00` used to put every fixed time at 14:00, the
    premedication at the same moment as the paclitaxel. Now paclitaxel is at 14:00 and the
    rest keeps its spacing: dexamethasone 02:00 and 08:00, diphenhydramine 13:30, carboplatin
    17:00, all on Tue 5 Jan."""
    regimen = parse_regimen(CARBO_PACLITAXEL)
    at = PlanOptions(start=date(2027, 1, 5), zone=LONDON, dose_time=time(14, 0))
    assert _day_one(expand(regimen, at)) == [
        "Tue 05 Jan 02:00 Dexamethasone (1)",
        "Tue 05 Jan 08:00 Dexamethasone (1)",
        "Tue 05 Jan 13:30 Diphenhydramine (1)",
        "Tue 05 Jan 14:00 Paclitaxel (1)",
        "Tue 05 Jan 17:00 Carboplatin (1)",
    ]


def test_hours_before_are_real_hours_across_a_clock_change() -> None:
    """Paclitaxel 10:00 BST on Sun 28 Mar 2027, the day the UK clocks go forward at 01:00 GMT:
    12 real hours before is 21:00 GMT on Sat 27 Mar (not 22:00, which is only 11 hours)."""
    regimen = parse_regimen(CARBO_PACLITAXEL)
    events = expand(regimen, PlanOptions(start=date(2027, 3, 28), zone=LONDON))
    first = doses(events)[0]
    assert f"{first.start:%a %d %b %H:%M %Z}" == "Sat 27 Mar 21:00 GMT"


def test_fixed_times_keep_their_spacing_under_dose_time() -> None:
    """Docetaxel: dexamethasone 08:00 and 20:00 (days -1, 1, 2) and docetaxel 10:00. The
    anchor is the first rule with a time of its own (dexamethasone): `--time 07:00` moves the
    day to 07:00, 09:00 docetaxel and 19:00; `--time 13:00` would push 20:00 past midnight
    and is refused."""
    from tests.helpers import plan

    events = plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=1, dose_time=time(7, 0))
    assert [f"{e.start:%d %H:%M}" for e in doses(events)][2:5] == [
        "05 07:00",
        "05 09:00",
        "05 19:00",
    ]
    with pytest.raises(PlanError, match="past midnight"):
        plan("docetaxel-q21d", start=date(2027, 1, 5), cycles=1, dose_time=time(13, 0))


FOLFIRINOX_DAY_1 = """
id = "folfirinox-day-1"
name = "FOLFIRINOX day 1"
indication = "Pancreatic cancer"
source = "Conroy et al., NEJM 2011: irinotecan 180 mg/m2 over 90 min, started 30 min after the start of leucovorin"

[drugs.oxaliplatin]
name = "Oxaliplatin"
route = "intravenous"

[drugs.leucovorin]
name = "Leucovorin"
route = "intravenous"

[drugs.irinotecan]
name = "Irinotecan"
route = "intravenous"

[[phases]]
cycle_days = 14
cycles = 1

[[phases.doses]]
drug = "oxaliplatin"
days = "1"
time = "09:00"
duration = "2h"

[[phases.doses]]
drug = "leucovorin"
days = "1"
after = "oxaliplatin"
duration = "2h"

[[phases.doses]]
drug = "irinotecan"
days = "1"
at = "30m after the start of leucovorin"
duration = "90m"
"""


def test_irinotecan_thirty_minutes_into_leucovorin_follows_it_under_dose_time() -> None:
    """Oxaliplatin 09:00-11:00, leucovorin 11:00, irinotecan 11:30; with `--time 08:00` it is
    08:00, 10:00 and 10:30 (it used to move onto oxaliplatin's start)."""
    regimen = parse_regimen(FOLFIRINOX_DAY_1)
    start = date(2027, 1, 4)
    plain = expand(regimen, PlanOptions(start=start, zone=LONDON))
    early = expand(regimen, PlanOptions(start=start, zone=LONDON, dose_time=time(8, 0)))
    assert [f"{e.start:%H:%M}" for e in doses(plain)] == ["09:00", "11:00", "11:30"]
    assert [f"{e.start:%H:%M}" for e in doses(early)] == ["08:00", "10:00", "10:30"]


@pytest.mark.parametrize(
    ("at", "message"),
    [
        ("30m after leucovorin", 'is ambiguous: write "30m after the start of leucovorin"'),
        ("soon", "expected a time relative to another dose"),
        ("30m before irinotecan", "no earlier dose rule 'irinotecan' in this phase"),
        ("400 days before leucovorin", "longer than 366 days"),
    ],
)
def test_a_relative_time_that_cannot_be_read_is_refused(at: str, message: str) -> None:
    text = FOLFIRINOX_DAY_1.replace('"30m after the start of leucovorin"', f'"{at}"')
    with pytest.raises(RegimenError, match=re.escape(message)):
        parse_regimen(text)


def test_show_and_fhir_agree_with_the_plan_on_relative_times() -> None:
    """show places the 12-hour dexamethasone on day -1 at 22:00; the FHIR PlanDefinition
    carries it as before-start paclitaxel with a 720-minute offset and reads back to the same
    regimen."""
    from scheduler.fhir.regimen import plandefinition_to_regimen_toml, regimen_to_plandefinition
    from scheduler.regimen.describe import one_cycle

    regimen = parse_regimen(CARBO_PACLITAXEL)
    text = one_cycle(regimen, regimen.phases[0], date(2027, 1, 5))
    assert (
        "Day  -1  Mon 4 Jan 2027  Dexamethasone 20 mg PO 22:00, 12 h before Paclitaxel starts"
        in text
    )
    resource = regimen_to_plandefinition(regimen)
    actions = resource["action"][0]["action"]
    dex = next(a for a in actions if a["title"] == "dex-12h")
    related = [r for r in dex["relatedAction"] if r["relationship"] == "before-start"]
    assert related[0]["offsetDuration"]["value"] == 720
    back = parse_regimen(plandefinition_to_regimen_toml(resource))
    options = PlanOptions(start=date(2027, 1, 5), zone=LONDON)
    assert [e.start for e in expand(back, options)] == [e.start for e in expand(regimen, options)]


# -- nothing cut or shifted silently -----------------------------------------------------------

TRASTUZUMAB = """
id = "trastuzumab-q3w-1y"
name = "Trastuzumab every 3 weeks for a year"
indication = "HER2-positive early breast cancer"
source = "Herceptin label: every 3 weeks for 1 year (17 cycles)"

[drugs.trastuzumab]
name = "Trastuzumab"
route = "intravenous"
max_doses_per_course = 7
{reason}

[[phases]]
cycle_days = 21
cycles = 17

[[phases.doses]]
days = "1"
time = "10:00"
duration = "30m"
"""


def test_a_course_cap_that_drops_doses_needs_its_own_reason() -> None:
    """max_doses_per_course = 7 typed for 17: the plan is refused, naming the 10 doses it would
    drop, instead of quietly planning 7."""
    regimen = parse_regimen(TRASTUZUMAB.format(reason=""))
    with pytest.raises(PlanError, match=r"= 7 would leave out 10 of the 17 Trastuzumab doses"):
        expand(regimen, PlanOptions(start=date(2027, 1, 4), zone=LONDON))


def test_a_stated_course_cap_is_named_in_the_plan_summary() -> None:
    from scheduler.planner import plan

    text = TRASTUZUMAB.format(reason='course_cap_reason = "Seven cycles before surgery."')
    planned = plan(parse_regimen(text), start=date(2027, 1, 4), zone="Europe/London", label="AB")
    assert len(doses(planned.events)) == 7
    assert planned.summary().endswith(
        "times in Europe/London; course cap: Trastuzumab: the course allows 7 doses, so the "
        "last 10 the schedule gives are left out (Seven cycles before surgery.)"
    )


def test_a_course_cap_reason_without_a_cap_is_refused() -> None:
    text = TRASTUZUMAB.format(reason='course_cap_reason = "x"').replace(
        "max_doses_per_course = 7\n", ""
    )
    with pytest.raises(RegimenError, match="course_cap_reason without max_doses_per_course"):
        parse_regimen(text)


def test_more_cycles_than_a_fixed_regimen_has_are_said(capsys: pytest.CaptureFixture[str]) -> None:
    """`--cycles 8` on R-CHOP-21 (6 cycles) used to plan 6 without a word."""
    from scheduler.cli import main

    code = main(["plan", "r-chop-21", "--start", "2027-01-04", "--tz", "Europe/London",
                 "--cycles", "8", "-o", "-"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0
    assert "Warning: r-chop-21 has 6 cycles in all: 8 were asked for and 6 are planned" in err


def test_a_start_off_the_suggested_weekday_and_a_zone_without_summer_time_are_warned() -> None:
    """Weekly methotrexate suggests Monday; Wednesday 6 January 2027 is allowed (the weekday
    comes from the start) but said. GMT for a UK patient: every summer dose an hour late on a
    UK clock, so the likely zone is named."""
    from scheduler.planner import plan

    planned = plan("methotrexate-weekly", start=date(2027, 1, 6), zone="GMT", cycles=2)
    assert planned.warnings == (
        "methotrexate-weekly suggests starting on a Monday, but Wed 6 Jan 2027 is a Wednesday: "
        "day 1 is the date given and every later day follows it (so a schedule meant to skip "
        "weekends from a Monday may not)",
        "GMT never changes for summer time, so doses keep its clock all year: a patient who "
        "lives with summer time would see them an hour off for half the year; if that is not "
        "intended, use Europe/London for the UK, Europe/Dublin for Ireland, Europe/Lisbon for "
        "Portugal",
    )
    assert plan("methotrexate-weekly", start=date(2027, 1, 4), zone="Europe/London",
                cycles=2).warnings == ()  # fmt: skip


# -- days that do not exist --------------------------------------------------------------------


def test_a_daily_dose_on_the_day_apia_skipped_is_refused_not_doubled() -> None:
    """Samoa moved across the date line: Thu 29 Dec 2011 was followed by Sat 31 Dec. A daily
    dose from 28 Dec would put "30 Dec 09:00" (read with the offset before the gap) at the same
    instant as 31 Dec 09:00: two doses at once. The plan is refused, naming the day."""
    from tests.helpers import plan

    with pytest.raises(PlanError, match=r"Fri 30 Dec 2011 does not exist in Pacific/Apia"):
        plan("imatinib-daily", start=date(2011, 12, 28), zone="Pacific/Apia", cycles=1)
    events = plan("imatinib-daily", start=date(2012, 1, 2), zone="Pacific/Apia", cycles=1)
    assert f"{doses(events)[0].start:%Y-%m-%d %H:%M %z}".endswith("+1400")
