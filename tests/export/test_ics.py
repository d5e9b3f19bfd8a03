"""The .ics writer, read back with icalendar 7 (a parser we did not write) and compared."""

from __future__ import annotations

import os
import tracemalloc
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scheduler.errors import ArgumentError
from scheduler.export.contentline import escape_text, fold
from scheduler.export.ics import to_ics, write_ics
from scheduler.plan.events import Event
from scheduler.regimen.model import EventKind
from tests.helpers import TESTDATA, Recorder, plan

STAMP = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
GOLDEN = TESTDATA / "golden" / "aldesleukin-sc-2027-01-04-2-cycles-london.ics"


def _ics(events: tuple[Event, ...], zone: ZoneInfo = LONDON) -> bytes:
    return to_ics(events, name="Aldesleukin (aldesleukin-sc)", stamp=STAMP, zone=zone)


def test_golden_file_for_two_cycles_in_london() -> None:
    produced = _ics(plan(cycles=2))
    if os.environ.get("UPDATE_GOLDEN"):
        # Regenerating is a deliberate act: this run writes the file and fails, so a golden
        # test can never pass by rewriting its own expectation. Review the diff, then rerun.
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_bytes(produced)
        pytest.fail(
            f"rewrote {GOLDEN.name}: review `git diff`, then run the tests without UPDATE_GOLDEN"
        )
    assert produced == GOLDEN.read_bytes()


def test_the_golden_file_says_the_published_schedule() -> None:
    """The golden file itself, checked against dates written by hand, so a regenerated golden
    with wrong dates fails too. Aldesleukin SC from Monday 4 January 2027: 5 days on, 2 off for
    4 weeks, a week off; cycle 2 from Monday 8 February. Injections at 09:00 London time; blood
    tests the day before each cycle (Sun 3 Jan, Sun 7 Feb) and on day 15 (Mon 18 Jan, 22 Feb)."""
    text = GOLDEN.read_bytes().decode()
    doses = [line.split(":", 1)[1] for line in text.split("\r\n")
             if line.startswith("DTSTART;TZID=Europe/London:")]  # fmt: skip
    days = ["0104", "0105", "0106", "0107", "0108", "0111", "0112", "0113", "0114", "0115",
            "0118", "0119", "0120", "0121", "0122", "0125", "0126", "0127", "0128", "0129",
            "0208", "0209", "0210", "0211", "0212", "0215", "0216", "0217", "0218", "0219",
            "0222", "0223", "0224", "0225", "0226", "0301", "0302", "0303", "0304", "0305"]  # fmt: skip
    assert doses == [f"2027{d}T090000" for d in days]
    blocks = text.split("BEGIN:VEVENT")[1:]
    labs = [line.split(":", 1)[1] for block in blocks if "SUMMARY:Blood test" in block
            for line in block.split("\r\n") if line.startswith("DTSTART;VALUE=DATE:")]  # fmt: skip
    assert sorted(labs) == ["20270103", "20270118", "20270207", "20270222"]
    # Contraception goes on "for a few months afterwards" (no figure): the day after the last
    # dose (Fri 5 Mar) says to ask the team how long, rather than the calendar ending it.
    asks = [line.split(":", 1)[1] for block in blocks if "ask your team how long" in block
            for line in block.split("\r\n") if line.startswith("DTSTART;VALUE=DATE:")]  # fmt: skip
    assert asks == ["20270306"]


def test_same_plan_same_bytes() -> None:
    assert _ics(plan(cycles=3)) == _ics(plan(cycles=3))


def test_calendar_properties() -> None:
    calendar = icalendar.Calendar.from_ical(_ics(plan(cycles=1)))
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["NAME"] == "Aldesleukin (aldesleukin-sc)"
    assert calendar["X-WR-CALNAME"] == "Aldesleukin (aldesleukin-sc)"
    assert str(calendar["PRODID"]).startswith("-//treatment-scheduler//")
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


@pytest.mark.parametrize(
    "method", ["PUBLISH\r\nBEGIN:VEVENT", "PUBLISH\n", "", "PUB LISH", "X" * 65, "PUBLISH;X=1"]
)
def test_a_method_that_is_not_a_method_name_is_refused_and_nothing_written(method: str) -> None:
    from io import BytesIO

    written = BytesIO()
    with pytest.raises(ArgumentError, match="method must be an iCalendar method name") as caught:
        write_ics(plan(cycles=1), written, name="x", stamp=STAMP, zone=LONDON, method=method)
    assert caught.value.field == "method"
    assert written.getvalue() == b""


def test_other_method_names_and_none_are_written_as_given() -> None:
    events = plan(cycles=1)
    assert b"\r\nMETHOD:REQUEST\r\n" in to_ics(events, name="x", stamp=STAMP, zone=LONDON,
                                               method="REQUEST")  # fmt: skip
    assert b"METHOD" not in to_ics(events, name="x", stamp=STAMP, zone=LONDON, method=None)


def test_read_back_matches_the_events() -> None:
    events = plan(cycles=3)
    calendar = icalendar.Calendar.from_ical(_ics(events))
    vevents = calendar.walk("VEVENT")
    assert len(vevents) == len(events) == 3 * 22 + 3  # 2 precautions and the day to ask
    for event, vevent in zip(events, vevents, strict=True):
        assert vevent.errors == []
        assert vevent["UID"] == event.uid
        assert vevent["SUMMARY"] == event.title
        assert vevent["DESCRIPTION"] == event.description
        assert vevent.categories == [event.kind.label]
        assert vevent["DTSTAMP"].dt == STAMP
        assert vevent.start == event.start
        assert vevent.end == event.end
        if event.all_day:
            assert vevent["DTSTART"].params.get("VALUE") == "DATE"
        else:
            assert vevent["DTSTART"].params["TZID"] == "Europe/London"
            assert vevent["DTEND"].params["TZID"] == "Europe/London"


def test_spring_dose_reads_back_at_nine_local() -> None:
    calendar = icalendar.Calendar.from_ical(_ics(plan(cycles=3)))
    starts = {v.start.date(): v.start for v in calendar.walk("VEVENT") if "Dose" in v.categories}
    assert starts[date(2027, 3, 26)].isoformat() == "2027-03-26T09:00:00+00:00"
    assert starts[date(2027, 3, 29)].isoformat() == "2027-03-29T09:00:00+01:00"


def test_text_lines_end_in_crlf_and_fit_75_octets() -> None:
    data = _ics(plan(cycles=2))
    assert data.endswith(b"END:VCALENDAR\r\n")
    physical = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and len(line) <= 75 for line in physical)
    # No floating and no UTC times for events: UTC only in DTSTAMP (and VTIMEZONE's UNTIL).
    times = [line for line in physical if line.startswith((b"DTSTART", b"DTEND"))]
    assert times and not any(line.endswith(b"Z") for line in times)


def test_categories_in_words() -> None:
    calendar = icalendar.Calendar.from_ical(_ics(plan(cycles=1)))
    kinds = {tuple(v.categories) for v in calendar.walk("VEVENT")}
    assert kinds == {("Dose",), ("Blood test",), ("Precaution",)}


def _event(title: str, description: str) -> Event:
    return Event(
        uid="u1@test",
        kind=EventKind.VISIT,
        title=title,
        start=datetime(2027, 1, 4, 9, 0, tzinfo=LONDON),
        end=datetime(2027, 1, 4, 9, 30, tzinfo=LONDON),
        all_day=False,
        description=description,
        slot="visit:x",
        timezone="Europe/London",
    )


def test_hostile_text_cannot_inject_properties() -> None:
    title = "Dr. O'Brien; room 3, level 2 \\ east\r\nATTENDEE:mailto:evil@example.com\x00\x07"
    description = "Line one\nLine two\rDTSTART:19700101T000000Z\n" + "é" * 60 + "\\," * 40
    data = to_ics((_event(title, description),), name="Test", stamp=STAMP, zone=LONDON)
    (vevent,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert vevent.errors == []
    assert "ATTENDEE" not in vevent
    assert (
        vevent["SUMMARY"]
        == "Dr. O'Brien; room 3, level 2 \\ east\nATTENDEE:mailto:evil@example.com"
    )
    assert vevent["DESCRIPTION"] == description.replace("\r", "\n")
    assert vevent.start.isoformat() == "2027-01-04T09:00:00+00:00"


@given(st.text(alphabet=st.sampled_from(list("ab ,;\\\né日\x07")), max_size=400))
def test_fold_by_octets_never_splits_a_character_or_an_escape(value: str) -> None:
    text = "DESCRIPTION:" + escape_text(value)
    folded = fold(text)
    assert folded.replace("\r\n ", "") == text
    for i, physical in enumerate(folded.encode("utf-8").split(b"\r\n")):
        assert len(physical) <= 75
        physical.decode("utf-8")  # raises if a multi-byte character was split
        body = physical[1:] if i else physical
        trailing = len(body) - len(body.rstrip(b"\\"))
        assert trailing % 2 == 0  # an escape's backslash never ends a physical line


def test_escape_text() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert escape_text("bell\x07tab\tok") == "belltab\tok"


@pytest.mark.parametrize("recurrence", ["expand", "rrule"])
def test_write_ics_streams_the_same_bytes_event_by_event(recurrence: str) -> None:
    """Issue 9: a large calendar can be written without holding it whole. The head (calendar
    properties and VTIMEZONE) is one write, each VEVENT one more, and the end one."""
    events = plan(cycles=2)
    stream = Recorder()
    size = write_ics(events, stream, name="Aldesleukin (aldesleukin-sc)", stamp=STAMP,
                     zone=LONDON, recurrence=recurrence)  # fmt: skip
    whole = to_ics(events, name="Aldesleukin (aldesleukin-sc)", stamp=STAMP, zone=LONDON,
                   recurrence=recurrence)  # fmt: skip
    assert b"".join(stream.writes) == whole and size == len(whole)
    assert stream.writes[0].endswith(b"END:VTIMEZONE\r\n")
    assert all(w.startswith(b"BEGIN:VEVENT\r\n") for w in stream.writes[1:-1])
    assert stream.writes[-1] == b"END:VCALENDAR\r\n"
    if recurrence == "expand":
        assert len(stream.writes) == len(events) + 2


def test_write_ics_writes_nothing_when_refused() -> None:
    stream = Recorder()
    with pytest.raises(
        ArgumentError, match="recurrence must be one of expand, rrule, not str 'weekly'"
    ):
        write_ics(plan(cycles=1), stream, name="x", stamp=STAMP, zone=LONDON, recurrence="weekly")
    assert stream.writes == []


def test_to_ics_peaks_near_the_file_size() -> None:
    """Issue 9: to_ics held every content line, their join and its encoding at once, 6.8 times
    the file at its peak; written event by event into one buffer it stays under twice."""
    events = plan(cycles=40)
    _ics(events[:5])  # imports and caches out of the measurement
    tracemalloc.start()
    try:
        data = _ics(events)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 * len(data)


def test_every_event_is_private() -> None:
    """Issue 13: a calendar shared with colleagues or family showed the drug and dose; every
    event is CLASS:PRIVATE, so others see only "busy"."""
    data = _ics(plan(cycles=1)).decode()
    assert data.count("BEGIN:VEVENT") == data.count("CLASS:PRIVATE\r\n") > 0
