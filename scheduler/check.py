"""Checks any .ics file the way the calendar apps will read it, and says what is wrong in words.

Three independent parsers (allenporter's strict ``ical``, Radicale's ``vobject`` with
validation, and ``icalendar``), then the interoperability rules that no parser enforces but
that apps trip over (shared/reference/ics-interop.md): a TZID without a VTIMEZONE, VTIMEZONEs
written as RDATE lists (Outlook ignores RDATE), floating times for doses, DTEND not after
DTSTART, lines over 75 octets or without CRLF, more than one alarm (Outlook keeps one), long
EXDATE lists (Google refuses them), files over Google's 1 MB subscription limit, dates Outlook
treats as invalid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

__all__ = ["Problem", "check_bytes", "check_file"]

GOOGLE_FEED_LIMIT = 1_000_000
MANY_EXDATES = 100


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str
    """``error`` (a reader rejects or misreads it) or ``warning`` (some app may)."""
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def check_file(path: str | Path) -> list[Problem]:
    """Problems found in the .ics file at ``path`` (empty: every check passed)."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        return [Problem("error", f"cannot read the file ({err.strerror})")]
    return check_bytes(data)


def check_bytes(data: bytes) -> list[Problem]:
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [Problem("error", f"not UTF-8 text (byte {err.start}); iCalendar files are UTF-8")]
    problems += _lines(data)
    problems += _strict_ical(text)
    problems += _vobject(text)
    problems += _icalendar(data, size=len(data))
    return problems


def _lines(data: bytes) -> list[Problem]:
    out = []
    physical = data.split(b"\r\n")
    bare = sum(line.count(b"\n") for line in physical)
    if bare:
        out.append(Problem("warning", f"{bare} line(s) end in LF alone; RFC 5545 requires CRLF"))
    long = [i + 1 for i, line in enumerate(physical) if len(line) > 75]
    if long:
        out.append(
            Problem(
                "warning",
                f"{len(long)} line(s) longer than 75 octets (first: line {long[0]}); "
                "fold them (RFC 5545 §3.1)",
            )
        )
    if data and not data.endswith(b"\r\n"):
        out.append(Problem("warning", "the last line does not end in CRLF"))
    return out


def _strict_ical(text: str) -> list[Problem]:
    from ical.calendar_stream import IcsCalendarStream
    from ical.exceptions import CalendarParseError

    try:
        IcsCalendarStream.calendar_from_ics(text)
    except CalendarParseError as err:
        first = str(err).splitlines()[0]
        return [Problem("error", f"the strict parser (ical) rejects it: {first}")]
    except Exception as err:  # any failure of a third-party reader is a finding
        return [Problem("error", f"the strict parser (ical) fails: {type(err).__name__}: {err}")]
    return []


def _vobject(text: str) -> list[Problem]:
    import vobject

    try:
        component = vobject.readOne(text)
        component.validate()
    except Exception as err:  # any failure of a third-party reader is a finding
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        return [Problem("error", f"vobject (Radicale's parser) rejects it: {message}")]
    return []


def _icalendar(data: bytes, *, size: int) -> list[Problem]:
    import icalendar

    out: list[Problem] = []
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as err:  # any failure of a third-party reader is a finding
        return [Problem("error", f"icalendar cannot read it: {err}")]
    for component in calendar.walk():
        for name, detail in getattr(component, "errors", []):
            out.append(Problem("error", f"{component.name} has a broken {name}: {detail}"))
    method = calendar.get("METHOD")
    if method is not None and str(method).upper() == "REQUEST":
        out.append(
            Problem(
                "warning",
                "METHOD:REQUEST makes Outlook treat the file as one invitation; use PUBLISH",
            )
        )
    zones = {str(tz.get("TZID")): tz for tz in calendar.walk("VTIMEZONE")}
    for tzid, tz in zones.items():
        for observance in tz.subcomponents:
            if "RDATE" in observance:
                out.append(
                    Problem(
                        "warning",
                        f"VTIMEZONE {tzid} lists changes as RDATE: Outlook ignores RDATE and "
                        "ical.js misreads it, so times can show an hour off; use yearly RRULEs",
                    )
                )
                break
        for observance in tz.subcomponents:
            rule = observance.get("RRULE")
            if rule is not None and "BYDAY" not in rule:
                out.append(
                    Problem(
                        "warning",
                        f"VTIMEZONE {tzid} has an RRULE without BYDAY, which some readers reject",
                    )
                )
                break
    events = calendar.walk("VEVENT")
    missing: set[str] = set()
    for event in events:
        summary = str(event.get("SUMMARY", event.get("UID", "?")))
        start = event.get("DTSTART")
        if start is None:
            out.append(Problem("error", f"event {summary!r} has no DTSTART"))
            continue
        tzid = start.params.get("TZID")
        value: Any = start.dt
        if tzid and tzid not in zones:
            missing.add(str(tzid))
        if isinstance(value, datetime) and value.tzinfo is None:
            out.append(
                Problem(
                    "error",
                    f"event {summary!r} has a floating time (no TZID, not UTC): apps disagree on when it is",
                )
            )
        if "DTEND" in event and "DURATION" in event:
            out.append(Problem("error", f"event {summary!r} has both DTEND and DURATION"))
        end = event.get("DTEND")
        if end is not None and _comparable(end.dt, value) and end.dt <= value:
            out.append(Problem("error", f"event {summary!r} ends before or when it starts"))
        year = value.year if isinstance(value, date) else 2000
        if year < 1601 or year > 4500:
            out.append(
                Problem(
                    "warning",
                    f"event {summary!r} is in {year}: Outlook treats dates before 1601 or after 4500 as invalid",
                )
            )
        alarms = [c for c in event.subcomponents if c.name == "VALARM"]
        if any("TRIGGER" not in alarm for alarm in alarms):
            out.append(Problem("error", f"event {summary!r} has an alarm without TRIGGER"))
        if len(alarms) > 1:
            out.append(
                Problem(
                    "warning",
                    f"event {summary!r} has {len(alarms)} alarms: Outlook keeps only one on import",
                )
            )
        exdates = event.get("EXDATE")
        count = (
            sum(len(x.dts) for x in exdates)
            if isinstance(exdates, list)
            else (len(exdates.dts) if exdates else 0)
        )
        if count > MANY_EXDATES:
            out.append(
                Problem(
                    "warning",
                    f"event {summary!r} has {count} EXDATEs: Google rejects events with very many",
                )
            )
    for tzid in sorted(missing):
        out.append(
            Problem(
                "error",
                f"TZID {tzid} is used but the file has no VTIMEZONE for it (Outlook misplaces such times)",
            )
        )
    if size > GOOGLE_FEED_LIMIT:
        out.append(
            Problem(
                "warning",
                f"the file is {size:,} bytes: Google stops reading subscriptions at about 1 MB",
            )
        )
    return out


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    return type(a) is type(b)
