"""scheduler publish against real CalDAV servers started on 127.0.0.1 by these tests: a course
published, published again with no change, re-published after a delay and an omission, and
asked for a time range, against both Radicale and Xandikos (two independent RFC 4791 servers);
the rest (other events left alone, a refused login) against Radicale, which checks logins. Expected dates are written out by hand: aldesleukin SC
from Mon 4 Jan 2027 gives doses Mon-Fri for 4 weeks of each 5-week cycle at 09:00 London time,
with a blood test the day before each cycle and on day 15, and two precautions over the course.

Plans are kept to one or two cycles: Radicale parses every stored event of a calendar on each
request, so a long plan makes every test slow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from scheduler.cli import main
from tests.radicale_server import free_port, radicale_server
from tests.xandikos_server import xandikos_server

USER, PASSWORD = "nurse", "s3cret-for-tests"
LONDON = ZoneInfo("Europe/London")
# Course edits are checked against "today": every event of these courses is in the future.
NOW = "2026-12-01T10:00:00Z"
FOREIGN = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//someone else//EN\r\nBEGIN:VEVENT\r\n"
    "UID:dentist-2027-02-10@example.org\r\nDTSTAMP:20261120T120000Z\r\n"
    "DTSTART:20270210T140000Z\r\nDTEND:20270210T143000Z\r\nSUMMARY:Dentist\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with radicale_server(tmp_path_factory.mktemp("radicale"), {USER: PASSWORD}) as url:
        yield url


@pytest.fixture(scope="module")
def xandikos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with xandikos_server(tmp_path_factory.mktemp("xandikos")) as url:
        yield url


@pytest.fixture(params=["server", "xandikos"], ids=["radicale", "xandikos"])
def any_server(request: pytest.FixtureRequest) -> str:
    """The round trip runs against both servers: Radicale (with logins) and Xandikos (without;
    the user name and password sent are ignored)."""
    return str(request.getfixturevalue(request.param))


@pytest.fixture(autouse=True)
def _clock_and_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", NOW)
    monkeypatch.setenv("DAV_PASSWORD", PASSWORD)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def new_course(
    capsys: pytest.CaptureFixture[str], path: Path, start: str, cycles: int, *extra: str
) -> str:
    code, _, err = run(capsys, "course", "new", "aldesleukin-sc", "--start", start,
                       "--cycles", str(cycles), "--tz", "Europe/London", "-o", str(path),
                       *extra)  # fmt: skip
    assert (code, err) == (0, "")
    return str(path)


def publish(
    capsys: pytest.CaptureFixture[str], course: str, url: str, calendar: str, *extra: str
) -> str:
    """The counts line of a successful publish."""
    code, out, err = run(capsys, "publish", course, "--caldav", url, "--calendar", calendar,
                         "--user", USER, "--password-env", "DAV_PASSWORD", *extra)  # fmt: skip
    assert (code, err) == (0, ""), err
    assert out.count("\n") == 1, out
    return out.rsplit(": ", 1)[1].strip()


def calendar(url: str, name: str) -> Any:
    import caldav

    client = caldav.DAVClient(url=url, username=USER, password=PASSWORD)
    return client.principal().calendar(name=name)


def stored(url: str, name: str) -> dict[str, str]:
    """Every resource of the calendar: its URL -> its text as the server gives it back."""
    found = calendar(url, name).search(event=True)
    return {
        str(item.url): requests.get(str(item.url), auth=(USER, PASSWORD), timeout=30).text
        for item in found
    }


def dose_starts(found: list[Any]) -> list[datetime]:
    starts = [
        v["DTSTART"].dt
        for item in found
        for v in item.icalendar_instance.walk("VEVENT")
        if "Dose" in [str(c) for c in v["CATEGORIES"].cats]
    ]
    return sorted(starts)


def at_nine(*days: tuple[int, int]) -> list[datetime]:
    return [datetime(2027, month, day, 9, 0, tzinfo=LONDON) for month, day in days]


def days(month: int, first: int, last: int) -> list[tuple[int, int]]:
    return [(month, d) for d in range(first, last + 1)]


@pytest.mark.external
def test_first_publish_creates_every_event_and_a_second_changes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, any_server: str
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 2)
    # 2 cycles: 40 doses (days 1-5, 8-12, 15-19, 22-26), 4 blood tests (days -1 and 15), and
    # the 2 precautions (contraception; live vaccines) and Sat 6 Mar, the day after the last
    # dose, to ask how long contraception goes on.
    first = publish(capsys, course, any_server, "First")
    assert first == "created 47, updated 0, deleted 0, unchanged 0"
    assert (
        publish(capsys, course, any_server, "First")
        == "created 0, updated 0, deleted 0, unchanged 47"
    )
    assert len(calendar(any_server, "First").search(event=True)) == 47


@pytest.mark.external
def test_a_delay_and_an_omission_reach_the_server_and_a_time_range_query_sees_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, any_server: str
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 2)
    publish(capsys, course, any_server, "Delayed")
    window = {"start": datetime(2027, 2, 6, tzinfo=UTC), "end": datetime(2027, 3, 14, tzinfo=UTC)}
    before = dose_starts(calendar(any_server, "Delayed").search(event=True, **window))
    # Cycle 2 as planned: Mon 8 Feb 2027, doses 8-12, 15-19, 22-26 Feb and 1-5 Mar.
    assert before == at_nine(*days(2, 8, 12), *days(2, 15, 19), *days(2, 22, 26), *days(3, 1, 5))

    assert run(capsys, "course", "delay", course, "--cycle", "2", "--days", "7")[0] == 0
    assert run(capsys, "course", "omit", course, "--cycle", "1", "--day", "3")[0] == 0
    # The delay moves cycle 2's 20 doses and 2 blood tests, the end of both precautions (they
    # run from the last dose) and the day to ask (Sat 6 to Sat 13 Mar); the omission cancels Wed 6 Jan's dose. Cycle 1's other 19
    # doses and its 2 blood tests stay as they were.
    counts = publish(capsys, course, any_server, "Delayed")
    assert counts == "created 0, updated 25, deleted 1, unchanged 21"

    found = calendar(any_server, "Delayed").search(event=True, **window)
    # Cycle 2 a week later: Mon 15 Feb 2027, doses 15-19, 22-26 Feb, 1-5 and 8-12 Mar; nothing
    # left on 8-12 Feb.
    assert dose_starts(found) == at_nine(
        *days(2, 15, 19), *days(2, 22, 26), *days(3, 1, 5), *days(3, 8, 12)
    )
    january = calendar(any_server, "Delayed").search(
        event=True, start=datetime(2027, 1, 4, tzinfo=UTC), end=datetime(2027, 1, 9, tzinfo=UTC)
    )
    assert dose_starts(january) == at_nine((1, 4), (1, 5), (1, 7), (1, 8))
    assert publish(capsys, course, any_server, "Delayed") == (
        "created 0, updated 0, deleted 0, unchanged 46"
    )


@pytest.mark.external
def test_events_that_are_not_this_courses_are_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: str
) -> None:
    # One clinic calendar: two patients' courses and an event someone else put there.
    first = new_course(capsys, tmp_path / "a.toml", "2027-01-04", 1)
    second = new_course(capsys, tmp_path / "b.toml", "2027-02-01", 1)
    # 1 cycle: 20 doses, 2 blood tests, 2 precautions, the day after the last dose to ask.
    assert (
        publish(capsys, first, server, "Clinic") == "created 25, updated 0, deleted 0, unchanged 0"
    )
    assert (
        publish(capsys, second, server, "Clinic") == "created 25, updated 0, deleted 0, unchanged 0"
    )
    clinic = calendar(server, "Clinic")
    put = requests.put(str(clinic.url) + "dentist.ics", data=FOREIGN.encode(),
                       headers={"Content-Type": "text/calendar"}, auth=(USER, PASSWORD),
                       timeout=30)  # fmt: skip
    assert put.status_code == 201, put.text

    # Stopped after Tue 12 Jan 2027 (cycle 1 day 9): the doses of Wed 13 to Fri 15 Jan, 18-22
    # and 25-29 Jan (13) and the day 15 blood test (Mon 18 Jan) go; both precautions now end
    # earlier and the day to ask moves from Sat 30 to Wed 13 Jan; the day -1 test and the doses of 4-8, 11 and 12 Jan (8 events) stay.
    code, _, err = run(capsys, "course", "stop", first, "--after", "2027-01-12")
    assert (code, err) == (0, "")
    counts = publish(capsys, first, server, "Clinic")
    assert counts == "created 0, updated 3, deleted 14, unchanged 8"

    assert publish(capsys, second, server, "Clinic") == (
        "created 0, updated 0, deleted 0, unchanged 25"
    )
    stored = calendar(server, "Clinic").search(event=True)
    uids = [str(v["UID"]) for item in stored for v in item.icalendar_instance.walk("VEVENT")]
    assert "dentist-2027-02-10@example.org" in uids
    assert len(uids) == 25 + 11 + 1
    dentist = requests.get(str(clinic.url) + "dentist.ics", auth=(USER, PASSWORD), timeout=30)
    assert "SUMMARY:Dentist" in dentist.text


@pytest.mark.external
def test_two_patients_on_the_same_regimen_and_start_in_one_calendar_stay_apart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, any_server: str
) -> None:
    """Issue 18: with the course id made of the regimen and the start, two patients' courses
    shared every UID, and the second patient's stopped course deleted 22 of the first's events."""
    other = new_course(capsys, tmp_path / "cd.toml", "2027-01-04", 1, "--label", "C D")
    first = new_course(capsys, tmp_path / "ab.toml", "2027-01-04", 1, "--label", "A B")
    assert publish(capsys, other, any_server, "Ward") == (
        "created 25, updated 0, deleted 0, unchanged 0"
    )
    theirs = stored(any_server, "Ward")
    assert len(theirs) == 25
    assert publish(capsys, first, any_server, "Ward") == (
        "created 25, updated 0, deleted 0, unchanged 0"
    )

    # A B stops after Tue 12 Jan 2027; C D goes on as planned.
    code, _, err = run(capsys, "course", "stop", first, "--after", "2027-01-12")
    assert (code, err) == (0, "")
    counts = publish(capsys, first, any_server, "Ward")
    assert counts == "created 0, updated 3, deleted 14, unchanged 8"

    after = stored(any_server, "Ward")
    assert len(after) == 25 + 11
    assert {url: after.get(url) for url in theirs} == theirs  # every one of C D's, as it was
    assert publish(capsys, other, any_server, "Ward") == (
        "created 0, updated 0, deleted 0, unchanged 25"
    )


LUNCH = (
    "BEGIN:VEVENT\r\nUID:lunch-2027-01-13@example.org\r\nDTSTAMP:20261120T120000Z\r\n"
    "DTSTART:20270113T120000Z\r\nDTEND:20270113T130000Z\r\nSUMMARY:Lunch with Sam\r\n"
    "END:VEVENT\r\n"
)


@pytest.mark.external
def test_a_resource_holding_our_event_and_someone_elses_is_never_written_over_nor_deleted(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, xandikos: str
) -> None:
    """Before, publish overwrote (or deleted) any resource holding one of its UIDs, with all
    else it held. Xandikos keeps a resource with two events as given; Radicale refuses one."""
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 1)
    publish(capsys, course, xandikos, "Shared")
    ward = str(calendar(xandikos, "Shared").url)
    dentist = requests.put(ward + "dentist.ics", data=FOREIGN.encode(),
                           headers={"Content-Type": "text/calendar"}, timeout=30)  # fmt: skip
    assert dentist.status_code == 201, dentist.text
    # Someone adds their lunch to the resource of the dose of Wed 13 Jan 2027, 09:00 London.
    wednesday = next(
        item
        for item in calendar(xandikos, "Shared").search(event=True)
        for v in item.icalendar_instance.walk("VEVENT")
        if v["DTSTART"].dt == datetime(2027, 1, 13, 9, 0, tzinfo=LONDON)
        and "Dose" in [str(c) for c in v["CATEGORIES"].cats]
    )
    data = str(wednesday.data)
    end = data.rindex("END:VCALENDAR")
    mixed = requests.put(str(wednesday.url), data=(data[:end] + LUNCH + data[end:]).encode(),
                         headers={"Content-Type": "text/calendar"}, timeout=30)  # fmt: skip
    assert mixed.status_code in (201, 204), mixed.text
    before = stored(xandikos, "Shared")

    # Not written over (nor written again elsewhere: its UID is taken).
    assert publish(capsys, course, xandikos, "Shared") == (
        "created 0, updated 0, deleted 0, unchanged 24, skipped 1 (hold other events)"
    )
    # Stopped after Tue 12 Jan: the 14 events of the stop less the mixed one go, and it stays.
    code, _, err = run(capsys, "course", "stop", course, "--after", "2027-01-12")
    assert (code, err) == (0, "")
    assert publish(capsys, course, xandikos, "Shared") == (
        "created 0, updated 3, deleted 13, unchanged 8, skipped 1 (hold other events)"
    )
    after = stored(xandikos, "Shared")
    assert len(after) == 8 + 3 + 2
    assert after[str(wednesday.url)] == before[str(wednesday.url)]
    assert "SUMMARY:Lunch with Sam" in after[str(wednesday.url)]
    assert after[ward + "dentist.ics"] == before[ward + "dentist.ics"]


@pytest.mark.external
def test_a_wrong_password_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 1)
    monkeypatch.setenv("DAV_PASSWORD", "not-the-password")
    code, out, err = run(capsys, "publish", course, "--caldav", server, "--user", USER,
                         "--password-env", "DAV_PASSWORD")  # fmt: skip
    assert (code, out) == (1, "")
    assert err == (
        f"Error: --password-env: the CalDAV server at {server} refused the user name or "
        "password (401 Unauthorized)\n"
    )
    assert "not-the-password" not in err


def test_an_unreachable_server_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 1)
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    code, out, err = run(capsys, "publish", course, "--caldav", url + "/dav/")
    assert (code, out) == (1, "")
    assert err == f"Error: cannot reach the CalDAV server at {url}: connection refused\n"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("dav.example.org", "--caldav: 'dav.example.org' is not an http:// or https:// URL"),
        ("ftp://dav.example.org/", "--caldav: 'ftp://dav.example.org/' is not an http:// or"),
        ("http://[::1/", "--caldav: 'http://[::1/' is not a URL"),
        ("https://nurse:pw@dav.example.org/", "--caldav: the URL holds a password"),
    ],
)
def test_a_bad_url_is_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, url: str, message: str
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 1)
    code, out, err = run(capsys, "publish", course, "--caldav", url)
    assert (code, out) == (1, "")
    assert err.startswith(f"Error: {message}") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--user", USER, "--password-env", "NOT_SET_ANYWHERE"],
         "--password-env: the environment variable NOT_SET_ANYWHERE is not set"),
        (["--password-env", "DAV_PASSWORD"], "--password-env: give the user name with --user too"),
        (["--calendar", "  "], "--calendar: the calendar name is empty"),
    ],
)  # fmt: skip
def test_bad_options_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, options: list[str], message: str
) -> None:
    course = new_course(capsys, tmp_path / "js.toml", "2027-01-04", 1)
    code, out, err = run(capsys, "publish", course, "--caldav", "https://dav.example.org/",
                         *options)  # fmt: skip
    assert (code, out, err) == (1, "", f"Error: {message}\n")


def test_a_regimen_is_not_a_course(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    regimen = tmp_path / "r.toml"
    regimen.write_text(Path("regimens/aldesleukin-sc.toml").read_text())
    code, out, err = run(capsys, "publish", str(regimen), "--caldav", "https://dav.example.org/")
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {regimen} is not a course file: publish takes a course (make one with "
        "'scheduler course new')\n"
    )


def test_the_same_event_read_back_from_a_server_is_unchanged() -> None:
    # Servers store what they were sent re-serialised: Radicale reorders the properties and
    # refolds the lines. Only a real change (or a missing alarm) counts.
    from scheduler.publish import same_event

    ours = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@treatment-scheduler"
        "\r\nDTSTAMP:20261201T100000Z\r\nDTSTART;TZID=Europe/London:20270104T090000\r\n"
        "DTEND;TZID=Europe/London:20270104T091500\r\nSUMMARY:Aldesleukin\\, SC\r\nSEQUENCE:0\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:Aldesleukin\r\nTRIGGER:PT0S\r\n"
        "END:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    theirs = (
        "BEGIN:VCALENDAR\r\nPRODID:x\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Aldesleukin\\, "
        "S\r\n C\r\nUID:a@treatment-scheduler\r\nDTSTART;TZID=Europe/London:20270104T090000\r\n"
        "DTEND;TZID=Europe/London:20270104T091500\r\nDTSTAMP:20270101T000000Z\r\n"
        "LAST-MODIFIED:20270101T000000Z\r\nSEQUENCE:0\r\nBEGIN:VALARM\r\nTRIGGER:PT0S\r\n"
        "ACTION:DISPLAY\r\nX-WR-ALARMUID:1\r\nDESCRIPTION:Aldesleukin\r\nEND:VALARM\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert same_event(theirs, ours)
    assert not same_event(theirs.replace("20270104T09", "20270111T09"), ours)
    assert not same_event(theirs.replace("SEQUENCE:0", "SEQUENCE:1"), ours)
    without_alarm = theirs[: theirs.index("BEGIN:VALARM")] + "END:VEVENT\r\nEND:VCALENDAR\r\n"
    assert not same_event(without_alarm, ours)
    assert not same_event("not a calendar", ours)
