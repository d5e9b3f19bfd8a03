"""Our VTIMEZONEs against zoneinfo's real offsets, read back by two evaluators nobody in the
writer's code path wrote: dateutil's VTIMEZONE parser (icalendar's ``to_tz(lookup_tzid=False)``,
which vobject and Radicale also use) and a small one here over ``dateutil.rrule``."""

from __future__ import annotations

import os
from bisect import bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from scheduler.export.transitions import transitions
from scheduler.export.vtimezone import vtimezone_lines
from tests.helpers import ODD_SPANS, TESTDATA


def _read_back(zone: str, first: date, last: date) -> icalendar.Timezone:
    lines = vtimezone_lines(ZoneInfo(zone), first, last)
    text = "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN", *lines,
                        "END:VCALENDAR"]) + "\r\n"  # fmt: skip
    calendar = icalendar.Calendar.from_ical(text)
    (vtimezone,) = calendar.walk("VTIMEZONE")
    return vtimezone


class Onsets:
    """A VTIMEZONE evaluated as RFC 5545 §3.6.5 reads: every onset of every observance (its
    DTSTART and RRULE occurrences, local times read in TZOFFSETFROM, up to a UTC UNTIL) with
    the offset it brings; the offset at an instant is that of the last onset at or before it."""

    def __init__(self, vtimezone: icalendar.Timezone, until: datetime) -> None:
        onsets: list[tuple[datetime, timedelta]] = []
        for observance in vtimezone.subcomponents:
            assert observance.name in ("STANDARD", "DAYLIGHT")
            assert "RDATE" not in observance  # Outlook ignores RDATE (ics-interop.md)
            start = observance.decoded("DTSTART")
            before = observance.decoded("TZOFFSETFROM")
            after = observance.decoded("TZOFFSETTO")
            stop = until
            local: Iterable[datetime] = [start]
            if "RRULE" in observance:
                parts = dict(
                    part.split("=", 1)
                    for part in observance["RRULE"].to_ical().decode("ascii").split(";")
                )
                if "UNTIL" in parts:
                    limit = datetime.strptime(parts.pop("UNTIL"), "%Y%m%dT%H%M%SZ")
                    stop = min(stop, limit.replace(tzinfo=UTC))
                local = rrulestr(";".join(f"{k}={v}" for k, v in parts.items()), dtstart=start)
            for onset in local:
                instant = (onset - before).replace(tzinfo=UTC)
                if instant > stop:
                    break
                onsets.append((instant, after))
        onsets.sort()
        self.instants = [instant for instant, _ in onsets]
        self.offsets = [offset for _, offset in onsets]

    def offset(self, moment: datetime) -> timedelta | None:
        """The offset in force at ``moment``; None before the first onset (undefined)."""
        i = bisect_right(self.instants, moment) - 1
        return self.offsets[i] if i >= 0 else None


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


def _span_moments(first: date, last: date, step: timedelta) -> list[datetime]:
    moment = datetime(first.year, first.month, first.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    out = []
    while moment < end:
        out.append(moment)
        moment += step
    return out


def _wrong(
    moments: list[datetime], read: Callable[[datetime], timedelta | None], zone: ZoneInfo
) -> list[str]:
    """The moments at which ``read`` gives another offset than zoneinfo."""
    return [
        f"{m.isoformat()}: {read(m)} instead of {m.astimezone(zone).utcoffset()}"
        for m in moments
        if read(m) != m.astimezone(zone).utcoffset()
    ]


@pytest.mark.parametrize(("zone", "first", "last"), ODD_SPANS, ids=lambda v: str(v))
def test_every_half_hour_of_an_odd_span_has_zoneinfos_offset(
    zone: str, first: date, last: date
) -> None:
    real = ZoneInfo(zone)
    vtimezone = _read_back(zone, first, last)
    onsets = Onsets(vtimezone, until=datetime(last.year + 2, 1, 1, tzinfo=UTC))
    # Every 30 minutes from the first to the last day: the evaluator here...
    span = _span_moments(first, last, timedelta(minutes=30))
    assert _wrong(span, onsets.offset, real) == []
    # ...and dateutil's (icalendar's to_tz, vobject, Radicale): every 30 minutes within two
    # days of each real change, every 6 hours elsewhere (it takes ~0.1 ms a moment).
    tzical = vtimezone.to_tz(lookup_tzid=False)

    def read(moment: datetime) -> timedelta | None:
        # As a reader takes an event's time: the wall-clock time (which of a repeated hour's
        # two passes it is, PEP 495's fold) under the file's zone. (Asking dateutil to convert
        # from UTC instead misreads the first pass of a repeated hour whenever the standard
        # offset itself changes, as in Almaty 2024: its fromutc assumes only DST changes.)
        wall = moment.astimezone(real)
        return wall.replace(tzinfo=tzical).utcoffset()

    near = {
        datetime.fromtimestamp(change.at, UTC) + timedelta(minutes=30 * k)
        for change in transitions(real, first.year, last.year)
        for k in range(-96, 97)
    }
    sampled = sorted({*span[::12], *(m for m in near if span[0] <= m <= span[-1])})
    assert _wrong(sampled, read, real) == []


@pytest.mark.parametrize(("zone", "first", "last"), ODD_SPANS, ids=lambda v: str(v))
def test_every_instant_from_1970_to_the_span_has_zoneinfos_offset(
    zone: str, first: date, last: date
) -> None:
    """The definition is history, not a guess: from 1 January 1970 on, every 6 hours and on
    each side of every real change, the offset is zoneinfo's."""
    real = ZoneInfo(zone)
    onsets = Onsets(_read_back(zone, first, last), until=datetime(last.year + 2, 1, 1, tzinfo=UTC))
    # From the definition's first onset, midnight on 1 January 1970 in the zone.
    moments = _span_moments(date(1970, 1, 2), last, timedelta(hours=6))
    moments.append(datetime(1970, 1, 1, tzinfo=real).astimezone(UTC))
    for change in transitions(real, 1970, last.year):
        at = datetime.fromtimestamp(change.at, UTC)
        moments += [at - timedelta(seconds=1), at, at + timedelta(minutes=30)]
    assert _wrong(moments, onsets.offset, real) == []


@pytest.mark.parametrize(("zone", "first", "last"), [*SPANS, *ODD_SPANS], ids=lambda v: str(v))
def test_the_first_onset_is_1_january_1970(zone: str, first: date, last: date) -> None:
    """Issue 19: no event falls before the definition's first onset (RFC 5545 leaves such
    instants undefined and readers disagree), and vobject sees the zone's own 2000-2020."""
    observances = _read_back(zone, first, last).subcomponents
    assert observances[0].decoded("DTSTART") == datetime(1970, 1, 1)
    assert min(o.decoded("DTSTART") for o in observances) == datetime(1970, 1, 1)


def test_london_starts_in_1970_and_ends_with_todays_two_rules() -> None:
    """London in 1970 was on British Standard Time (GMT+1 all year, 1968-71). Summer time from
    01:00 GMT on the last Sunday of March since 1981; GMT again from 02:00 BST on the last Sunday
    of October since 1996, where 1996-98's last Sundays (27, 26, 25 Oct) were also fourth
    Sundays, so the fourth-Sunday stretch from 1993 runs on to 1998. For a plan from January
    2027 today's two rules start their own open-ended observances at the last change before
    2027 (Sun 25 Oct 2026) and the first after it (Sun 28 Mar 2027), after every older one, as
    Outlook's one yearly rule needs; the older stretches end a day after their last change."""
    lines = vtimezone_lines(ZoneInfo("Europe/London"), date(2027, 1, 4), date(2028, 3, 6))
    assert lines[:8] == [
        "BEGIN:VTIMEZONE",
        "TZID:Europe/London",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0100",
        "TZNAME:BST",
        "END:STANDARD",
    ]
    assert lines[8:11] == ["BEGIN:STANDARD", "DTSTART:19711031T030000", "TZOFFSETFROM:+0100"]
    spring = lines.index("DTSTART:19810329T010000")
    assert lines[spring - 1 : spring + 6] == [
        "BEGIN:DAYLIGHT",
        "DTSTART:19810329T010000",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU;UNTIL=20260330T010000Z",  # a day after 29 Mar
        "TZNAME:BST",
        "END:DAYLIGHT",
    ]
    assert lines[-29:] == [
        "BEGIN:STANDARD",
        "DTSTART:19931024T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=4SU;UNTIL=19981026T010000Z",  # a day after
        "TZNAME:GMT",
        "END:STANDARD",
        "BEGIN:STANDARD",
        "DTSTART:19991031T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20251027T010000Z",  # a day after 26 Oct
        "TZNAME:GMT",
        "END:STANDARD",
        "BEGIN:STANDARD",
        "DTSTART:20261025T020000",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0000",
        "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
        "TZNAME:GMT",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:20270328T010000",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0100",
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
        "TZNAME:BST",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
    ]
    assert not any(line.startswith("RDATE") for line in lines)


def test_almaty_holds_plus_six_until_1_march_2024() -> None:
    """Issue 19: Almaty's one change of 2024 was the definition's first onset, so what came
    before it was undefined. Now the observance before it says +06 and the change is a one-off
    at 00:00 local on 1 March 2024 (18:00 UTC on 29 February), to +05 for good."""
    lines = vtimezone_lines(ZoneInfo("Asia/Almaty"), date(2024, 2, 25), date(2024, 3, 5))
    assert lines[-7:] == [
        "BEGIN:STANDARD",
        "DTSTART:20240301T000000",
        "TZOFFSETFROM:+0600",
        "TZOFFSETTO:+0500",
        "TZNAME:+05",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    # The observance in force before it, and so after every older one: back to +06 at 03:00
    # (+07) on Sun 31 Oct 2004, Kazakhstan's last summer time, a one-off; the yearly rule before
    # it ends a day after 26 Oct 2003 (20:00 UTC on the 25th, see
    # test_until_is_a_day_after_the_last_change). No summer time is left, so none of it is
    # labelled DAYLIGHT (Outlook would apply it, see test_outlooks_one_yearly_rule_is_the_rule_in_force).
    assert lines[-13:-6] == [
        "BEGIN:STANDARD",
        "DTSTART:20041031T030000",
        "TZOFFSETFROM:+0700",
        "TZOFFSETTO:+0600",
        "TZNAME:+06",
        "END:STANDARD",
        "BEGIN:STANDARD",
    ]
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20031026T200000Z" in lines
    assert "BEGIN:DAYLIGHT" not in lines


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
    # Since 2007: the second Sunday of March (11 Mar 2007) and the first of November (4 Nov).
    assert "DTSTART:20070311T020000" in lines
    assert "DTSTART:20071104T020000" in lines
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


def test_a_plan_before_1970_starts_the_year_before_it() -> None:
    # 1 January 1966 in London: GMT, before the all-year BST of 1968-71.
    lines = vtimezone_lines(ZoneInfo("Europe/London"), date(1967, 1, 1), date(1972, 12, 31))
    assert lines[2:8] == [
        "BEGIN:STANDARD",
        "DTSTART:19660101T000000",
        "TZOFFSETFROM:+0000",
        "TZOFFSETTO:+0000",
        "TZNAME:GMT",
        "END:STANDARD",
    ]


def test_size_of_the_longest_histories() -> None:
    """Every zone's definition from 1970 to 2028 stays small (a file carries one per zone, and
    a CalDAV resource one per event): measured 1.6 KB for London, 8 KB at most (Cairo)."""
    import zoneinfo

    first, last = date(2027, 1, 1), date(2027, 12, 31)
    sizes = {
        zone: len("\r\n".join(vtimezone_lines(ZoneInfo(zone), first, last)).encode())
        for zone in zoneinfo.available_timezones()
        if zone != "localtime"
    }
    assert sizes["Europe/London"] < 2_000
    assert max(sizes.values()) < 10_000


GOLDEN = TESTDATA / "golden" / "vtimezones.txt"
#: Zones and spans whose VTIMEZONE text is held byte for byte: a 1-year and a 5-year plan, the
#: first and last dates a plan may have, London's all-year BST of 1968-71, and Sao Paulo's
#: daylight saving abolished in 2019. Rewritten for issue 19, when every definition came to start
#: in 1970 at the latest; a tz database update that changes these zones' rules is a reason to
#: regenerate.
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


def _latest(lines: list[str]) -> dict[str, dict[str, str]]:
    """The STANDARD and DAYLIGHT observance with the latest DTSTART, as Outlook keeps them."""
    latest: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    kind = ""
    for line in lines:
        if line in ("BEGIN:STANDARD", "BEGIN:DAYLIGHT"):
            kind, current = line[6:], {}
        elif line in ("END:STANDARD", "END:DAYLIGHT"):
            if kind not in latest or current["DTSTART"] > latest[kind]["DTSTART"]:
                latest[kind] = current
        elif kind and ":" in line:
            name, _, value = line.partition(":")
            current[name] = value
    return latest


@pytest.mark.parametrize(
    ("zone", "winter", "summer"),
    [
        # Summer time in 2027, by each zone's law: the latest of each kind is the rule in force.
        ("Europe/London", "+0000", "+0100"),
        ("America/New_York", "-0500", "-0400"),
        ("Australia/Sydney", "+1000", "+1100"),
        # Summer time abolished: Tehran in 2022, Moscow in 2011 (+04 all year, then +03 from
        # 2014), São Paulo in 2019, Mexico City in 2022. No DAYLIGHT may be left for Outlook.
        ("Asia/Tehran", "+0330", None),
        ("Europe/Moscow", "+0300", None),
        ("America/Sao_Paulo", "-0300", None),
        ("America/Mexico_City", "-0600", None),
    ],
)
def test_outlooks_one_yearly_rule_is_the_rule_in_force(
    zone: str, winter: str, summer: str | None
) -> None:
    """Outlook approximates a VTIMEZONE by the STANDARD and the DAYLIGHT with the latest start
    (MS-STANOICAL 2.2.47). Written from 1970, a zone that gave up summer time still had its
    last DAYLIGHT (Tehran's 2008-2022), which Outlook would apply to a 2027 plan: summer time
    that ended before the plan is written as STANDARD (the same offsets for every RFC 5545
    reader). Offsets by hand from each zone's law."""
    latest = _latest(vtimezone_lines(ZoneInfo(zone), date(2027, 1, 1), date(2027, 12, 31)))
    assert latest["STANDARD"]["TZOFFSETTO"] == winter
    if summer is None:
        assert "DAYLIGHT" not in latest
    else:
        assert latest["DAYLIGHT"]["TZOFFSETTO"] == summer
        assert "UNTIL" not in latest["DAYLIGHT"]["RRULE"]
        assert "UNTIL" not in latest["STANDARD"]["RRULE"]
