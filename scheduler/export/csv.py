"""CSV export: one row per event, with fixed columns (docs/formats.md) for spreadsheets and
other importers; RFC 4180 (CRLF line ends, fields quoted where needed), UTF-8, a header row.

The columns are a published interface: a new column goes at the end, and none is renamed or
removed (tests/export/test_csv.py holds the exact header).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from ..plan.events import Event, checked_events

if TYPE_CHECKING:
    from ..course.records import Record

__all__ = ["COLUMNS", "to_csv", "to_rows"]

COLUMNS = (
    "uid",
    "kind",
    "category",
    "title",
    "start_date",
    "start_time",
    "end_date",
    "end_time",
    "all_day",
    "timezone",
    "utc_offset",
    "phase",
    "cycle",
    "day",
    "drug",
    "route",
    "amount",
    "amount_written",
    "amount_working",
    "setting",
    "status",
    "sequence",
    "flag",
    "recorded_status",
    "recorded_time",
    "recorded_amount",
    "recorded_reason",
    "recorded_note",
    "recorded_by",
    "recorded_at",
)
"""The header row, in order. The ``recorded_`` columns say what happened to the event, as a
course records it (empty for a plan that is not a course, and for events with no record)."""

#: Free-text columns a spreadsheet could take for a formula (``=``, ``+``, ``-``, ``@``).
_TEXT = ("title", "phase", "drug", "route", "amount", "amount_written", "amount_working", "flag",
         "recorded_note", "recorded_by")  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def to_rows(
    events: Sequence[Event], records: Mapping[str, Record] | None = None
) -> list[dict[str, str]]:
    """Events as rows of text keyed by :data:`COLUMNS`.

    Dates are ISO 8601 (``2027-01-04``) and times ``HH:MM`` (``HH:MM:SS`` if a second is set),
    both the wall clock in ``timezone``; ``utc_offset`` (``+01:00``) says which of a repeated
    hour a timed start is in when clocks go back. All-day events have no times, and their
    ``end_date`` is their last day (inclusive, as spreadsheets count), not iCalendar's day
    after. Empty fields are values the event does not have (no cycle for a precaution, no
    drug for a blood test). Cancelled events are included, with ``status`` ``cancelled``.
    ArgumentError (``field="events"``) if ``events`` is not a list or tuple of well-formed
    Events.
    """
    rows = []
    for e in checked_events(events):
        end = e.end if not e.all_day else _last_day(e.end)
        row = {
            "uid": e.uid,
            "kind": e.kind.value,
            "category": e.kind.label,
            "title": e.title,
            "start_date": _date(e.start),
            "start_time": "" if e.all_day else _time(e.start),
            "end_date": _date(end),
            "end_time": "" if e.all_day else _time(e.end),
            "all_day": "true" if e.all_day else "false",
            "timezone": e.timezone,
            "utc_offset": "" if e.all_day else _offset(e.start),
            "phase": e.phase or "",
            "cycle": "" if e.cycle is None else str(e.cycle),
            "day": "" if e.day is None else str(e.day),
            "drug": e.drug or "",
            "route": e.route or "",
            "amount": e.amount or "",
            "amount_written": e.amount_written or "",
            "amount_working": e.amount_working or "",
            "setting": e.setting,
            "status": "cancelled" if e.cancelled else "confirmed",
            "sequence": str(e.revision),
            "flag": e.flag,
            **_recorded((records or {}).get(e.uid), e),
        }
        for column in _TEXT:
            row[column] = _inert(row[column])
        rows.append(row)
    return rows


def to_csv(events: Sequence[Event], records: Mapping[str, Record] | None = None) -> str:
    """The events as CSV text: the header row, then :func:`to_rows` in event order; ``records``
    (by UID) fills the ``recorded_`` columns."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(to_rows(events, records))
    return out.getvalue()


def _recorded(record: Record | None, event: Event) -> dict[str, str]:
    if record is None:
        return dict.fromkeys(COLUMNS[-7:], "")
    zone = event.start.tzinfo if isinstance(event.start, datetime) else None
    given = record.time.astimezone(zone) if record.time is not None and zone else record.time
    return {
        "recorded_status": str(record.status),
        "recorded_time": given.strftime("%Y-%m-%d %H:%M") if given is not None else "",
        "recorded_amount": str(record.amount) if record.amount is not None else "",
        "recorded_reason": record.reason or "",
        "recorded_note": record.note,
        "recorded_by": record.by,
        "recorded_at": record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def _inert(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (OWASP's advice on
    CSV injection): regimen and course files are text anyone can write."""
    return "'" + text if text.startswith(_FORMULA) else text


def _last_day(end: date | datetime) -> date | datetime:
    return end - timedelta(days=1)


def _date(value: date | datetime) -> str:
    return (value.date() if isinstance(value, datetime) else value).isoformat()


def _time(value: date | datetime) -> str:
    if not isinstance(value, datetime):
        return ""
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _offset(value: date | datetime) -> str:
    offset = value.utcoffset() if isinstance(value, datetime) else None
    if offset is None:
        return ""
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"
