"""The independent readers of our .ics files, each as a function from the file's bytes to the
doses it sees: a Counter of (start, end) instants in UTC epoch seconds, every occurrence of a
recurring event expanded by the reader itself.

- libical (C; Evolution's engine): tests/libical/read_ics.c, compiled by the ``libical_reader``
  fixture, which only ever uses the file's own VTIMEZONEs.
- Mozilla's ical.js (Thunderbird): tests/js/read_ics.mjs under node, the same.
- vobject (Radicale's parser; its zones are dateutil's ``tzical``).
- icalendar with recurring-ical-events (Home Assistant, many Python tools; also ``tzical``).

vobject looks a TZID it has not registered up in pytz, and icalendar in zoneinfo, by name: given
``Europe/London`` they may never read the file's definition. :func:`own_zone` renames the TZID
to one no zone database holds, so what they read is what we wrote.
"""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest
import recurring_ical_events
import vobject

Doses = Counter[tuple[int, int]]

#: The readers by name, as the ``reader`` fixture (tests/conftest.py) takes them in turn.
READERS = [
    pytest.param("libical", marks=pytest.mark.external),
    pytest.param("ical.js", marks=pytest.mark.external),
    "vobject",
    "icalendar",
]


@dataclass(frozen=True)
class Reader:
    """One reader by name, called with a file's bytes for the doses it sees."""

    name: str
    read: Callable[[bytes], Doses]

    def __call__(self, data: bytes) -> Doses:
        return self.read(data)


def own_zone(data: bytes) -> bytes:
    """``data`` with each TZID (the VTIMEZONE's and every ``;TZID=`` parameter) renamed to a
    name of its own (``X-Own-<hex>-Europe/London``), unique per call. X-WR-TIMEZONE, which
    only names the calendar's zone, is left alone."""
    prefix = f"X-Own-{uuid.uuid4().hex[:12]}-".encode()
    return re.sub(rb"(\r\nTZID:|;TZID=)", rb"\1" + prefix, data)


def libical_doses(reader: Path, data: bytes, *, tmp: Path) -> Doses:
    return _occurrences(_run([str(reader)], data, tmp))


def icaljs_doses(script: Path, data: bytes, *, tmp: Path) -> Doses:
    return _occurrences(_run(["node", str(script)], data, tmp))


def _run(command: list[str], data: bytes, tmp: Path) -> dict:  # type: ignore[type-arg]
    path = tmp / f"read-{uuid.uuid4().hex[:8]}.ics"
    path.write_bytes(data)
    done = subprocess.run(
        [*command, str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _occurrences(seen: dict) -> Doses:  # type: ignore[type-arg]
    return Counter(
        (o["start_utc"], o["end_utc"])
        for e in seen["events"]
        if e["categories"] == "Dose"
        for o in e["occurrences"]
    )


def vobject_doses(data: bytes) -> Doses:
    """vobject's own recurrence set (``getrruleset``); each occurrence lasts DTEND - DTSTART
    in elapsed time (RFC 5545 §3.8.5.3)."""
    calendar = vobject.readOne(data.decode("utf-8"))
    calendar.validate()
    out: Doses = Counter()
    for event in calendar.vevent_list:
        if event.categories.value != ["Dose"]:
            continue
        start, end = event.dtstart.value, event.dtend.value
        # A naive time would mean vobject found no VTIMEZONE and floated it: never a dose.
        assert start.tzinfo is not None and end.tzinfo is not None, event.dtstart
        length = int(end.timestamp()) - int(start.timestamp())
        starts = event.getrruleset(addRDate=True) or [start]
        for occurrence in starts:
            out[(int(occurrence.timestamp()), int(occurrence.timestamp()) + length)] += 1
    return out


def icalendar_doses(data: bytes, first: date, last: date) -> Doses:
    """recurring-ical-events over icalendar, for the occurrences from ``first`` to ``last``."""
    calendar = icalendar.Calendar.from_ical(data)
    window = recurring_ical_events.of(calendar).between(first, last)
    out: Doses = Counter()
    for event in window:
        if "Dose" not in event.categories:
            continue
        assert isinstance(event.start, datetime) and event.start.tzinfo is not None
        out[(int(event.start.timestamp()), int(event.end.timestamp()))] += 1
    return out
