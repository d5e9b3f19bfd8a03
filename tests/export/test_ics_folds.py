"""Issue 19 item 8: a dose in the hour a fall-back change repeats is written so that every
reader takes the instant the plan means (RFC 5545 says the first occurrence; libical, ical.js,
KCalendarCore, khal, node-ical, icalevents and calcurse take the second)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import icalendar

from scheduler import to_ics
from tests.helpers import doses, plan

NEW_YORK = ZoneInfo("America/New_York")


def test_a_dose_in_the_repeated_hour_is_written_in_utc() -> None:
    """Imatinib at 01:30 from Sun 7 Nov 2027 in New York: clocks fall back at 02:00 EDT, so
    01:30 happens twice; the plan means the first (EDT, UTC-4) = 05:30 UTC. The next day's
    01:30 EST is unambiguous and keeps its TZID."""
    events = plan("imatinib-daily", start=date(2027, 11, 7), zone="America/New_York",
                  cycles=1, dose_time=time(1, 30))  # fmt: skip
    data = to_ics(events, name="t", stamp=datetime(2027, 1, 1, tzinfo=UTC), zone=NEW_YORK)
    text = data.decode()
    assert "DTSTART:20271107T053000Z" in text
    assert "DTSTART;TZID=America/New_York:20271108T013000" in text
    cal = icalendar.Calendar.from_ical(data)
    starts = [c.decoded("DTSTART") for c in cal.walk("VEVENT")]
    first = doses(events)[0].start
    # (PEP 495: an ambiguous time never compares equal across zones, so compare in UTC.)
    assert starts[0] == first.astimezone(UTC) == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)
