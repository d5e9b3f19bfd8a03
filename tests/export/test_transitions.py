"""A zone's offset changes read from its TZif file, held against a half-day scan of zoneinfo
itself (the way they were found before the file was read) and against dates worked by hand."""

from __future__ import annotations

import importlib.resources
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduler.export.transitions import (
    _Rule,
    _rule_date,
    parse_tzif,
    transitions,
    transitions_at,
)


def _half_day_scan(zone: ZoneInfo, first_year: int, last_year: int) -> list[str]:
    """zoneinfo sampled every 12 hours over the span and bisected to the second: the reference,
    independent of any file."""
    begin = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())

    def offset(t: int) -> timedelta | None:
        return datetime.fromtimestamp(t, zone).utcoffset()

    found = []
    t, previous = begin, offset(begin)
    while t < end:
        nxt = min(t + 43_200, end)
        if offset(nxt) != previous:
            lo, hi = t, nxt
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if offset(mid) == previous:
                    lo = mid
                else:
                    hi = mid
            local = datetime.fromtimestamp(hi, zone)
            found.append(f"{hi} {previous} -> {offset(nxt)} {local.tzname()} {bool(local.dst())}")
            previous = offset(nxt)
        t = nxt
    return found


def _described(zone: ZoneInfo, first: int, last: int) -> list[str]:
    return [f"{t.at} {t.offset_from} -> {t.offset_to} {t.name} {t.dst}"
            for t in transitions(zone, first, last)]  # fmt: skip


# Zones with odd histories: Ramadan suspensions (Casablanca, Gaza), a skipped day (Apia), a
# two-hour summer time (Troll), 30-minute DST (Lord Howe), many rule changes (Moscow), negative
# DST in tzdata (Dublin), changes by decree (Santiago), DST abolished (Tehran, Sao Paulo), one-off
# offset changes (Almaty, Caracas, Pyongyang), a 45-minute offset with a DST trial (Eucla).
ODD_ZONES = ["Africa/Casablanca", "Asia/Gaza", "Pacific/Apia", "Antarctica/Troll",
             "Australia/Lord_Howe", "Europe/Moscow", "America/Sao_Paulo", "Europe/London",
             "Europe/Dublin", "America/Santiago", "Asia/Tehran", "Asia/Almaty", "America/Caracas",
             "Asia/Pyongyang", "Australia/Eucla", "America/New_York"]  # fmt: skip
#: Spans across history, today and the far future, where the file's footer rule is all there is.
SPANS = [(2005, 2030), (1900, 1925), (1960, 1985), (2010, 2012), (1990, 2015), (2035, 2045),
         (2990, 2999)]  # fmt: skip


@pytest.mark.parametrize("zone", ODD_ZONES)
def test_the_files_changes_are_the_ones_a_scan_of_zoneinfo_finds(zone: str) -> None:
    real = ZoneInfo(zone)
    for first, last in SPANS:
        assert _described(real, first, last) == _half_day_scan(real, first, last), (first, last)


def _packaged(zone: str) -> bytes:
    *package, name = zone.split("/")
    return (importlib.resources.files(".".join(["tzdata.zoneinfo", *package])) / name).read_bytes()


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Lord_Howe",
                                  "America/Santiago", "Antarctica/Troll", "Europe/Dublin"])  # fmt: skip
def test_a_slim_file_gives_the_same_changes_from_its_footer_rule(zone: str) -> None:
    """The ``tzdata`` package (zoneinfo's fallback, e.g. on Windows) ships "slim" files that stop
    at the zone's last rule change (2007 for New York) and leave every later year to the footer
    rule; the system's files list changes to 2037. Both must give zoneinfo's changes."""
    data = _packaged(zone)
    slim = ZoneInfo.from_file(io.BytesIO(data), key=zone)
    read = parse_tzif(data)
    for first, last in [(1970, 2045), (2990, 2999)]:
        got = [f"{t.at} {t.offset_from} -> {t.offset_to} {t.name} {t.dst}"
               for t in transitions_at(slim, read.instants(first, last))]  # fmt: skip
        assert got == _half_day_scan(slim, first, last), (first, last)


def test_a_zone_without_a_file_is_scanned() -> None:
    """A zone built from bytes under a name no folder holds has no file to read: the half-day
    scan of zoneinfo finds its changes instead."""
    zone = ZoneInfo.from_file(io.BytesIO(_packaged("Europe/London")), key="Test/Nowhere")
    assert _described(zone, 2026, 2028) == _half_day_scan(zone, 2026, 2028)
    assert len(_described(zone, 2026, 2028)) == 6


def test_changes_found_to_the_second() -> None:
    # London 2027: 01:00 UTC on 28 March and 01:00 UTC on 31 October.
    found = transitions(ZoneInfo("Europe/London"), 2027, 2027)
    assert [datetime.fromtimestamp(t.at, UTC).isoformat() for t in found] == [
        "2027-03-28T01:00:00+00:00",
        "2027-10-31T01:00:00+00:00",
    ]


def test_footer_rule_dates_worked_by_hand() -> None:
    # Mm.w.d: weekday d (0 = Sunday) of week w of month m, week 5 the last.
    assert _rule_date("M3.5.0", 2027) == date(2027, 3, 28)  # last Sunday of March 2027
    assert _rule_date("M10.5.0", 2027) == date(2027, 10, 31)
    assert _rule_date("M3.2.0", 2027) == date(2027, 3, 14)  # second Sunday (New York)
    assert _rule_date("M11.1.0", 2027) == date(2027, 11, 7)
    assert _rule_date("M9.1.6", 2027) == date(2027, 9, 4)  # first Saturday (Santiago)
    # Jn never counts 29 February: J60 is 1 March in every year; n (from 0) counts it.
    assert _rule_date("J60", 2028) == date(2028, 3, 1)
    assert _rule_date("59", 2028) == date(2028, 2, 29)
    assert _rule_date("59", 2027) == date(2027, 3, 1)


def test_footer_rules_worked_by_hand() -> None:
    # Santiago: summer time from 24:00 on the first Saturday of September (-04) to 24:00 on
    # the first Saturday of April (-03). 2027: 5 Sep 04:00 UTC and 4 Apr 03:00 UTC.
    santiago = _Rule.parse("<-04>4<-03>,M9.1.6/24,M4.1.6/24")
    assert santiago is not None
    start, end = santiago.instants(2027)
    assert datetime.fromtimestamp(start, UTC) == datetime(2027, 9, 5, 4, 0, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2027, 4, 4, 3, 0, tzinfo=UTC)
    # Nuuk: from -01:00 local (-02) on the last Sunday of March: 27 Mar 2027 23:00 local is
    # 28 Mar 01:00 UTC; back at 00:00 local (-01) on 31 Oct = 01:00 UTC.
    nuuk = _Rule.parse("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")
    assert nuuk is not None
    start, end = nuuk.instants(2027)
    assert datetime.fromtimestamp(start, UTC) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert datetime.fromtimestamp(end, UTC) == datetime(2027, 10, 31, 1, 0, tzinfo=UTC)
    # No summer time: no rule.
    assert _Rule.parse("<+05>-5") is None
    assert _Rule.parse("IST-5:30") is None


def test_not_a_tzif_file_is_refused() -> None:
    with pytest.raises(ValueError, match="not a TZif file"):
        parse_tzif(b"BEGIN:VCALENDAR")
