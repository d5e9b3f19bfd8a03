"""Checks any .ics file the way the calendar apps will read it, and says what is wrong in words.

Three independent parsers (allenporter's strict ``ical``, Radicale's ``vobject`` with
validation, and ``icalendar``), then the interoperability rules that no parser enforces but
that apps trip over (shared/reference/ics-interop.md): a TZID without a VTIMEZONE, VTIMEZONEs
written as RDATE lists (Outlook ignores RDATE), floating times for doses, DTEND not after
DTSTART, lines over 75 octets or without CRLF, more than one alarm (Outlook keeps one), long
EXDATE lists (Google refuses them), files over Google's 1 MB subscription limit, dates Outlook
treats as invalid. Given the regimen, it also finds doses of a drug closer together than the
regimen allows, and weekly drugs on consecutive days (plan/spacing.py).

Bounded: only regular files of at most :data:`MAX_CALENDAR_BYTES` are read, and a file with a
line longer than :data:`MAX_LINE_BYTES` is refused before any parser sees it (the parsers need
tens of times a file's size in memory for one long line).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .arguments import need
from .export.ics import GOOGLE_FEED_LIMIT
from .files import MAX_CALENDAR_BYTES, read_bytes
from .regimen.model import Regimen
from .words import plural

__all__ = ["MAX_CALENDAR_BYTES", "Problem", "check_bytes", "check_file"]

MANY_EXDATES = 100
#: Calendar apps refuse far smaller files (Google reads about 1 MB of a subscription).
#: Lines are folded at 75 octets; an unfolded description of a few kilobytes is plausible.
MAX_LINE_BYTES = 100_000
#: Occurrences of repeating events checked against a regimen's spacing, at most.
MAX_OCCURRENCES = 100_000


@dataclass(frozen=True, slots=True)
class Problem:
    severity: str
    """``error`` (a reader rejects or misreads it) or ``warning`` (some app may)."""
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


def check_file(path: str | Path, regimen: Regimen | None = None) -> list[Problem]:
    """Problems found in the .ics file at ``path`` (empty: every check passed).

    A file that cannot be read at all (missing, a folder, a FIFO, too large) raises FileError.
    """
    need(regimen, Regimen, "regimen", "a Regimen", optional=True)
    data = read_bytes(path, limit=MAX_CALENDAR_BYTES, what="calendar file (.ics)")
    return check_bytes(data, regimen)


def check_bytes(data: bytes, regimen: Regimen | None = None) -> list[Problem]:
    """Problems found in the bytes of an .ics file (empty: every check passed); with
    ``regimen``, also the regimen's spacing. ArgumentError if ``data`` is not bytes or
    ``regimen`` not a Regimen."""
    need(data, (bytes, bytearray), "data", "the bytes of an .ics file (text: encode it as UTF-8)")
    need(regimen, Regimen, "regimen", "a Regimen", optional=True)
    data = bytes(data)
    problems: list[Problem] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [Problem("error", f"not UTF-8 text (byte {err.start}); iCalendar files are UTF-8")]
    longest = max((len(line) for line in data.splitlines()), default=0)
    if longest > MAX_LINE_BYTES:
        return [Problem("error", f"a line is {longest:,} bytes long (lines are folded at 75 octets; "
                        f"over {MAX_LINE_BYTES:,} is not a calendar): not read further")]  # fmt: skip
    problems += _lines(data)
    problems += _strict_ical(text)
    problems += _vobject(text)
    problems += _icalendar(data, size=len(data))
    if regimen is not None:
        problems += _spacing(text, regimen)
    return problems


def _spacing(text: str, regimen: Regimen) -> list[Problem]:
    """Doses of the regimen's drugs closer than it allows, found by drug name in SUMMARY."""
    from ical.calendar_stream import IcsCalendarStream

    from .plan.engine import trial
    from .plan.spacing import crowding, over_cap, spacing_of
    from .regimen.notation import format_date, format_duration

    try:
        calendar = IcsCalendarStream.calendar_from_ics(text)
    except Exception:  # the strict parser's own finding is reported above
        return []
    names = {d.name: d.name.casefold() for d in regimen.drugs}
    doses: list[tuple[str, datetime]] = []
    out: list[Problem] = []
    try:
        for count, event in enumerate(calendar.timeline):
            if count >= MAX_OCCURRENCES:
                out.append(Problem("warning", f"only the first {MAX_OCCURRENCES:,} events were "
                                   "checked against the regimen"))  # fmt: skip
                break
            start = event.dtstart
            status = str(event.status or "").upper()
            categories = [str(c).casefold() for c in event.categories or ()]
            if (
                not isinstance(start, datetime)
                or start.tzinfo is None
                or status.endswith("CANCELLED")
            ):
                continue
            if categories and "dose" not in categories:
                continue
            # The drug a title names first: "Dexamethasone tablets (docetaxel premedication)"
            # is a dexamethasone dose, not a docetaxel one.
            summary = (event.summary or "").casefold()
            named = [(summary.find(f), -len(f), n) for n, f in names.items() if f in summary]
            if named:
                doses.append((min(named)[2], start))
    except Exception as err:  # a third-party reader failing on expansion is a finding
        return [Problem("error", f"the strict parser (ical) cannot expand the events: {err}")]
    spacing = spacing_of(regimen, [(e.drug, e.start) for e in trial(regimen)
                                   if e.kind == "dose" and e.drug and isinstance(e.start, datetime)])  # fmt: skip
    for found in crowding(doses, spacing):
        a, b = found.first, found.second
        limit = found.limit
        if found.broken == "safety limit":
            text = f"closer than the safety limit of {limit.shown}"
        elif found.broken == "spacing":
            text = (
                f"closer than {format_duration(limit.minimum)}, the closest {regimen.id} gives them"
            )
        else:
            text = f"consecutive days, but {regimen.id} gives {found.drug} at most weekly"
        out.append(Problem("error", f"{found.drug} doses on {format_date(a.date())} {a:%H:%M} and "
                           f"{format_date(b.date())} {b:%H:%M}: {text}"))  # fmt: skip
    capped = over_cap(doses, regimen)
    if capped is not None:
        drug, first, last, cap = capped
        out.append(Problem("error", f"{cap.doses + 1} {drug} doses from {format_date(first.date())} "
                           f"{first:%H:%M} to {format_date(last.date())} {last:%H:%M}: more than "
                           f"the safety limit of {cap}"))  # fmt: skip
    return out


def _lines(data: bytes) -> list[Problem]:
    out = []
    physical = data.split(b"\r\n")
    bare = sum(line.count(b"\n") for line in physical)
    if bare:
        out.append(
            Problem("warning", f"{plural(bare, 'line')} ending in LF alone; RFC 5545 requires CRLF")
        )
    long = [i + 1 for i, line in enumerate(physical) if len(line) > 75]
    if long:
        out.append(
            Problem(
                "warning",
                f"{plural(len(long), 'line')} longer than 75 octets (first: line {long[0]}); "
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
        try:
            out += _event(event, zones, missing)
        except Exception as err:  # a broken property icalendar cannot give a value for
            summary = str(event.get("SUMMARY", event.get("UID", "?")))
            out.append(Problem("error", f"event {summary!r} cannot be read: {err}"))
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


def _event(event: Any, zones: dict[str, Any], missing: set[str]) -> list[Problem]:
    out: list[Problem] = []
    summary = str(event.get("SUMMARY", event.get("UID", "?")))
    start = event.get("DTSTART")
    if start is None:
        out.append(Problem("error", f"event {summary!r} has no DTSTART"))
        return out
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
    return out


def _comparable(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return (a.tzinfo is None) == (b.tzinfo is None)
    return type(a) is type(b)
