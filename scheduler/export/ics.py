"""iCalendar (RFC 5545) export: one VCALENDAR with a VTIMEZONE and a VEVENT per event.

Byte-for-byte reproducible: UIDs come from the events, DTSTAMP from the injected ``stamp``.
Timed events carry ``TZID=<IANA zone>`` with a VTIMEZONE of yearly rules (see vtimezone.py);
all-day events are ``VALUE=DATE`` with an exclusive DTEND; UTC appears only in DTSTAMP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from ..events import Event
from ..model import EventKind
from .contentline import escape_text, line
from .vtimezone import vtimezone_lines

__all__ = ["DEFAULT_PRODID", "to_ics"]

DEFAULT_PRODID = "-//treatment-scheduler//treatment-scheduler 0.1//EN"
# Precautions span weeks or months: show them without blocking the patient's time.
_TRANSPARENT = {EventKind.PRECAUTION}


def to_ics(
    events: Sequence[Event],
    *,
    name: str,
    stamp: datetime,
    zone: ZoneInfo,
    prodid: str = DEFAULT_PRODID,
) -> bytes:
    """Serialise ``events`` (all in ``zone``) to the bytes of an .ics file.

    ``stamp`` is the DTSTAMP of every event (inject a fixed one for reproducible output);
    ``name`` is the calendar's display name.
    """
    stamp_text = stamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        line("PRODID", escape_text(prodid)),
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        line("NAME", escape_text(name)),
        line("X-WR-CALNAME", escape_text(name)),
        line("X-WR-TIMEZONE", zone.key),
    ]
    if any(not e.all_day for e in events):
        starts = [_day(e.start) for e in events]
        ends = [_day(e.end) for e in events]
        lines += vtimezone_lines(zone, min(starts), max(ends))
    tzid = f";TZID={zone.key}"
    for event in events:
        lines.append("BEGIN:VEVENT")
        lines.append(line("UID", escape_text(event.uid)))
        lines.append(f"DTSTAMP:{stamp_text}")
        if event.all_day:
            lines.append(f"DTSTART;VALUE=DATE:{_date(event.start)}")
            lines.append(f"DTEND;VALUE=DATE:{_date(event.end)}")
        else:
            lines.append(f"DTSTART{tzid}:{_local(event.start)}")
            lines.append(f"DTEND{tzid}:{_local(event.end)}")
        lines.append(line("SUMMARY", escape_text(event.title)))
        lines.append(line("DESCRIPTION", escape_text(event.description)))
        lines.append(line("CATEGORIES", escape_text(event.kind.label)))
        lines.append("STATUS:CONFIRMED")
        lines.append("TRANSP:" + ("TRANSPARENT" if event.kind in _TRANSPARENT else "OPAQUE"))
        lines.append("SEQUENCE:0")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _date(value: date | datetime) -> str:
    day = _day(value)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _local(value: date | datetime) -> str:
    # f-strings rather than strftime: this runs twice per event and strftime is 3x slower.
    assert isinstance(value, datetime)
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )
