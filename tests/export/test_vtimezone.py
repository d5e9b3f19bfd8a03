"""Our VTIMEZONEs against zoneinfo's real offsets, read back by an independent reader
(dateutil's VTIMEZONE parser via icalendar's ``to_tz(lookup_tzid=False)``)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from scheduler.export.transitions import transitions
from scheduler.export.vtimezone import vtimezone_lines
from tests.helpers import TESTDATA


def _read_back(zone: str, first: date, last: date) -> icalendar.Timezone:
    lines = vtimezone_lines(ZoneInfo(zone), first, last)
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", *lines,
                        "END:VCALENDAR"]) + "\r\n"  # fmt: skip
    calendar = icalendar.Calendar.from_ical(text)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    return vtimezone


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Asia/Tehran", "Asia/Kolkata", "Pacific/Auckland", "UTC"]  # fmt: skip


SPANS = [
    *[(zone, date(2027, 1, 1), date(2028, 12, 31)) for zone in ZONES],
    # Rules that changed inside the span: Tehran dropped DST after September 2022; Santiago's
    # September 2022 change was moved a week (4 Sep -> 11 Sep) by decree.
    ("Asia/Tehran", date(2021, 6, 1), date(2023, 6, 30)),
    ("America/Santiago", date(2021, 6, 1), date(2023, 6, 30)),
]


@pytest.mark.parametrize(("zone", "first", "last"), SPANS, ids=lambda v: str(v))
def test_every_hour_of_the_span_has_zoneinfos_offset(zone: str, first: date, last: date) -> None:
    reader = _read_back(zone, first, last).to_tz(lookup_tzid=False)
    real = ZoneInfo(zone)
    begin = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    # Every hour of the span, and every 10 minutes within a day of each real change.
    moments = set()
    moment = begin
    while moment < end:
        moments.add(moment)
        moment += timedelta(hours=1)
    for change in transitions(real, first.year, last.year):
        around = datetime.fromtimestamp(change.at, UTC)
        moments.update(around + timedelta(minutes=10 * k) for k in range(-144, 145))
    mismatches = [
        m for m in sorted(moments)
        if begin <= m < end and m.astimezone(reader).utcoffset() != m.astimezone(real).utcoffset()
    ]  # fmt: skip
    assert mismatches == []


def test_london_is_two_yearly_rules() -> None:
    lines = vtimezone_lines(ZoneInfo("Europe/London"), date(2027, 1, 4), date(2028, 3, 6))
    assert lines == [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/London",
        "BEGIN:DAYLIGHT",
        "DTSTART:20260329T010000",  # last Sunday of March 2026, 01:00 GMT
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZNAME:BST",
        "END:DAYLIGHT",
        "BEGIN:STANDARD",
        "DTSTART:20261025T020000",  # last Sunday of October 2026, 02:00 BST
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZNAME:GMT",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


def test_until_is_a_day_after_the_last_change() -> None:
    """Eucla's summer-time trial ended with its third change to +09:45, at 02:00 (+08:45) on
    Sun 26 Oct 2008 = 17:15 UTC on the 25th. With UNTIL at that instant, dateutil (vobject,
    Radicale, icalendar's to_tz), which compares UNTIL with local times and ignores its Z,
    dropped it: a 09:00 dose on 1 Dec 2008 read as 09:00+08:45 = 00:15 UTC, not 23:15 UTC on
    30 Nov. UNTIL is now a day later, which names the same onsets for every other reader."""
    vtimezone = _read_back("Australia/Eucla", date(2008, 11, 1), date(2009, 2, 28))
    (daylight,) = [o for o in vtimezone.subcomponents if o.decoded("DTSTART").year == 2007
                   and o.name == "DAYLIGHT"]  # fmt: skip
    assert (
        daylight["RRULE"].to_ical() == b"FREQ=YEARLY;UNTIL=20081026T171500Z;BYDAY=-1SU;BYMONTH=10"
    )
    dose = datetime(2008, 12, 1, 9, 0, tzinfo=vtimezone.to_tz(lookup_tzid=False))
    assert dose.astimezone(UTC) == datetime(2008, 11, 30, 23, 15, tzinfo=UTC)


def test_new_york_uses_second_and_first_sundays() -> None:
    lines = vtimezone_lines(ZoneInfo("America/New_York"), date(2027, 1, 1), date(2027, 12, 31))
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU" in lines
    assert "DTSTART:20260308T020000" in lines  # second Sunday of March 2026, 02:00 EST
    assert not any(line.startswith("RDATE") for line in lines)


def test_zone_without_daylight_saving_is_one_standard_observance() -> None:
    lines = vtimezone_lines(ZoneInfo("Asia/Kolkata"), date(2027, 1, 1), date(2027, 12, 31))
    assert lines == [
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Kolkata",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0530",
        "TZOFFSETTO:+0530",
        "TZNAME:IST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]


GOLDEN = TESTDATA / "golden" / "vtimezones.txt"
#: Zones and spans whose VTIMEZONE text is held byte for byte: a 1-year and a 5-year plan, the
#: first and last dates a plan may have, London's all-year BST of 1968-71, and Sao Paulo's
#: daylight saving abolished in 2019. Written by the half-day scan before it was cached (issue
#: 9); a tz database update that changes these zones' rules is a reason to regenerate.
GOLDEN_ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                "America/Sao_Paulo", "UTC"]  # fmt: skip
GOLDEN_SPANS = [(date(2027, 1, 4), date(2027, 12, 31)), (date(2027, 1, 4), date(2031, 12, 31)),
                (date(2016, 6, 1), date(2021, 6, 30)), (date(1967, 1, 1), date(1972, 12, 31)),
                (date(1900, 1, 1), date(1902, 6, 30)), (date(2997, 1, 1), date(2999, 12, 31))]  # fmt: skip


def _golden_text() -> str:
    out = []
    for zone in GOLDEN_ZONES:
        for first, last in GOLDEN_SPANS:
            out.append(f"# {zone} {first.isoformat()} {last.isoformat()}")
            out += vtimezone_lines(ZoneInfo(zone), first, last)
    return "\n".join(out) + "\n"


def test_golden_vtimezones() -> None:
    produced = _golden_text()
    if os.environ.get("UPDATE_GOLDEN"):
        # As in test_ics.py: this run writes the file and fails; review the diff, then rerun.
        GOLDEN.write_text(produced, encoding="utf-8")
        pytest.fail(f"rewrote {GOLDEN.name}: review `git diff`, then run without UPDATE_GOLDEN")
    assert produced == GOLDEN.read_text(encoding="utf-8")
