"""iCalendar (RFC 5545) export: one VCALENDAR with a VTIMEZONE and a VEVENT per event.

Byte-for-byte reproducible: UIDs come from the events, DTSTAMP from the injected ``stamp``.
Timed events carry ``TZID=<IANA zone>`` with a VTIMEZONE of yearly rules (see vtimezone.py);
all-day events are ``VALUE=DATE`` with an exclusive DTEND; UTC appears only in DTSTAMP.
With ``recurrence="rrule"`` repeating doses are written as recurring series (series.py).
Reminders are VALARMs with a relative TRIGGER; some apps drop them on import (Google), and
safety never depends on them. ``write_ics`` writes the file to a stream event by event, so a
large calendar is never held whole; ``to_ics`` is the same bytes in memory.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from typing import Protocol
from zoneinfo import ZoneInfo

from ..arguments import describe, need, need_aware, need_choice, need_duration, need_text
from ..errors import ArgumentError
from ..plan.events import Event, checked_events
from ..plan.reminders import EVENING_BEFORE, Reminders, Trigger, checked_reminders
from ..regimen.model import EventKind
from .contentline import escape_text, line
from .series import Series, group
from .vtimezone import vtimezone_lines

__all__ = [
    "DEFAULT_PRODID",
    "EVENING_BEFORE",
    "GOOGLE_FEED_LIMIT",
    "RECURRENCE_FORMS",
    "Reminders",
    "Writable",
    "to_ics",
    "write_ics",
]

DEFAULT_PRODID = "-//treatment-scheduler//treatment-scheduler 0.1//EN"
RECURRENCE_FORMS = ("expand", "rrule")
#: About what Google Calendar reads of an imported or subscribed file; ``check`` and ``plan``
#: warn past it (here, not in check.py, so that planning need not import the checker).
GOOGLE_FEED_LIMIT = 1_000_000
# Precautions span weeks or months: show them without blocking the patient's time.
_TRANSPARENT = {EventKind.PRECAUTION}
_METHOD = re.compile(r"[A-Za-z0-9-]{1,64}")
#: An IANA zone name, as TZID and X-WR-TIMEZONE write it unquoted (letters, digits, _ + - /).
_ZONE_KEY = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")
#: How often a subscribed feed may ask to be refreshed: from a minute to a year.
REFRESH_RANGE = (timedelta(minutes=1), timedelta(days=366))


class Writable(Protocol):
    """Where :func:`write_ics` writes: a binary file, ``sys.stdout.buffer``, a BytesIO..."""

    def write(self, data: bytes, /) -> object: ...


def to_ics(
    events: Sequence[Event],
    *,
    name: str,
    stamp: datetime,
    zone: ZoneInfo,
    prodid: str = DEFAULT_PRODID,
    reminders: Reminders | None = None,
    recurrence: str = "expand",
    method: str | None = "PUBLISH",
    refresh: timedelta | None = None,
) -> bytes:
    """Serialise ``events`` (all in ``zone``) to the bytes of an .ics file.

    ``stamp`` is the DTSTAMP of every event (inject a fixed one for reproducible output);
    ``name`` is the calendar's display name; ``reminders`` default to :class:`Reminders`();
    ``recurrence`` is ``expand`` (a VEVENT per event) or ``rrule`` (repeating doses as series);
    ``method`` is ``PUBLISH`` for files and feeds, ``None`` for a CalDAV resource (RFC 4791);
    ``refresh`` adds the polling hints of a subscribed feed (REFRESH-INTERVAL, RFC 7986, and
    X-PUBLISHED-TTL). Built on :func:`write_ics`, so at its peak it holds about the file once (not the file's
    lines, their join and its encoding: 6.8x the file).

    Every caller text (``name``, ``prodid``, each event's title, description and UID) is
    escaped and folded (RFC 5545 §3.3.11, §3.1): a CR, LF or other control character never
    starts a line of its own.

    Raises:
        ArgumentError: an argument of the wrong type or value, its ``field`` naming it:
            ``events`` not a list or tuple of well-formed Events (dates for all-day events,
            aware datetimes for timed ones, texts without lone surrogates); ``name`` or
            ``prodid`` not text; ``stamp`` not an aware
            datetime; ``zone`` not a ZoneInfo with an IANA name; ``reminders`` not
            :class:`Reminders`; ``recurrence`` not ``expand`` or ``rrule``; ``method`` not a
            method name (letters, digits, -: never a caller's CR/LF) or None; ``refresh`` not a
            timedelta from a minute to a year; or a timed event planned in another zone than
            ``zone`` (its local times would be written under ``zone``'s TZID and so move): the
            message names both zones.
    """
    buffer = BytesIO()
    write_ics(
        events,
        buffer,
        name=name,
        stamp=stamp,
        zone=zone,
        prodid=prodid,
        reminders=reminders,
        recurrence=recurrence,
        method=method,
        refresh=refresh,
    )
    return buffer.getvalue()


def write_ics(
    events: Sequence[Event],
    stream: Writable,
    *,
    name: str,
    stamp: datetime,
    zone: ZoneInfo,
    prodid: str = DEFAULT_PRODID,
    reminders: Reminders | None = None,
    recurrence: str = "expand",
    method: str | None = "PUBLISH",
    refresh: timedelta | None = None,
) -> int:
    """Write the .ics file of :func:`to_ics` (the same bytes, same arguments) to ``stream``,
    one event at a time, so that a large calendar is never held whole; returns its size.

    Raises:
        ArgumentError: as :func:`to_ics`, or ``stream`` without a ``write`` method; then
            nothing has been written to ``stream``.
        OSError: whatever ``stream.write`` raises (a full disk, a closed pipe).
    """
    events = checked_events(events)
    if not callable(getattr(stream, "write", None)):
        raise ArgumentError(
            f"stream must have a write(bytes) method (a binary file, sys.stdout.buffer, a "
            f"BytesIO), not {describe(stream)}",
            field="stream",
        )
    need_text(name, "name")
    need_text(prodid, "prodid")
    need_aware(stamp, "stamp")
    _checked_zone(zone)
    reminders = checked_reminders(reminders)
    need_choice(recurrence, "recurrence", RECURRENCE_FORMS)
    if method is not None and (not isinstance(method, str) or not _METHOD.fullmatch(method)):
        # METHOD is an iana-token (RFC 5545 §3.7.2): a caller's CR/LF must never start a line.
        raise ArgumentError(
            f"method must be an iCalendar method name such as PUBLISH (letters, digits and -, "
            f"at most 64), or None; not {describe(method)}",
            field="method",
        )
    need_duration(refresh, "refresh", *REFRESH_RANGE, optional=True)
    _check_zone(events, zone)
    chunks = _chunks(
        events,
        name=name,
        stamp=stamp,
        zone=zone,
        prodid=prodid,
        alarms=reminders,
        recurrence=recurrence,
        method=method,
        refresh=refresh,
    )
    size = 0
    for lines in chunks:
        data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
        stream.write(data)
        size += len(data)
    return size


def _checked_zone(zone: object) -> ZoneInfo:
    """``zone`` if it is a ZoneInfo whose key is an IANA name: the key is written unquoted after
    ``TZID=`` and in X-WR-TIMEZONE, so a key of a caller's own (``ZoneInfo.from_file(f,
    key=...)``) with a quote, a colon or a line break must never reach the file. An
    ArgumentError naming ``zone`` otherwise."""
    need(zone, ZoneInfo, "zone", "a ZoneInfo such as ZoneInfo('Europe/London')")
    assert isinstance(zone, ZoneInfo)
    key = zone.key
    if not isinstance(key, str) or len(key) > 255 or not _ZONE_KEY.fullmatch(key):
        raise ArgumentError(
            f"zone must be a ZoneInfo with an IANA name such as Europe/London as its key (it is "
            f"written as the TZID), not one with key {describe(key)}",
            field="zone",
        )
    return zone


def _check_zone(events: Sequence[Event], zone: ZoneInfo) -> None:
    """Refuse timed events planned in another zone than ``zone``: their local times would be
    written under ``zone``'s TZID unchanged, so London's 09:00 would read as 09:00 New York."""
    for index, event in enumerate(events):
        if not event.all_day and event.timezone != zone.key:
            raise ArgumentError(
                f"event {event.uid[:100]!r} is in {event.timezone[:100]}, not {zone.key}: plan "
                f"it with zone {zone.key} or export it with zone={event.timezone[:100]}",
                field="zone",
            )
        for field, value in () if event.all_day else (("start", event.start), ("end", event.end)):
            assert isinstance(value, datetime)
            if value.tzinfo is not zone and value.astimezone(zone).replace(
                tzinfo=None, fold=0
            ) != value.replace(tzinfo=None, fold=0):
                raise ArgumentError(
                    f"events[{index}].{field} {value.isoformat()} is not a time on the clock of "
                    f"{zone.key}, the event's zone: give its times in {zone.key}",
                    field="events",
                )


def _chunks(
    events: Sequence[Event],
    *,
    name: str,
    stamp: datetime,
    zone: ZoneInfo,
    prodid: str,
    alarms: Reminders,
    recurrence: str,
    method: str | None,
    refresh: timedelta | None = None,
) -> Iterator[list[str]]:
    """The file's content lines: the calendar's head with its VTIMEZONE, then each VEVENT,
    then the end."""
    stamp_text = stamp.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        line("PRODID", escape_text(prodid)),
        "CALSCALE:GREGORIAN",
    ]
    if method:
        lines.append(f"METHOD:{method}")
    lines += [
        line("NAME", escape_text(name)),
        line("X-WR-CALNAME", escape_text(name)),
        line("X-WR-TIMEZONE", zone.key),
    ]
    if refresh is not None:
        hint = _iso_duration(refresh)
        lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{hint}", f"X-PUBLISHED-TTL:{hint}"]
    if any(not e.all_day for e in events):
        lines += vtimezone_lines(zone, min(_day(e.start) for e in events),
                                 max(_day(e.end) for e in events))  # fmt: skip
    yield lines
    items: Sequence[Event | Series] = group(events) if recurrence == "rrule" else events
    for item in items:
        yield _vevent(item, stamp_text, zone, alarms)
    yield ["END:VCALENDAR"]


def _vevent(item: Event | Series, stamp_text: str, zone: ZoneInfo, alarms: Reminders) -> list[str]:
    event = item.first if isinstance(item, Series) else item
    lines = ["BEGIN:VEVENT", line("UID", escape_text(item.uid)), f"DTSTAMP:{stamp_text}"]
    if event.all_day:
        lines.append(f"DTSTART;VALUE=DATE:{_date(event.start)}")
        lines.append(f"DTEND;VALUE=DATE:{_date(event.end)}")
    else:
        lines.append(_timed("DTSTART", event.start, zone, isinstance(item, Series)))
        lines.append(_timed("DTEND", event.end, zone, isinstance(item, Series)))
    if isinstance(item, Series):
        lines.append(f"RRULE:{item.rrule}")
    summary = escape_text(item.title)
    lines.append(line("SUMMARY", summary))
    if item.description:  # libical refuses an empty DESCRIPTION (and drops it)
        lines.append(line("DESCRIPTION", escape_text(item.description)))
    lines.append(line("CATEGORIES", escape_text(event.kind.label)))
    lines.append("STATUS:CANCELLED" if event.cancelled else "STATUS:CONFIRMED")
    lines.append("TRANSP:" + ("TRANSPARENT" if event.kind in _TRANSPARENT else "OPAQUE"))
    # Health information: a calendar shared with colleagues or family shows "busy", not the drug.
    lines.append("CLASS:PRIVATE")
    lines.append(f"SEQUENCE:{item.revision}")
    for trigger in () if event.cancelled else alarms.by_kind.get(event.kind, ()):
        lines += [
            "BEGIN:VALARM",
            "ACTION:DISPLAY",
            line("DESCRIPTION", summary),
            f"TRIGGER:{_trigger(trigger, event, zone)}",
            "END:VALARM",
        ]
    lines.append("END:VEVENT")
    return lines


def _trigger(trigger: Trigger, event: Event, zone: ZoneInfo) -> str:
    """A relative TRIGGER (RFC 5545 §3.8.6.3), before the start."""
    if isinstance(trigger, str):
        start = event.start
        if not isinstance(start, datetime):
            start = datetime.combine(start, time(0), tzinfo=zone)
        evening = datetime.combine(start.date() - timedelta(days=1), time(18, 0), tzinfo=zone)
        # Clock difference on purpose: "18:00 the evening before" is a wall-clock time.
        before = start.replace(tzinfo=None) - evening.replace(tzinfo=None)
    else:
        before = trigger
    return _duration(before)


def _duration(before: timedelta) -> str:
    seconds = int(before.total_seconds())
    if seconds == 0:
        return "PT0S"
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    text = "-P" + (f"{days}D" if days else "")
    if hours or minutes:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _date(value: date | datetime) -> str:
    day = _day(value)
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _timed(name: str, value: date | datetime, zone: ZoneInfo, series: bool) -> str:
    """``DTSTART;TZID=Europe/London:20270104T090000``; but a time in the hour a fall-back change
    repeats (01:30 on 7 Nov 2027 in New York) in UTC (``DTSTART:20271107T053000Z``): RFC 5545
    reads such a local time as its first occurrence, and libical, ical.js, KCalendarCore, khal
    and others take the second, an hour late. A series keeps its zone (its rule repeats on the
    local clock)."""
    assert isinstance(value, datetime)
    if not series and value.replace(fold=1 - value.fold).utcoffset() != value.utcoffset():
        return f"{name}:{_local(value.astimezone(UTC))}Z"
    return f"{name};TZID={zone.key}:{_local(value)}"


def _local(value: date | datetime) -> str:
    # f-strings rather than strftime: this runs twice per event and strftime is 3x slower.
    assert isinstance(value, datetime)
    return (
        f"{value.year:04d}{value.month:02d}{value.day:02d}"
        f"T{value.hour:02d}{value.minute:02d}{value.second:02d}"
    )


def _iso_duration(value: timedelta) -> str:
    """``PT12H``, ``P1D``, ``PT1H30M``: an RFC 5545 duration of whole minutes."""
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    text = f"P{days}D" if days else "P"
    if hours or minutes or not days:
        text += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text
