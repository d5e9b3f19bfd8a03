"""VTIMEZONE components that every calendar app reads: yearly RRULE observances from zoneinfo.

icalendar's generated VTIMEZONE lists each change as an RDATE; Outlook ignores RDATE and
Mozilla's ical.js misapplies it (shared/reference/ics-interop.md), so doses can show an hour
off. Here the zone's real transitions (transitions.py) are grouped into yearly rules:
``RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU`` for London's spring change. Where a zone's rule
changes, each stretch gets its own observance ending with UNTIL; a change that fits no yearly
rule is written as a one-off observance.

A definition starts on 1 January 1970 (or a year before the first event, if that is earlier)
with the offset in force then, and holds every change from there to a year after the last
event. RFC 5545 does not say what an instant before a VTIMEZONE's first onset means, and
readers differ (issue 19): libical takes the first TZOFFSETFROM, dateutil (icalendar's
``to_tz``, vobject, Radicale) the first STANDARD's TZOFFSETTO, ical.js UTC; so a zone that
changes once within the plan (Almaty on 1 March 2024) had its earlier doses read up to an hour
off. And vobject treats a zone whose definition matches UTC over 2000-2020 as UTC: London
written from 2026 only did, and its summer doses were read an hour late.

Outlook keeps only the STANDARD and the DAYLIGHT with the latest DTSTART: the rules in force
from the last change before the plan's first year therefore start observances of their own
after all history, and a zone with no summer time left writes its old summer time as STANDARD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from .contentline import escape_text, line
from .transitions import Transition, transitions

__all__ = ["HISTORY_START", "vtimezone_lines"]

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

#: The year every definition starts by: early enough that readers never fall before the first
#: onset, and that vobject sees the zone's own rules over 2000-2020 (see the module's docstring).
HISTORY_START = 1970


def vtimezone_lines(zone: ZoneInfo, first: date, last: date) -> list[str]:
    """Content lines of a VTIMEZONE for ``zone``, true to zoneinfo at every instant from
    1 January :data:`HISTORY_START` (or a year before ``first``, if earlier) to a year after
    ``last``; rules still in force then are left open-ended."""
    return list(_vtimezone(zone, min(HISTORY_START, first.year - 1), first.year, last.year + 1))


@lru_cache(maxsize=512)
def _vtimezone(zone: ZoneInfo, first_year: int, span_year: int, last_year: int) -> tuple[str, ...]:
    # The first observance holds the offset in force at midnight on 1 January of first_year,
    # so that no instant of the definition falls before an onset (see the module docstring).
    begin = datetime(first_year, 1, 1)
    start = int((begin - datetime(1970, 1, 1)).total_seconds())
    start -= int((begin.replace(tzinfo=zone).utcoffset() or timedelta(0)).total_seconds())
    moment = datetime.fromtimestamp(start, zone)
    offset = moment.utcoffset() or timedelta(0)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone.key}"]
    first_line = len(lines)
    # Asked from the year before: 1 January local can be 31 December UTC.
    changes = [c for c in transitions(zone, first_year - 1, last_year) if c.at > start]
    # Outlook keeps one STANDARD and one DAYLIGHT, those with the latest DTSTART (MS-STANOICAL
    # 2.2.47). So the rules in force from the last change before the plan's first year start
    # observances of their own, after every older one. A zone with no summer time left writes
    # its old summer time as STANDARD (the same offsets for every RFC 5545 reader), so that
    # Tehran's of 2008-2022, or São Paulo's last from November 2018, is never Outlook's rule for
    # 2027. A zone that keeps summer time keeps the labels: vobject takes a zone for UTC when
    # no DAYLIGHT falls in 2000-2020 and 1 January 2000 is at +00:00 (London).
    span = datetime(span_year, 1, 1, tzinfo=UTC).timestamp()
    t0 = max((c.at for c in changes if c.at < span), default=None)
    history = [c for c in changes if t0 is not None and c.at < t0]
    current = [c for c in changes if t0 is None or c.at >= t0]
    summer = any(c.dst for c in current)
    for runs, labelled in ((_runs(history, last_year), summer), (_runs(current, last_year), True)):
        for run in runs:
            head = run.changes[0]
            lines += _observance(
                "DAYLIGHT" if head.dst and labelled else "STANDARD",
                head.local_onset,
                head.offset_from,
                head.offset_to,
                head.name,
                run.rrule(),
            )
    lines[first_line:first_line] = _observance(
        "DAYLIGHT" if moment.dst() and summer else "STANDARD",
        begin, offset, offset, moment.tzname() or "", None,
    )  # fmt: skip
    lines.append("END:VTIMEZONE")
    return tuple(lines)


@dataclass
class _Run:
    """Consecutive yearly changes that one RRULE describes."""

    changes: list[Transition]
    bydays: set[str]
    open_ended: bool = False

    def rrule(self) -> str | None:
        if len(self.changes) == 1 and not self.open_ended:
            return None
        head = self.changes[0]
        weekday = _WEEKDAYS[head.local_onset.weekday()]
        # Prefer "last <weekday>" where it fits: it is how most zones' laws are written.
        nth = "-1" if "-1" in self.bydays else min(self.bydays, key=lambda n: abs(int(n)))
        rule = f"FREQ=YEARLY;BYMONTH={head.local_onset.month};BYDAY={nth}{weekday}"
        if not self.open_ended:
            # A day after the last change, not at it: any UNTIL before next year's onset names
            # the same onsets (RFC 5545), but dateutil (vobject, Radicale, icalendar's to_tz)
            # drops UTC's "Z" and compares UNTIL with local onset times, so an UNTIL at the
            # instant itself loses the last change wherever local time is ahead of UTC (Eucla's
            # October 2008 change, and so six months of doses an hour off).
            until = datetime.fromtimestamp(self.changes[-1].at, UTC) + timedelta(days=1)
            rule += f";UNTIL={until.strftime('%Y%m%dT%H%M%SZ')}"
        return rule


def _runs(changes: list[Transition], last_year: int) -> list[_Run]:
    runs: list[_Run] = []
    open_runs: dict[tuple[object, ...], _Run] = {}
    for change in changes:
        onset = change.local_onset
        key = (change.offset_from, change.offset_to, change.name, change.dst,
               onset.month, onset.weekday(), onset.time())  # fmt: skip
        candidates = _nth_weekday(onset.date())
        run = open_runs.get(key)
        if (
            run is not None
            and run.changes[-1].local_onset.year == onset.year - 1
            and run.bydays & candidates
        ):
            run.changes.append(change)
            run.bydays &= candidates
            continue
        run = _Run([change], candidates)
        runs.append(run)
        open_runs[key] = run
    # A rule still in force in the span's last year continues beyond it (open RRULE).
    for run in open_runs.values():
        if run.changes[-1].local_onset.year == last_year:
            run.open_ended = True
    runs.sort(key=lambda r: r.changes[0].at)
    return runs


def _nth_weekday(day: date) -> set[str]:
    """The BYDAY ordinals that name ``day`` within its month: e.g. {"4", "-1"} for 28 Mar 2027.

    Only first to fourth and last are offered: those are the ordinals Outlook's recurrence
    templates can hold (MS-OXCICAL), and every zone's law in tzdata fits them or a one-off.
    """
    out = set()
    from_start = (day.day - 1) // 7 + 1
    if from_start <= 4:
        out.add(str(from_start))
    month_end = (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if month_end.day - day.day < 7:
        out.add("-1")
    return out


def _observance(
    kind: str,
    onset: datetime,
    offset_from: timedelta,
    offset_to: timedelta,
    name: str,
    rrule: str | None,
) -> list[str]:
    lines = [
        f"BEGIN:{kind}",
        f"DTSTART:{onset.strftime('%Y%m%dT%H%M%S')}",
        f"TZOFFSETFROM:{_utc_offset(offset_from)}",
        f"TZOFFSETTO:{_utc_offset(offset_to)}",
    ]
    if rrule:
        lines.append(f"RRULE:{rrule}")
    if name:
        lines.append(line("TZNAME", escape_text(name)))  # a TZif file's own abbreviation
    lines.append(f"END:{kind}")
    return lines


def _utc_offset(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    hours, rest = divmod(abs(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours:02d}{minutes:02d}" + (f"{secs:02d}" if secs else "")
