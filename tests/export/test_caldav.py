"""A real CalDAV server (Radicale, started on 127.0.0.1 by these tests) accepts every bundled
regimen's calendar in both forms and answers a time-range query with exactly the JSON view's
doses, with recurrences expanded by the server."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.export.ics import to_ics
from scheduler.export.json import to_records
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body
from tests.helpers import plan, require
from tests.radicale_server import radicale_server
from tests.readers import own_zone

STAMP = datetime(2026, 11, 22, tzinfo=UTC)
BODY = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
ZONE = "Europe/London"
# Across the spring changes of London (28 March 2027), New York (14 March) and Sydney's autumn
# change (4 April); the query window cuts the plan short at the end. Kept to seven weeks:
# Radicale parses every stored event's VTIMEZONE with vobject (about 0.1 s an event on these
# machines), so a long expanded plan takes minutes to upload.
ZONES = ["Europe/London", "America/New_York", "Australia/Sydney"]
START, UNTIL = date(2027, 3, 8), date(2027, 4, 30)
WINDOW = (datetime(2027, 3, 7, tzinfo=UTC), datetime(2027, 4, 25, tzinfo=UTC))


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with radicale_server(tmp_path_factory.mktemp("radicale")) as url:
        yield url


@pytest.mark.external
@pytest.mark.parametrize("form", ["expand", "rrule"])
@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("regimen", bundled_ids())
def test_radicale_stores_the_calendar_and_answers_a_time_range_query(
    radicale: str, regimen: str, zone: str, form: str
) -> None:
    import caldav
    import requests

    events = plan(regimen, start=START, until=UNTIL, zone=zone, body=BODY)
    # A resource stored on a CalDAV server carries no METHOD (RFC 4791 §4.1).
    data = to_ics(events, name=regimen, stamp=STAMP, zone=ZoneInfo(zone), method=None,
                  recurrence=form)  # fmt: skip
    url = f"{radicale}/nurse/{regimen}-{zone.replace('/', '-').lower()}-{form}/"
    put = requests.put(url, data=data, headers={"Content-Type": "text/calendar"},
                       auth=("nurse", "any"), timeout=60)  # fmt: skip
    assert put.status_code in (200, 201), put.text

    client = caldav.DAVClient(url=url, username="nurse", password="any")
    found = client.calendar(url=url).search(start=WINDOW[0], end=WINDOW[1], event=True, expand=True)
    seen = Counter(
        (int(v["DTSTART"].dt.timestamp()), int(v["DTEND"].dt.timestamp()))
        for item in found
        for v in item.icalendar_instance.walk("VEVENT")
        if "Dose" in [str(c) for c in v["CATEGORIES"].cats]
    )
    expected = Counter(
        (
            int(datetime.fromisoformat(r["start"]).timestamp()),
            int(datetime.fromisoformat(r["end"]).timestamp()),
        )
        for r in to_records(events)
        if r["kind"] == "dose"
        and datetime.fromisoformat(r["end"]) > WINDOW[0]
        and datetime.fromisoformat(r["start"]) < WINDOW[1]
    )
    assert expected, "the window should hold doses"
    assert seen == expected


@pytest.mark.external
@pytest.mark.parametrize("form", ["expand", "rrule"])
def test_radicale_verifies_stored_items(tmp_path: Path, form: str) -> None:
    # `radicale --verify-item` checks one stored object (one UID): a dose, or a dose series.
    require(importlib.util.find_spec("radicale") is not None, "Radicale is not installed")
    events = tuple(e for e in plan(cycles=2) if e.kind == "dose" and e.day == 1)
    assert len(events) == 2
    data = to_ics(events if form == "rrule" else events[:1], name="x", stamp=STAMP,
                  zone=ZoneInfo(ZONE), method=None, recurrence=form)  # fmt: skip
    assert data.count(b"BEGIN:VEVENT") == 1
    path = tmp_path / "item.ics"
    path.write_bytes(data)
    done = subprocess.run(
        [sys.executable, "-m", "radicale", "--verify-item", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.external
def test_radicale_reads_a_london_series_through_the_files_own_vtimezone(radicale: str) -> None:
    """Issue 19: London's VTIMEZONE used to start in 2026, so over 2000-2020 it matched UTC and
    Radicale's vobject took it for UTC: without the zone by name (pytz), every dose of a series
    after the spring change was an hour late. Here the TZID is one no zone database holds, so
    only the file's definition can place them. Imatinib at 09:00 from Thu 25 Mar 2027: 09:00
    UTC to Sat 27 March, 08:00 UTC (09:00 BST) from Sun 28 March."""
    import caldav
    import requests

    events = plan("imatinib-daily", start=date(2027, 3, 25), until=date(2027, 3, 31),
                  zone=ZONE, dose_time=time(9, 0))  # fmt: skip
    data = own_zone(to_ics(events, name="imatinib", stamp=STAMP, zone=ZoneInfo(ZONE),
                           method=None, recurrence="rrule"))  # fmt: skip
    assert data.count(b"RRULE:FREQ=DAILY") == 1 and b"TZID:X-Own-" in data
    url = f"{radicale}/nurse/own-zone-london/"
    put = requests.put(url, data=data, headers={"Content-Type": "text/calendar"},
                       auth=("nurse", "any"), timeout=60)  # fmt: skip
    assert put.status_code in (200, 201), put.text
    client = caldav.DAVClient(url=url, username="nurse", password="any")
    found = client.calendar(url=url).search(
        start=datetime(2027, 3, 24, tzinfo=UTC), end=datetime(2027, 4, 1, tzinfo=UTC),
        event=True, expand=True,
    )  # fmt: skip
    starts = sorted(
        v["DTSTART"].dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        for item in found
        for v in item.icalendar_instance.walk("VEVENT")
        if "Dose" in [str(c) for c in v["CATEGORIES"].cats]
    )
    assert starts == [
        "2027-03-25 09:00", "2027-03-26 09:00", "2027-03-27 09:00",
        "2027-03-28 08:00", "2027-03-29 08:00", "2027-03-30 08:00", "2027-03-31 08:00",
    ]  # fmt: skip
