"""Every view of one plan agrees on every date: the .ics file (each event, and as repeating
series expanded again), the JSON envelope, CSV, the FHIR Bundle, the terminal table and month
calendar, the printable page and the dose diary (home doses only), read back from their own
bytes, against the plan's events.

The cases are the ones where views have disagreed or could: premedication before day 1, a
46-hour pump across midnight, clinic closures that move tests and hold back a whole cycle, both
clock changes, 8-hourly doses with a calculated amount, and a course with a delay, an omitted
dose and an early stop. Dates written by hand for these plans are in the tests of each part;
here the views are held to each other."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from scheduler.cli import main
from scheduler.errors import PlanError
from scheduler.export.weeks import months_between
from scheduler.plan.clock import day_of
from scheduler.plan.closures import Closures
from scheduler.plan.events import asks_team
from scheduler.planner import Planned, plan
from scheduler.regimen.dosing import Body
from tests.export.test_terminal import month

STAMP = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
KINDS = {"Dose": "dose", "Blood test": "lab", "Appointment": "visit", "Precaution": "precaution"}
MARKS = {"●": "dose", "○": "lab", "◆": "visit", "△": "precaution"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Fact = tuple[str, date, str]
"""(kind, local date, "HH:MM" or "all day"); a precaution's third part is its last day."""


@dataclass(frozen=True)
class Case:
    regimen: str
    start: date
    zone: str
    cycles: int
    closures: Closures | None = None
    body: Body | None = None


CASES = {
    # Days -1..26 over 5-week cycles; 2027's spring change on Sun 28 Mar falls in cycle 3.
    "aldesleukin-sc": Case("aldesleukin-sc", date(2027, 1, 4), "Europe/London", 3),
    # Weekends and England's holidays closed: Good Friday 26 Mar and Easter Monday 29 Mar 2027.
    "aldesleukin-sc-closures": Case(
        "aldesleukin-sc",
        date(2027, 3, 1),
        "Europe/London",
        2,
        Closures(regions=("GB-ENG",), weekdays=frozenset({5, 6})),
    ),
    # Dexamethasone on day -1; New York's spring change on Sun 14 Mar 2027.
    "docetaxel-premedication": Case("docetaxel-q21d", date(2027, 3, 2), "America/New_York", 2),
    # The 46-hour pump runs over two midnights; Christmas holds cycle 1 back to Wed 29 Dec.
    "mfolfox6-christmas": Case(
        "mfolfox6", date(2027, 12, 27), "Europe/London", 2, Closures(regions=("GB-ENG",))
    ),
    # Every 8 hours from 08:00 on days 1-5 and 15-19, 42,000,000 IU for 70 kg; Sydney's autumn
    # change on Sun 4 Apr 2027.
    "aldesleukin-hd": Case(
        "aldesleukin-hd-iv", date(2027, 3, 29), "Australia/Sydney", 1, body=Body(Decimal(70))
    ),
    # Issue 19. Calendar months from the 31st (30 Nov, 29 Feb, 31 May), New York's changes.
    "leuprolide-months": Case("leuprolide-3-monthly", date(2027, 8, 31), "America/New_York", 4),
    # Tablets on the radiotherapy days, moved with the fractions by two bank holidays.
    "capecitabine-on-rt-days": Case(
        "capecitabine-rt-rectal",
        date(2027, 4, 26),
        "Europe/London",
        7,
        Closures(regions=("GB-ENG",)),
        Body(Decimal(70), Decimal(175)),
    ),
    # Premedication 12 and 6 hours before paclitaxel across London's spring change (Sun 28
    # Mar 2027, cycle 5 from Tue 27 Apr is after it), carboplatin by AUC from a GFR.
    "carboplatin-auc": Case(
        "carboplatin-paclitaxel-q21d",
        date(2027, 1, 5),
        "Europe/London",
        6,
        body=Body(Decimal(70), Decimal(175), gfr_ml_min=Decimal(80)),
    ),
}


def _plan(case: Case) -> Planned:
    return plan(case.regimen, start=case.start, zone=case.zone, cycles=case.cycles,
                closures=case.closures, body=case.body)  # fmt: skip


def _clock(value: date | datetime) -> str:
    return f"{value:%H:%M}" if isinstance(value, datetime) else "all day"


def _fact(kind: str, start: date | datetime, end: date | datetime, zone: ZoneInfo) -> Fact:
    """One event as a fact in the plan's zone (an all-day end is exclusive, as in iCalendar)."""
    if isinstance(start, datetime):
        start = start.astimezone(zone)
    if kind == "precaution":
        assert not isinstance(start, datetime) and not isinstance(end, datetime)
        return (kind, start, (end - timedelta(days=1)).isoformat())
    return (kind, start.date() if isinstance(start, datetime) else start, _clock(start))


def truth(planned: Planned) -> list[Fact]:
    """The plan's own events, as facts."""
    return sorted(
        _fact(e.kind.value, e.start, e.end, planned.zone) for e in planned.events if not e.cancelled
    )


def home_doses(planned: Planned) -> list[Fact]:
    """The plan's doses taken at home, as facts: what the dose diary lists."""
    return sorted(
        _fact(e.kind.value, e.start, e.end, planned.zone)
        for e in planned.events
        if not e.cancelled and e.kind.value == "dose" and e.setting == "home"
    )


def _only(facts: list[Fact], *kinds: str, clock: bool = True) -> list[Fact]:
    return sorted((k, d, t if clock else "") for k, d, t in facts if k in kinds)


# -- each view read back from its bytes ---------------------------------------------------------


def from_ics(data: bytes, zone: ZoneInfo) -> list[Fact]:
    """Every VEVENT that is not cancelled; a series (RRULE) expanded with dateutil."""
    facts = []
    for vevent in icalendar.Calendar.from_ical(data).walk("VEVENT"):
        if str(vevent.get("STATUS", "")) == "CANCELLED":
            continue
        kind = KINDS[vevent.categories[0]]
        start, end = vevent.start, vevent.end
        starts = [start]
        if "RRULE" in vevent:
            rule = vevent["RRULE"].to_ical().decode()
            starts = list(rrulestr(rule, dtstart=start))
        facts += [_fact(kind, s, s + (end - start), zone) for s in starts]
    return sorted(facts)


def from_json(data: bytes, zone: ZoneInfo) -> list[Fact]:
    document = json.loads(data)
    assert document["zone"] == zone.key
    facts = []
    for event in document["events"]:
        if event["status"] == "cancelled":
            continue
        parse = datetime.fromisoformat if not event["all_day"] else date.fromisoformat
        facts.append(_fact(event["kind"], parse(event["start"]), parse(event["end"]), zone))
    return sorted(facts)


def from_csv(data: bytes) -> list[Fact]:
    facts = []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")):
        if row["status"] == "cancelled":
            continue
        day = date.fromisoformat(row["start_date"])
        if row["kind"] == "precaution":
            facts.append(("precaution", day, row["end_date"]))  # the end date is inclusive
        else:
            facts.append((row["kind"], day, row["start_time"] or "all day"))
    return sorted(facts)


def from_fhir(data: bytes, zone: ZoneInfo) -> list[Fact]:
    """Dose instants of the active MedicationRequests, the tests' ServiceRequests and the
    Appointments (precautions are notes, read by the FHIR tests)."""
    facts = []
    for entry in json.loads(data)["entry"]:
        resource = entry["resource"]
        kind = resource["resourceType"]
        if kind == "MedicationRequest" and resource["status"] == "active":
            for dosage in resource["dosageInstruction"]:
                for instant in dosage["timing"]["event"]:
                    moment = datetime.fromisoformat(instant).astimezone(zone)
                    facts.append(("dose", moment.date(), _clock(moment)))
        elif kind == "ServiceRequest" and resource["status"] == "active":
            value = resource["occurrenceDateTime"]
            if "T" in value:
                moment = datetime.fromisoformat(value).astimezone(zone)
                facts.append(("lab", moment.date(), _clock(moment)))
            else:
                facts.append(("lab", date.fromisoformat(value), "all day"))
        elif kind == "Appointment" and resource["status"] != "cancelled":
            if "start" in resource:  # a timed visit
                moment = datetime.fromisoformat(resource["start"]).astimezone(zone)
                facts.append(("visit", moment.date(), _clock(moment)))
            else:  # an all-day one: the day it is requested for
                day = date.fromisoformat(resource["requestedPeriod"][0]["start"])
                facts.append(("visit", day, "all day"))
    return sorted(facts)


_ROW = re.compile(r"^\w{3} (\d{1,2}) (\w{3}) (\d{4})\s+(all day|\d\d:\d\d)\s+(\S)(?: until \w{3} "
                  r"(\d{1,2}) (\w{3}) (\d{4}):)?")  # fmt: skip


def _date(day: str, name: str, year: str) -> date:
    return date(int(year), _MONTHS.index(name) + 1, int(day))


def from_table(text: str) -> list[Fact]:
    facts = []
    for line in text.splitlines()[2:]:
        found = _ROW.match(line)
        assert found, line
        day, name, year, at, mark, *until = found.groups()
        kind = MARKS[mark]
        start = _date(day, name, year)
        if kind == "precaution":
            last = _date(*until) if until[0] else start  # type: ignore[arg-type]
            facts.append((kind, start, last.isoformat()))
        else:
            facts.append((kind, start, at))
    return sorted(facts)


_GRID_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip


def from_calendar(text: str, first: date, last: date) -> list[Fact]:
    """Doses (date and time) and tests and visits (dates) of the month grids."""
    facts: list[Fact] = []
    for year, number in months_between(first, last):
        title = f"{_GRID_MONTHS[number - 1]} {year}"
        if title not in text:
            continue
        _, cells = month(text, title)
        for day, cell in cells.items():
            when = date(year, number, day)
            assert "more" not in cell, f"{when}: a cell too full to compare: {cell!r}"
            for line in cell.splitlines()[1:]:
                mark, _, rest = line.partition(" ")
                if mark == "●":
                    facts.append(("dose", when, rest.split()[0]))
                elif mark in ("○", "◆"):
                    facts.append((MARKS[mark], when, ""))
    return sorted(facts)


_CELL = re.compile(r'<td class="[^"]*" aria-label="\w+ (\d{1,2}) (\w+)">(.*?)</td>')


def from_page(html: str, years: list[int]) -> list[Fact]:
    """Doses (date and each time) and tests and visits (dates) of the printable calendar,
    month by month in page order."""
    facts: list[Fact] = []
    pages = html.split('<section class="month">')[1:]
    titles = [re.search(r"<h2>(\w+) (\d{4})</h2>", page) for page in pages]
    for page, title in zip(pages, titles, strict=True):
        assert title is not None
        year = int(title.group(2))
        assert year in years
        for day, name, body in _CELL.findall(page):
            when = date(year, _GRID_MONTHS.index(name) + 1, int(day))
            for times in re.findall(
                r'<div class="dose">● .*? <span class="time">(.*?)</span>', body
            ):
                facts += [("dose", when, at) for at in times.split(", ")]
            facts += [("lab", when, "")] * body.count('<div class="test">')
            facts += [("visit", when, "")] * body.count('<div class="visit">')
    return sorted(facts)


_DIARY_ROW = re.compile(
    r'<tr class="dose"[^>]*><td class="date">\w{3} (\d{1,2}) (\w{3}) (\d{4})</td>'
    r'<td class="time">([^<]*)</td>'
)


def from_diary(html: str) -> list[Fact]:
    """Each row of the dose diary, page by page: a home dose's date and time ("any time" is an
    all-day dose)."""
    facts: list[Fact] = []
    for page in html.split('<section class="cycle">')[1:]:
        for day, name, year, at in _DIARY_ROW.findall(page):
            facts.append(("dose", _date(day, name, year), "all day" if at == "any time" else at))
    return sorted(facts)


def diary_agrees(planned: Planned) -> None:
    """The diary lists exactly the plan's home doses; a plan without any is refused."""
    homes = home_doses(planned)
    if not homes:
        with pytest.raises(PlanError, match=r"^a dose diary lists the doses taken at home"):
            planned.render("diary", stamp=STAMP)
        return
    assert from_diary(planned.render("diary", stamp=STAMP).decode()) == homes


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_view_agrees_on_every_date(name: str) -> None:
    planned = _plan(CASES[name])
    zone = planned.zone
    facts = truth(planned)
    assert facts, "the plan is empty"
    render = lambda fmt, **kw: planned.render(fmt, stamp=STAMP, **kw)  # noqa: E731

    assert from_ics(render("ics"), zone) == facts
    assert from_ics(render("ics", recurrence="rrule"), zone) == facts
    assert from_json(render("json"), zone) == facts
    assert from_csv(render("csv")) == facts
    assert from_table(render("table", width=200).decode()) == facts
    assert from_fhir(render("fhir"), zone) == _only(facts, "dose", "lab", "visit")

    days = [d for _, d, _ in facts]
    grid = from_calendar(render("calendar", width=120).decode(), min(days), max(days))
    assert grid == sorted(
        (k, d, t if k == "dose" else "") for k, d, t in _only(facts, "dose", "lab", "visit")
    )
    page = from_page(render("html").decode(), sorted({d.year for d in days}))
    assert page == grid
    diary_agrees(planned)


def test_a_changed_course_agrees_in_every_view_and_in_course_show(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A course of aldesleukin-sc from Mon 4 Jan 2027: cycle 2 delayed a week, Wed 6 Jan's dose
    omitted, stopped after Fri 26 Mar. Cancelled events stay in the .ics and JSON as cancelled
    and appear in no view as planned."""
    course = tmp_path / "c.toml"
    steps = [["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
              "--tz", "Europe/London", "-o", str(course)],
             ["course", "delay", str(course), "--cycle", "2", "--days", "7"],
             ["course", "omit", str(course), "--cycle", "1", "--day", "3"],
             ["course", "stop", str(course), "--after", "2027-03-26"]]  # fmt: skip
    for argv in steps:
        assert main(argv) == 0
    capsys.readouterr()
    planned = plan(course)
    assert any(e.cancelled for e in planned.events)
    zone = planned.zone
    facts = truth(planned)
    render = lambda fmt, **kw: planned.render(fmt, stamp=STAMP, **kw)  # noqa: E731
    assert from_ics(render("ics"), zone) == facts
    assert from_json(render("json"), zone) == facts
    assert from_csv(render("csv")) == facts
    assert from_fhir(render("fhir"), zone) == _only(facts, "dose", "lab", "visit")
    days = [d for _, d, _ in facts]
    grid = from_calendar(render("calendar", width=120).decode(), min(days), max(days))
    assert grid == sorted(
        (k, d, t if k == "dose" else "") for k, d, t in _only(facts, "dose", "lab", "visit")
    )
    assert from_page(render("html").decode(), [2026, 2027]) == grid
    diary_agrees(planned)
    # The live feed with a window over the whole course is the same plan; with today inside
    # it, the feed holds exactly the plan's events that touch the window.
    from scheduler.course.store import FileStore
    from scheduler.feed.calendar import Window, render_feed

    stored = FileStore().get(course)
    whole = render_feed(stored, today=date(2027, 2, 1), window=Window(60, 800), show_label=False)
    assert from_ics(whole.body, zone) == facts
    narrow = render_feed(stored, today=date(2027, 3, 1), window=Window(7, 14), show_label=False)
    first, last = date(2027, 2, 22), date(2027, 3, 15)
    within = truth_within(planned, first, last)
    assert ("dose", date(2027, 2, 22), "09:00") in within  # cycle 2 (from Mon 15 Feb), day 8
    # ... and, since the course goes on after 15 March, a note on that day saying so.
    assert narrow.later > 0 and whole.later == 0
    continues = ("precaution", date(2027, 3, 15), "2027-03-15")
    assert sorted(from_ics(narrow.body, zone)) == sorted([*within, continues])
    assert b"SUMMARY:Your treatment calendar continues after today" in narrow.body
    # course show's "Next" list, from a day inside the plan, is the plan's next events.
    from scheduler.course.file import load_course
    from scheduler.course.wording import describe_course

    text = describe_course(load_course(course), date(2027, 3, 22), upcoming=6)
    listed = text.split("Next (from Mon 22 Mar 2027):\n")[1].splitlines()
    coming = [e for e in planned.events if not e.cancelled and day_of(e.start) >= date(2027, 3, 22)
              and (e.kind.value != "precaution" or asks_team(e))][:6]  # fmt: skip
    assert [line.strip().split("  ")[1] for line in listed] == [e.title for e in coming]
    assert [line.strip().split("  ")[0] for line in listed] == [
        f"{day_of(e.start):%a} {day_of(e.start).day} {day_of(e.start):%b %Y}"
        + (f" {e.start:%H:%M}" if isinstance(e.start, datetime) else "")
        for e in coming
    ]


def truth_within(planned: Planned, first: date, last: date) -> list[Fact]:
    """The plan's facts for events with a day from ``first`` to ``last`` (a precaution spanning
    them counts)."""
    kept = []
    for e in planned.events:
        end = day_of(e.end) - timedelta(days=1) if e.all_day else day_of(e.end)
        if not e.cancelled and day_of(e.start) <= last and max(end, day_of(e.start)) >= first:
            kept.append(_fact(e.kind.value, e.start, e.end, planned.zone))
    return sorted(kept)


def test_show_agrees_with_plan_on_cycle_1(capsys: pytest.CaptureFixture[str]) -> None:
    """show --start's day-by-day list of cycle 1 names the same dates as plan's doses and tests
    (docetaxel: dexamethasone on day -1, so cycle 1 starts the day before day 1)."""
    case = CASES["docetaxel-premedication"]
    assert main(["show", case.regimen, "--start", case.start.isoformat()]) == 0
    out = capsys.readouterr().out
    listed = re.findall(r"^  Day +(-?\d+)  \w{3} (\d{1,2}) (\w{3}) (\d{4})  (.+)$", out, re.M)
    shown = {_date(d, m, y) for _, d, m, y, what in listed if "rest" not in what}
    planned = plan(case.regimen, start=case.start, zone=case.zone, cycles=1)
    assert shown == {day_of(e.start) for e in planned.events if e.kind.value in ("dose", "lab")}
    assert date(2027, 3, 1) in shown  # day -1: the first dexamethasone
