"""The exporter's zone must be the events' zone: a timed event's local time is written under
the TZID of the ``zone`` given, so a different zone would silently move every dose."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import ArgumentError
from scheduler.export.ics import to_ics, write_ics
from tests.helpers import Recorder, plan

STAMP = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize("recurrence", ["expand", "rrule"])
def test_to_ics_with_another_zone_relabelled_london_times_as_new_york(recurrence: str) -> None:
    """Issue 13, item 2: events planned in Europe/London exported with
    ``zone=ZoneInfo("America/New_York")`` came out as ``DTSTART;TZID=America/New_York:20270104T090000``
    — the London 09:00 dose moved five hours later in every calendar app. Now refused, naming
    both zones."""
    events = plan(cycles=1)  # Europe/London, doses at 09:00
    with pytest.raises(ArgumentError, match="in Europe/London, not America/New_York") as caught:
        to_ics(events, name="x", stamp=STAMP, zone=NEW_YORK, recurrence=recurrence)
    assert "zone=Europe/London" in str(caught.value)


def test_write_ics_with_another_zone_writes_nothing() -> None:
    stream = Recorder()
    with pytest.raises(ArgumentError, match="America/New_York"):
        write_ics(plan(cycles=1), stream, name="x", stamp=STAMP, zone=NEW_YORK)
    assert stream.writes == []


def test_the_events_own_zone_is_accepted() -> None:
    events = plan(cycles=1, zone="America/New_York")
    data = to_ics(events, name="x", stamp=STAMP, zone=NEW_YORK)
    assert b"DTSTART;TZID=America/New_York:20270104T090000" in data


def test_all_day_events_have_no_zone_to_disagree_with() -> None:
    """All-day events (precautions, blood-test days) are dates, the same in any zone."""
    all_day = tuple(e for e in plan(cycles=1) if e.all_day)
    assert all_day
    data = to_ics(all_day, name="x", stamp=STAMP, zone=NEW_YORK)
    assert b"DTSTART;VALUE=DATE:" in data
