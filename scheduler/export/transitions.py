"""A zone's changes of UTC offset: where zoneinfo's own data says they are, checked on zoneinfo.

zoneinfo answers "what is the offset at this instant" but does not list its changes. They are
read from the zone's TZif file (RFC 8536), found where zoneinfo finds it (``zoneinfo.TZPATH``,
then the ``tzdata`` package): the file's transition times, then its footer rule (a POSIX TZ
string such as ``GMT0BST,M3.5.0/1,M10.5.0``) for the years after them. Each candidate instant
is kept only where zoneinfo's offset really changes there, so a misread file can only miss a
change, never invent one; the tests hold the result against a half-day scan of zoneinfo.

A VTIMEZONE that holds a zone's history from 1970 (issue 19) needs about 60 years of changes:
reading the file costs about a millisecond, where scanning zoneinfo every 12 hours for those
years costs about 40 ms, a sixth of a whole ``scheduler plan`` run. The scan remains for a zone
whose file cannot be found (one built with ``ZoneInfo.from_file``).
"""

from __future__ import annotations

import calendar
import importlib.resources
import re
import struct
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import groupby, repeat
from pathlib import Path
from zoneinfo import ZoneInfo

__all__ = ["Transition", "TzifData", "parse_tzif", "transitions", "transitions_at"]

_DAY = 86_400


@dataclass(frozen=True, slots=True)
class Transition:
    """One change of UTC offset."""

    at: int
    """The instant, as a POSIX timestamp."""
    offset_from: timedelta
    offset_to: timedelta
    name: str
    dst: bool

    @property
    def local_onset(self) -> datetime:
        """Wall-clock time of the change, read in the offset before it (as DTSTART is)."""
        return datetime(1970, 1, 1) + timedelta(seconds=self.at) + self.offset_from


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every offset change of ``zone`` from 1 Jan ``first_year`` to 31 Dec ``last_year`` (UTC)."""
    try:
        data = _tzif_of(zone.key) if zone.key else None
    except (OSError, ValueError, ImportError, struct.error):
        data = None  # no file where zoneinfo looks (or none readable now): not cached
    if data is None:
        out: list[Transition] = []
        for year in range(first_year, last_year + 1):
            out += _year_transitions(zone, year)
        return out
    return transitions_at(zone, data.instants(first_year, last_year))


def transitions_at(zone: ZoneInfo, instants: Iterable[int]) -> list[Transition]:
    """The ``instants`` (sorted) at which ``zone``'s offset really changes, as transitions."""
    out = []
    for at in instants:
        before, after = _offset(zone, at - 1), _offset(zone, at)
        if before != after:
            local = datetime.fromtimestamp(at, zone)
            out.append(Transition(at, before, after, local.tzname() or "", bool(local.dst())))
    return out


@dataclass(frozen=True, slots=True)
class TzifData:
    """What a TZif file says about where its zone's offset may change."""

    times: tuple[int, ...]
    """The file's transition times (64-bit data of a version 2+ file), sorted."""
    rule: _Rule | None
    """The footer's yearly rule for the instants after ``times``; None without summer time."""

    def instants(self, first_year: int, last_year: int) -> list[int]:
        """Candidate instants from 1 Jan ``first_year`` to 31 Dec ``last_year`` (UTC), sorted."""
        begin = calendar.timegm((first_year, 1, 1, 0, 0, 0))
        end = calendar.timegm((last_year + 1, 1, 1, 0, 0, 0))
        out = [t for t in self.times if begin <= t < end]
        if self.rule is not None:
            last = self.times[-1] if self.times else -(2**63)
            # A rule's dates are local: 1 Jan local may be 31 Dec UTC, so ask one year more.
            start = max(first_year, datetime.fromtimestamp(max(last, begin), UTC).year) - 1
            out += sorted(
                t
                for year in range(start, last_year + 2)
                for t in self.rule.instants(year)
                if t > last and begin <= t < end
            )
        return out


def parse_tzif(data: bytes) -> TzifData:
    """The transition times and footer rule of a TZif file (RFC 8536); ValueError if it is not
    one. Only version 2+ files carry the 64-bit times and the footer; a version 1 file (none
    has been published since 2005) is read from its 32-bit times without a rule."""
    header = struct.Struct(">4sc15x6l")
    if len(data) < header.size or data[:4] != b"TZif":
        raise ValueError("not a TZif file")
    _, version, isut, isstd, leap, count, types, chars = header.unpack_from(data)
    v1_size = count * 5 + types * 6 + chars + leap * 8 + isstd + isut
    if version == b"\x00":
        times = struct.unpack_from(f">{count}l", data, header.size)
        return TzifData(tuple(times), None)
    second = header.size + v1_size
    _, _, isut, isstd, leap, count, types, chars = header.unpack_from(data, second)
    body = second + header.size
    times = struct.unpack_from(f">{count}q", data, body)
    footer_at = body + count * 9 + types * 6 + chars + leap * 12 + isstd + isut
    footer = data[footer_at:].strip(b"\n").decode("ascii")
    return TzifData(tuple(times), _Rule.parse(footer) if footer else None)


# A POSIX TZ string (RFC 8536 section 3.3): "std offset [dst [offset] [,start[/time],end[/time]]]".
_NAME = r"(?:<[^>]*>|[A-Za-z]{3,})"
_OFFSET = r"[+-]?\d{1,3}(?::\d{1,2}){0,2}"
_DATE = r"(?:J\d{1,3}|\d{1,3}|M\d{1,2}\.\d\.\d)"
_TZ_STRING = re.compile(
    rf"{_NAME}(?P<std>{_OFFSET})(?:{_NAME}(?P<dst>{_OFFSET})?"
    rf",(?P<start>{_DATE})(?:/(?P<start_time>{_OFFSET}))?"
    rf",(?P<end>{_DATE})(?:/(?P<end_time>{_OFFSET}))?)?"
)


def _seconds(text: str | None, default: int) -> int:
    """``[+-]hh[:mm[:ss]]`` as seconds (hours may reach 167, RFC 8536)."""
    if text is None:
        return default
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


@dataclass(frozen=True, slots=True)
class _Rule:
    """A footer's summer time: when it starts and ends each year (local wall-clock dates)."""

    std: int
    """Standard offset east of UTC, in seconds (POSIX writes it west: "EST5" is -18000)."""
    dst: int
    start: str
    start_time: int
    end: str
    end_time: int

    @classmethod
    def parse(cls, text: str) -> _Rule | None:
        match = _TZ_STRING.fullmatch(text)
        if match is None:
            raise ValueError(f"unreadable TZ string {text!r}")
        if match["start"] is None:
            return None  # standard time all year: the file's last offset stays
        std = -_seconds(match["std"], 0)
        dst = -_seconds(match["dst"], -std - 3600)
        two = 2 * 3600
        return cls(std, dst, match["start"], _seconds(match["start_time"], two),
                   match["end"], _seconds(match["end_time"], two))  # fmt: skip

    def instants(self, year: int) -> tuple[int, int]:
        """This year's start of summer time (read in standard time) and its end (in summer
        time), as POSIX timestamps."""
        start = _local_seconds(_rule_date(self.start, year)) + self.start_time - self.std
        end = _local_seconds(_rule_date(self.end, year)) + self.end_time - self.dst
        return start, end


def _local_seconds(day: date) -> int:
    return (day - date(1970, 1, 1)).days * _DAY


def _rule_date(text: str, year: int) -> date:
    """A POSIX rule date: ``Jn`` (1-365, 29 February never counted), ``n`` (0-365, counted)
    or ``Mm.w.d`` (weekday d, 0 = Sunday, of week w of month m; week 5 is the last)."""
    if text.startswith("J"):
        day = int(text[1:])
        leap = calendar.isleap(year) and day >= 60
        return date(year, 1, 1) + timedelta(days=day - 1 + leap)
    if not text.startswith("M"):
        return date(year, 1, 1) + timedelta(days=int(text))
    month, week, weekday = (int(p) for p in text[1:].split("."))
    first_weekday = (date(year, month, 1).weekday() + 1) % 7  # Sunday = 0, as POSIX counts
    day = 1 + (weekday - first_weekday) % 7 + (week - 1) * 7
    while day > calendar.monthrange(year, month)[1]:
        day -= 7
    return date(year, month, day)


@lru_cache(maxsize=1024)
def _tzif_of(key: str) -> TzifData:
    """The parsed file zoneinfo reads for ``key``: the first of ``zoneinfo.TZPATH`` that has
    it, else the ``tzdata`` package (zoneinfo's own order). Raises if neither has it."""
    return parse_tzif(_tzif_bytes(key))


def _tzif_bytes(key: str) -> bytes:
    for folder in zoneinfo.TZPATH:
        path = Path(folder, key)
        if path.is_file():
            return path.read_bytes()
    *package, name = key.split("/")
    resource = importlib.resources.files(".".join(["tzdata.zoneinfo", *package])) / name
    return resource.read_bytes()


@lru_cache(maxsize=4096)
def _year_transitions(zone: ZoneInfo, year: int) -> tuple[Transition, ...]:
    """The offset changes of one UTC year, found by sampling every half day and bisecting to
    the second where two samples differ (no zone has changed offset twice within 12 hours).

    Only for zones without a file to read; cached per year like the file's changes are used.
    """
    begin = calendar.timegm((year, 1, 1, 0, 0, 0))
    end = calendar.timegm((year + 1, 1, 1, 0, 0, 0))
    step = _DAY // 2
    # map() keeps the ~730 samples in C; only the few changes reach Python code.
    samples = range(begin, end + 1, step)
    offsets = list(map(datetime.utcoffset, map(datetime.fromtimestamp, samples, repeat(zone))))
    found = []
    i = 0
    for previous, group in groupby(offsets):
        i += len(list(group))
        if i == len(offsets):
            break
        lo, hi = samples[i - 1], samples[i]  # offset(lo) == previous, offset(hi) == new
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _offset(zone, mid) == previous:
                lo = mid
            else:
                hi = mid
        found.append(hi)
    return tuple(transitions_at(zone, found))


def _offset(zone: ZoneInfo, timestamp: int) -> timedelta:
    offset = datetime.fromtimestamp(timestamp, zone).utcoffset()
    assert offset is not None
    return offset
