"""No caller text reaches an .ics line unescaped (issue 19, item 10): a calendar name, PRODID,
label, an event's title, description or UID, and every text of a regimen file, holding CR, LF,
CRLF, NUL and other control characters, Unicode line separators, an injected
``BEGIN:VEVENT``, or 10 kB, is written as escaped TEXT folded at 75 octets. Each file is read
back with icalendar and vobject: exactly the events planned, with exactly the properties the
writer writes, and the text as given (line breaks as newlines, control characters dropped).
A lone surrogate cannot be written at all and is refused before a byte is."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from scheduler import parse_regimen, to_ics, write_ics
from scheduler.errors import ArgumentError
from scheduler.plan.events import Event
from scheduler.planner import plan

STAMP = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
INJECTED = "Dose\r\nBEGIN:VEVENT\r\nUID:evil@example\r\nSUMMARY:injected\r\nEND:VEVENT"

#: Hostile texts and what a reader must read back, worked out by hand from RFC 5545 §3.3.11:
#: a line break of any kind is a newline, TAB stays, other control characters are dropped.
HOSTILE = [
    pytest.param("A\rB", "A\nB", id="CR"),
    pytest.param("A\nB", "A\nB", id="LF"),
    pytest.param("A\r\nB", "A\nB", id="CRLF"),
    pytest.param("A\x00B", "AB", id="NUL"),
    pytest.param("".join(map(chr, range(1, 32))) + "\x7f", "\t\n\n", id="C0 and DEL"),
    pytest.param(INJECTED, INJECTED.replace("\r\n", "\n"), id="injected VEVENT"),
    pytest.param(
        "x\nATTACH:http://evil.example/\nX-INJECTED:1",
        "x\nATTACH:http://evil.example/\nX-INJECTED:1",
        id="LF-only injection",
    ),
    pytest.param(
        "A\u2028BEGIN:VALARM\x85ACTION:AUDIO\u2029END:VALARM",
        "A\nBEGIN:VALARM\nACTION:AUDIO\nEND:VALARM",
        id="Unicode line separators",
    ),
    pytest.param('"Q";B,C:D\\E', '"Q";B,C:D\\E', id="TEXT specials"),
    pytest.param("\\" * 300 + ";," * 100, "\\" * 300 + ";," * 100, id="escapes across folds"),
    pytest.param(("Ünïcödé 💊 " * 1000)[:10_000], ("Ünïcödé 💊 " * 1000)[:10_000], id="10 kB"),
]

CALENDAR_PROPERTIES = {"VERSION", "PRODID", "CALSCALE", "METHOD", "NAME", "X-WR-CALNAME",
                       "X-WR-TIMEZONE"}  # fmt: skip
EVENT_PROPERTIES = {"UID", "DTSTAMP", "DTSTART", "DTEND", "RRULE", "SUMMARY", "DESCRIPTION",
                    "CATEGORIES", "STATUS", "TRANSP", "CLASS", "SEQUENCE"}  # fmt: skip
COMPONENTS = {"VCALENDAR", "VTIMEZONE", "STANDARD", "DAYLIGHT", "VEVENT", "VALARM"}


def _unescape(raw: str) -> str:
    """A TEXT value as RFC 5545 §3.3.11 reads it: ``\\n`` is a newline, ``\\;``, ``\\,`` and
    ``\\\\`` the character itself."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), raw)


def _plan() -> list[Event]:
    """Docetaxel's first cycle, its first timed event (a dose) first."""
    events = plan("docetaxel-q21d", start=date(2027, 1, 5), zone="Europe/London", cycles=1).events
    first = next(e for e in events if not e.all_day)
    return [first, *(e for e in events if e is not first)]


def _read(data: bytes, events: tuple[Event, ...] | list[Event]) -> icalendar.Calendar:
    """The file read back, after the checks every file must pass: CRLF line ends only, lines
    of at most 75 octets, no NUL, no line break a Unicode-aware reader would split on; exactly
    the planned events and the properties the writer writes; the same in vobject."""
    assert b"\x00" not in data
    assert b"\r" not in data.replace(b"\r\n", b"") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert lines[-1] == b"" and all(len(line) <= 75 for line in lines)
    text = data.decode("utf-8")
    assert text.splitlines() == text.split("\r\n")[:-1]
    calendar = icalendar.Calendar.from_ical(data)
    assert {c.name for c in calendar.walk()} <= COMPONENTS
    assert set(calendar) <= CALENDAR_PROPERTIES
    found = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in found] == [e.uid for e in events]
    for event in found:
        assert set(event) <= EVENT_PROPERTIES
        assert {c.name for c in event.subcomponents} <= {"VALARM"}
    for alarm in calendar.walk("VALARM"):
        assert set(alarm) == {"ACTION", "DESCRIPTION", "TRIGGER"}
    other = vobject.readOne(text)
    assert [str(e.uid.value) for e in other.vevent_list] == [e.uid for e in events]
    return calendar


@pytest.mark.parametrize(("hostile", "expected"), HOSTILE)
def test_calendar_name_and_prodid(hostile: str, expected: str) -> None:
    events = _plan()
    data = to_ics(events, name=hostile, prodid=hostile, stamp=STAMP, zone=LONDON)
    calendar = _read(data, events)
    # NAME (RFC 7986) and X-WR-CALNAME (TEXT by convention) are handed over by icalendar as
    # written, so they are unescaped here as TEXT, as calendar apps read them.
    assert _unescape(str(calendar["X-WR-CALNAME"])) == expected
    assert _unescape(str(calendar["NAME"])) == expected
    assert str(calendar["PRODID"]) == expected


@pytest.mark.parametrize("recurrence", ["expand", "rrule"])
@pytest.mark.parametrize(("hostile", "expected"), HOSTILE)
def test_event_title_description_and_uid(hostile: str, expected: str, recurrence: str) -> None:
    """In an event (and its reminder, which repeats the title), and in a series (rrule)."""
    first, *rest = _plan()
    uid = f"{hostile}@example"
    event = dataclasses.replace(first, title=hostile, description=hostile, uid=uid)
    events = [event, *rest]
    data = to_ics(events, name="x", stamp=STAMP, zone=LONDON, recurrence=recurrence)
    calendar = icalendar.Calendar.from_ical(data)
    read = next(e for e in calendar.walk("VEVENT") if str(e["UID"]).endswith("@example"))
    assert str(read["UID"]) == f"{expected}@example"
    assert str(read["SUMMARY"]).startswith(expected)
    assert str(read["DESCRIPTION"]).startswith(expected)
    if recurrence == "expand":
        _read(data, [dataclasses.replace(event, uid=f"{expected}@example"), *rest])
        alarms = read.walk("VALARM")
        assert [str(a["DESCRIPTION"]) for a in alarms] == [expected] * len(alarms)


@pytest.mark.parametrize(
    ("hostile", "expected"),
    [
        pytest.param(
            INJECTED,
            "Dose BEGIN:VEVENT UID:evil@example SUMMARY:injected END:VEVENT",
            id="injected VEVENT",
        ),
        pytest.param("J\x00S\x1b", "JS", id="controls"),
        pytest.param("J\u2028S", "J S", id="line separator"),
    ],
)
def test_a_label_reaches_the_calendar_name_as_one_line(hostile: str, expected: str) -> None:
    """A label (the patient's initials) is part of the calendar's name: its line breaks become
    spaces (a name is one line), its control characters are dropped."""
    planned = plan("docetaxel-q21d", start=date(2027, 1, 5), zone="Europe/London", cycles=1,
                   label=hostile)  # fmt: skip
    calendar = _read(planned.render("ics", stamp=STAMP), planned.events)
    assert str(calendar["NAME"]) == f"Docetaxel + Dexamethasone (docetaxel-q21d) — {expected}"


REGIMEN = """\
id = "hostile"
name = "{v}"
indication = "{v}"
source = "{v}"
notes = "{v}"

[drugs.tablet]
name = "{v}"
route = "oral"
title = "{v}"
notes = "{v}"

[[phases]]
cycle_days = 7
cycles = 1

[[phases.doses]]
days = "1"
time = "08:00"
duration = "5m"
instructions = "{v}"

[[phases.events]]
kind = "lab"
title = "{v}"
days = "2"
instructions = "{v}"
"""


@pytest.mark.parametrize(
    "toml_text",
    [
        pytest.param("A\\r\\nBEGIN:VEVENT\\r\\nUID:evil\\r\\nEND:VEVENT", id="CRLF"),
        pytest.param("A\\nEND:VCALENDAR\\nBEGIN:VCALENDAR", id="LF"),
        pytest.param("A\\u0000B\\u001b\\u007f", id="NUL ESC DEL"),
        pytest.param("A\\u2028BEGIN:VEVENT\\u0085UID:evil", id="line separators"),
        pytest.param("x" * 10_000, id="10 kB"),
    ],
)
def test_every_text_of_a_regimen_file(toml_text: str, tmp_path: Path) -> None:
    """Regimen name, indication, source, notes, drug name, title and notes, instructions and a
    test's title, all hostile: one dose and one blood test, read back as exactly those two."""
    regimen = parse_regimen(REGIMEN.replace("{v}", toml_text), "hostile.toml")
    planned = plan(regimen, start=date(2027, 1, 4), zone="Europe/London")
    assert len(planned.events) == 2
    for fmt in ("ics",):
        _read(planned.render(fmt, stamp=STAMP), planned.events)
    written = tmp_path / "plan.ics"
    with written.open("wb") as stream:
        write_ics(planned.events, stream, name=planned.name, stamp=STAMP, zone=planned.zone)
    _read(written.read_bytes(), planned.events)


@pytest.mark.parametrize("field", ["title", "description", "uid", "drug", "notes"])
def test_a_lone_surrogate_is_refused_before_a_byte_is_written(field: str) -> None:
    first, *rest = _plan()
    value: object = ("x\ud800",) if field == "notes" else "x\ud800"
    events = [dataclasses.replace(first, **{field: value}), *rest]
    stream = io.BytesIO()
    with pytest.raises(ArgumentError) as caught:
        write_ics(events, stream, name="x", stamp=STAMP, zone=LONDON)
    assert str(caught.value) == (
        f"events[0].{field} contains a lone surrogate \\ud800 at character 2, which is not a "
        "character (the text was cut or mis-encoded: give UTF-8 text)"
    )
    assert caught.value.field == "events"
    assert stream.getvalue() == b""
