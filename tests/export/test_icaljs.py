"""Mozilla's ical.js (Thunderbird's calendar engine) reads our files: every event at the same
instant and the same local clock time as the JSON view, across daylight-saving changes.

ical.js takes time zones only from the file's VTIMEZONEs, so this proves those are right in a
reader that is known to misread icalendar's own RDATE-style VTIMEZONEs."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.export.ics import to_ics
from scheduler.export.json import to_records
from scheduler.plan.events import Event
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body
from scheduler.regimen.model import EventKind
from tests.helpers import plan

STAMP = datetime(2026, 11, 22, tzinfo=UTC)
BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(175))


def _read_with_icaljs(script: Path, events: tuple[Event, ...], zone: str, tmp: Path) -> dict:
    path = tmp / "plan.ics"
    path.write_bytes(to_ics(events, name="Test plan", stamp=STAMP, zone=ZoneInfo(zone)))
    done = subprocess.run(
        ["node", str(script), str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _assert_same(seen: dict, events: tuple[Event, ...], zone: str) -> None:
    assert seen["method"] == "PUBLISH"
    assert seen["zones"] == ([zone] if any(not e.all_day for e in events) else [])
    records = to_records(events)
    assert len(seen["events"]) == len(records)
    for record, read in zip(records, seen["events"], strict=True):
        assert read["uid"] == record["uid"]
        assert read["summary"] == record["title"]
        assert read["description"] == record["description"]
        assert read["categories"] == record["category"]
        assert read["all_day"] is record["all_day"]
        if record["all_day"]:
            assert read["start_local"] == record["start"]
            assert read["end_local"] == record["end"]
        else:
            start = datetime.fromisoformat(record["start"])
            assert read["tzid"] == zone
            assert read["start_local"] == start.strftime("%Y-%m-%dT%H:%M:%S")
            assert read["start_utc"] == int(start.timestamp())
            assert read["end_utc"] == int(datetime.fromisoformat(record["end"]).timestamp())


@pytest.mark.external
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_a_year_of_the_seed_plan_reads_the_same_in_icaljs(
    node_ical: Path, tmp_path: Path, zone: str
) -> None:
    events = plan(cycles=11, zone=zone)  # 4 Jan 2027 to Jan 2028: both clock changes
    assert len(events) == 11 * 22 + 3  # 2 precautions and the day to ask how long
    _assert_same(_read_with_icaljs(node_ical, events, zone, tmp_path), events, zone)


@pytest.mark.external
@pytest.mark.parametrize("regimen", bundled_ids())
def test_every_bundled_regimen_reads_the_same_in_icaljs(
    node_ical: Path, tmp_path: Path, regimen: str
) -> None:
    # Plans that cross London's spring change (28 March 2027), with calculated amounts.
    events = plan(regimen, start=date(2027, 3, 1), until=date(2027, 9, 30), body=BODY)
    assert events
    _assert_same(
        _read_with_icaljs(node_ical, events, "Europe/London", tmp_path), events, "Europe/London"
    )


@pytest.mark.external
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York"])
def test_every_day_of_two_years_at_morning_and_evening(
    node_ical: Path, tmp_path: Path, zone: str
) -> None:
    # The measured ical.js failures with RDATE VTIMEZONEs were 09:00 on the first summer-time
    # days in London and 20:00 in New York summers: check both times on every day of 2027-2028.
    tz = ZoneInfo(zone)
    events = []
    day = date(2027, 1, 1)
    while day <= date(2028, 12, 31):
        for clock in (time(9, 0), time(20, 0)):
            start = datetime.combine(day, clock, tzinfo=tz)
            events.append(
                Event(
                    uid=f"{day}-{clock.hour}@test",
                    kind=EventKind.DOSE,
                    title="Dose",
                    start=start,
                    end=start + timedelta(minutes=15),
                    all_day=False,
                    description="",
                    slot="dose:x",
                    timezone=zone,
                )
            )
        day += timedelta(days=1)
    seen = _read_with_icaljs(node_ical, tuple(events), zone, tmp_path)
    wrong = [
        (read["start_local"], read["start_utc"], int(event.start.timestamp()))
        for event, read in zip(events, seen["events"], strict=True)
        if read["start_utc"] != int(event.start.timestamp())
        or read["start_local"] != event.start.strftime("%Y-%m-%dT%H:%M:%S")
    ]
    assert len(seen["events"]) == 2 * 731
    assert wrong == []
