"""Every bundled regimen, in three zones across their daylight-saving changes, in both export
forms, read by parsers nobody here wrote: allenporter's strict ``ical``, ``vobject`` with
validation (Radicale's parser), ``recurring-ical-events`` over icalendar, Mozilla's ical.js and
libical, each expanding the recurrences itself. Each must see exactly the doses of the JSON view,
at the same instants; vobject and icalendar also through our own VTIMEZONE (tests/readers.py)."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import vobject
from ical.calendar_stream import IcsCalendarStream

from scheduler.check import check_bytes
from scheduler.export.ics import Reminders, to_ics
from scheduler.export.json import to_records
from scheduler.plan.events import Event
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body
from tests.helpers import plan
from tests.readers import (
    Doses,
    Reader,
    icalendar_doses,
    icaljs_doses,
    libical_doses,
    own_zone,
    vobject_doses,
)

STAMP = datetime(2026, 11, 22, tzinfo=UTC)
BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
# London changes on 28 Mar and 31 Oct 2027, New York on 14 Mar and 7 Nov, Sydney on 4 Apr
# and 3 Oct: a plan from 1 March to 30 November 2027 crosses both changes in all three.
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney"]
FORMS = ["expand", "rrule"]
START, UNTIL = date(2027, 3, 1), date(2027, 11, 30)


def _plan(regimen: str, zone: str) -> tuple[Event, ...]:
    return plan(regimen, start=START, until=UNTIL, zone=zone, body=BODY)


def _json_doses(events: tuple[Event, ...]) -> Doses:
    return Counter(
        (
            int(datetime.fromisoformat(r["start"]).timestamp()),
            int(datetime.fromisoformat(r["end"]).timestamp()),
        )
        for r in to_records(events)
        if r["kind"] == "dose"
    )


def _ics(events: tuple[Event, ...], zone: str, form: str) -> bytes:
    return to_ics(events, name="Reader test", stamp=STAMP, zone=ZoneInfo(zone), recurrence=form)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("regimen", bundled_ids())
def test_python_readers_see_the_json_doses(regimen: str, zone: str, form: str) -> None:
    events = _plan(regimen, zone)
    data = _ics(events, zone, form)
    expected = _json_doses(events)
    assert expected

    # allenporter/ical: strict (pydantic) parse, then its own recurrence timeline.
    strict = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    seen_strict = Counter(
        (int(e.dtstart.timestamp()), int(e.dtend.timestamp()))
        for e in strict.timeline_tz(ZoneInfo(zone))
        if "Dose" in e.categories
    )
    assert seen_strict == expected

    # vobject with validation: the parser Radicale uses.
    vobject.readOne(data.decode("utf-8")).validate()
    # vobject and icalendar made to read our VTIMEZONE (by name they may use pytz/zoneinfo).
    assert vobject_doses(own_zone(data)) == expected
    assert icalendar_doses(own_zone(data), date(2027, 1, 1), date(2029, 1, 1)) == expected

    # recurring-ical-events over icalendar.
    calendar = icalendar.Calendar.from_ical(data)
    window = recurring_ical_events.of(calendar).between(date(2027, 1, 1), date(2029, 1, 1))
    seen_rie = Counter(
        (int(e.start.timestamp()), int(e.end.timestamp())) for e in window if "Dose" in e.categories
    )
    assert seen_rie == expected

    # And our own checker finds nothing to say.
    assert check_bytes(data) == []


@pytest.mark.external
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("regimen", bundled_ids())
def test_icaljs_expands_to_the_json_doses(
    node_ical: Path, tmp_path: Path, regimen: str, zone: str, form: str
) -> None:
    events = _plan(regimen, zone)
    assert icaljs_doses(node_ical, _ics(events, zone, form), tmp=tmp_path) == _json_doses(events)


@pytest.mark.external
@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("regimen", bundled_ids())
def test_libical_expands_to_the_json_doses(
    libical_reader: Path, tmp_path: Path, regimen: str, zone: str, form: str
) -> None:
    events = _plan(regimen, zone)
    seen = libical_doses(libical_reader, _ics(events, zone, form), tmp=tmp_path)
    assert seen == _json_doses(events)


def _utc(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M")


def _starts(seen: Doses) -> list[str]:
    return sorted(_utc(start) for start, _ in seen)


def test_every_reader_takes_the_offsets_from_the_file(reader: Reader) -> None:
    """What the readers above see is our VTIMEZONE, not their own zone database: a London file
    whose definition is altered to say +03:00 all year has its 09:00 doses read at 06:00 UTC
    by each of them (libical's built-in zones are switched off, ical.js has none, and vobject
    and icalendar get a TZID no database holds)."""
    events = plan("imatinib-daily", start=date(2027, 7, 1), until=date(2027, 7, 2),
                  zone="Europe/London", dose_time=time(9, 0))  # fmt: skip
    data = _ics(events, "Europe/London", "expand")
    altered = re.sub(rb"TZOFFSET(FROM|TO):[+-]\d{4}", rb"TZOFFSET\1:+0300", data)
    assert _starts(reader(altered)) == ["2027-07-01 06:00", "2027-07-02 06:00"]
    assert _starts(reader(data)) == ["2027-07-01 08:00", "2027-07-02 08:00"]  # BST


@pytest.mark.external
def test_libical_refuses_a_tzid_without_its_vtimezone(libical_reader: Path, tmp_path: Path) -> None:
    """Rather than fall back on a zone database, the libical reader stops: exit status 2."""
    data = _ics(plan(cycles=1), "Europe/London", "expand")
    bare = re.sub(rb"BEGIN:VTIMEZONE\r\n.*?END:VTIMEZONE\r\n", b"", data, flags=re.DOTALL)
    assert b"DTSTART;TZID=Europe/London:" in bare and b"VTIMEZONE" not in bare
    path = tmp_path / "bare.ics"
    path.write_bytes(bare)
    done = subprocess.run([str(libical_reader), str(path)], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "TZID Europe/London has no VTIMEZONE in the file\n"


def test_the_compact_form_is_smaller_for_long_courses() -> None:
    events = plan("imatinib-daily", cycles=26)  # two years, daily
    expanded, compact = (
        _ics(events, "Europe/London", "expand"),
        _ics(events, "Europe/London", "rrule"),
    )
    assert compact.count(b"BEGIN:VEVENT") == 1
    assert b"RRULE:FREQ=DAILY;INTERVAL=1;COUNT=728" in compact
    assert len(compact) * 50 < len(expanded)


def test_seed_compact_form_is_one_series_per_cycle_day() -> None:
    events = plan(cycles=11)
    compact = _ics(events, "Europe/London", "rrule")
    assert compact.count(b"RRULE:FREQ=DAILY;INTERVAL=35;COUNT=11") == 20  # days 1-5, 8-12, ...
    assert b"EXDATE" not in compact


def test_default_reminders() -> None:
    calendar = icalendar.Calendar.from_ical(_ics(plan(cycles=1), "Europe/London", "expand"))
    triggers = {
        str(e["CATEGORIES"].cats[0]): [a["TRIGGER"].dt for a in e.walk("VALARM")]
        for e in calendar.walk("VEVENT")
    }
    assert triggers["Dose"] == [timedelta(0)]  # at the time of the dose
    assert triggers["Blood test"] == [-timedelta(hours=6)]  # all day: 18:00 the evening before
    assert triggers["Precaution"] == []
    assert b"TRIGGER:PT0S" in _ics(plan(cycles=1), "Europe/London", "expand")


def test_remind_option_and_none() -> None:
    events = plan(cycles=1)
    data = to_ics(events, name="x", stamp=STAMP, zone=ZoneInfo("Europe/London"),
                  reminders=Reminders.parse("30m,1d"))  # fmt: skip
    first = next(
        e for e in icalendar.Calendar.from_ical(data).walk("VEVENT") if "Dose" in e.categories
    )
    assert [a["TRIGGER"].dt for a in first.walk("VALARM")] == [
        -timedelta(minutes=30),
        -timedelta(days=1),
    ]
    assert [a["ACTION"] for a in first.walk("VALARM")] == ["DISPLAY", "DISPLAY"]
    none = to_ics(
        events, name="x", stamp=STAMP, zone=ZoneInfo("Europe/London"), reminders=Reminders.none()
    )
    assert b"VALARM" not in none
    with pytest.raises(ValueError, match="reminder 'soon'"):
        Reminders.parse("30m,soon")


def test_timed_test_reminder_is_the_evening_before() -> None:
    # A 14:00 CT scan on Saturday 16 January: 18:00 on Friday 15 is 20 hours before.
    from tests.helpers import TESTDATA

    events = plan(str(TESTDATA / "valid" / "scan-every-3.toml"), start=date(2027, 1, 4))
    data = to_ics(events, name="x", stamp=STAMP, zone=ZoneInfo("Europe/London"))
    scan = next(
        e
        for e in icalendar.Calendar.from_ical(data).walk("VEVENT")
        if str(e["SUMMARY"]).startswith("CT scan")
    )
    assert [a["TRIGGER"].dt for a in scan.walk("VALARM")] == [-timedelta(hours=20)]
