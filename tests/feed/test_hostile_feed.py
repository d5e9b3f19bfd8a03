"""The feed server against what a clinic and a hostile client do to it (the real server on
127.0.0.1): two patients on the same regimen and start, a token file copied beside another
course, revocation by an editor or cp, a regimen edited under a course, a gzip proxy's weak
ETag, paths meant to put a token or a forged line into the log, slow clients that never finish
a request, and more connections than the process has file descriptors.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027 has 35-day cycles (4 Jan, 8 Feb, 15 Mar ...),
doses on days 1-5, 8-12, 15-19 and 22-26 at 09:00 London time.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .serving import at, fetch, new_course, serving, token_of

NOW = "2027-02-01T10:00:00Z"  # window: 2 Jan to 3 Mar 2027 (30 back, 30 ahead)
UIDS = re.compile(rb"UID:([^\r]+)\r\n")


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """Two patients on the same regimen and the same start, in one folder, served."""
    folder = tmp_path / "courses"
    folder.mkdir()
    new_course(folder, "ab", "--label", "A B")
    new_course(folder, "cd", "--label", "C D")
    log = tmp_path / "serve.log"
    with serving(folder, "--days-back", "30", "--days-ahead", "30", "--header-timeout", "1",
                 now=NOW, log=log) as (base, _):  # fmt: skip
        yield base, folder, log


def url(base: str, course: Path, reader: str = "patient") -> str:
    return f"{base}/feeds/{token_of(course, reader)}.ics"


def starts(body: bytes) -> list[str]:
    return re.findall(r"DTSTART;TZID=Europe/London:(\d{8}T\d{4})", body.decode())


def test_two_patients_on_one_regimen_and_start_are_two_calendars(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, _ = clinic
    one, other = fetch(url(base, folder / "ab.toml")), fetch(url(base, folder / "cd.toml"))
    assert one[0] == other[0] == 200
    # Same dates: cycle 1 days 8-12 and 15-19 and 22-26 (11 Jan - 29 Jan), cycle 2 from 8 Feb.
    assert starts(one[2]) == starts(other[2])
    assert starts(one[2])[:2] == ["20270104T0900", "20270105T0900"]
    # ... and no event identity in common: a calendar app holding both keeps both.
    assert set(UIDS.findall(one[2])).isdisjoint(UIDS.findall(other[2]))
    # Delaying one patient's cycle 2 moves only that patient's feed.
    at(NOW, "course", "delay", str(folder / "cd.toml"), "--cycle", "2", "--days", "7")
    assert "20270208T0900" in starts(fetch(url(base, folder / "ab.toml"))[2])
    moved = starts(fetch(url(base, folder / "cd.toml"))[2])
    assert "20270208T0900" not in moved and "20270215T0900" in moved


def test_a_token_file_copied_beside_another_course_serves_neither(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, log = clinic
    first = url(base, folder / "ab.toml")
    assert fetch(first)[0] == 200
    # A nurse uses ab as a template for a third patient, token file and all.
    shutil.copy(folder / "ab.toml", folder / "ef.toml")
    shutil.copy(folder / "ab.feed.toml", folder / "ef.feed.toml")
    assert fetch(first)[:1] == (404,)
    status, _, health = fetch(base + "/health")
    assert status == 200 and b'"duplicate tokens"' in health and b'"duplicate_tokens":1' in health
    for _ in range(3):
        assert fetch(first)[0] == 404
    time.sleep(0.2)
    text = log.read_text()
    assert text.count("in more than one token file") == 1  # said once, not per request
    assert "ab.toml (patient)" in text and "ef.toml (patient)" in text
    assert token_of(folder / "ab.toml") not in text
    # Giving the copy its own token serves each patient their own calendar again.
    assert at(NOW, "course", "rotate-token", str(folder / "ef.toml")) == 0
    assert fetch(first)[0] == 200 and fetch(url(base, folder / "ef.toml"))[0] == 200
    assert fetch(base + "/health")[2] == b'{"status":"ok","courses":3}'


def test_a_copied_token_over_an_existing_token_file_in_place_serves_neither(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, _ = clinic
    theirs = url(base, folder / "ab.toml")
    assert fetch(theirs)[0] == 200
    # cp writes over the existing file in place: the folder does not change.
    stamp = (folder).stat().st_mtime_ns
    with (folder / "cd.feed.toml").open("r+b") as target:
        data = (folder / "ab.feed.toml").read_bytes()
        target.truncate(0)
        target.write(data)
    assert folder.stat().st_mtime_ns == stamp
    deadline = time.monotonic() + 15  # the index sweeps every 5 seconds for edits in place
    while fetch(theirs)[0] != 404:
        assert time.monotonic() < deadline, "the duplicated token was still served"
        time.sleep(0.5)


def test_revoked_in_place_by_an_editor_is_revoked_on_the_next_request(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, _ = clinic
    token_file = folder / "ab.feed.toml"
    link = url(base, folder / "ab.toml")
    assert fetch(link)[0] == 200
    # An editor removes the [[tokens]] entry and saves over the same file (same inode).
    inode = token_file.stat().st_ino
    with token_file.open("r+") as edited:
        edited.truncate(0)
        edited.write("# no readers\n")
    assert token_file.stat().st_ino == inode
    assert fetch(link)[0] == 404
    assert fetch(url(base, folder / "cd.toml"))[0] == 200  # the other patient unaffected


def test_an_edited_regimen_file_is_served_on_the_next_request(tmp_path: Path) -> None:
    folder = tmp_path / "courses"
    folder.mkdir()
    from scheduler.regimen.catalog import bundled_path

    regimen = folder / "il2.toml"
    regimen.write_text(bundled_path("aldesleukin-sc").read_text())
    course = folder / "js.toml"
    assert at("2027-01-02T10:00:00Z", "course", "new", str(regimen), "--start", "2027-01-04",
              "--cycles", "11", "--tz", "Europe/London", "-o", str(course)) == 0  # fmt: skip
    assert at("2027-01-02T10:00:00Z", "course", "rotate-token", str(course)) == 0
    with serving(folder, "--days-ahead", "30", now=NOW, log=tmp_path / "log") as (base, _):
        link = url(base, course)
        status, headers, before = fetch(link)
        assert status == 200 and "20270104T0900" in starts(before)
        # The pharmacist corrects the dose time to 10:00 in the regimen file itself.
        text = regimen.read_text()
        assert 'time = "09:00"' in text
        regimen.write_text(text.replace('time = "09:00"', 'time = "10:00"'))
        # Saved at 10:00 on the server's "today" (1 Feb 2027), after the window's day began.
        edited = datetime(2027, 2, 1, 10, 0, tzinfo=UTC).timestamp()
        os.utime(regimen, (edited, edited))
        status, again, after = fetch(link, **{"If-None-Match": headers["etag"]})
        assert status == 200
        assert re.findall(r"DTSTART;TZID=Europe/London:(20270104T\d{4})", after.decode()) == [
            "20270104T1000"
        ]
        assert again["etag"] != headers["etag"]
        assert headers["last-modified"] == "Mon, 01 Feb 2027 00:00:00 GMT"  # the window's day
        assert again["last-modified"] == "Mon, 01 Feb 2027 10:00:00 GMT"  # the edit
        # Revalidating with the old date now gets the new body, not a 304.
        assert fetch(link, **{"If-Modified-Since": headers["last-modified"]})[0] == 200


def test_an_edit_of_the_regimen_switched_to_is_served_on_the_next_request(tmp_path: Path) -> None:
    """The feed watches every regimen file a course follows, not only its first."""
    folder = tmp_path / "courses"
    folder.mkdir()
    from scheduler.regimen.catalog import bundled_path

    regimen = folder / "maintenance.toml"
    regimen.write_text(bundled_path("aldesleukin-sc").read_text())
    course = new_course(folder, "js")  # aldesleukin-sc from Mon 4 Jan 2027
    assert at("2027-01-02T11:00:00Z", "course", "switch", str(course), "--to", str(regimen),
              "--from", "2027-02-08", "--cycles", "1") == 0  # fmt: skip
    with serving(folder, "--days-ahead", "30", now=NOW, log=tmp_path / "log") as (base, _):
        link = url(base, course)
        status, headers, before = fetch(link)
        assert status == 200 and "20270208T0900" in starts(before)  # the switched regimen's day 1
        regimen.write_text(regimen.read_text().replace('time = "09:00"', 'time = "10:00"'))
        edited = datetime(2027, 2, 1, 10, 0, tzinfo=UTC).timestamp()
        os.utime(regimen, (edited, edited))
        status, again, after = fetch(link, **{"If-None-Match": headers["etag"]})
        assert status == 200 and again["etag"] != headers["etag"]
        assert "20270208T1000" in starts(after) and "20270208T0900" not in starts(after)
        assert "20270125T0900" in starts(after)  # the first regimen's doses keep their time
        assert again["last-modified"] == "Mon, 01 Feb 2027 10:00:00 GMT"


@pytest.mark.parametrize("form", ['W/"{}"', '"x", W/"{}"', "{}", ' W/"{}" '])
def test_a_weak_etag_from_a_gzip_proxy_revalidates(
    clinic: tuple[str, Path, Path], form: str
) -> None:
    base, folder, _ = clinic
    link = url(base, folder / "ab.toml")
    etag = fetch(link)[1]["etag"]
    assert etag.startswith('"')
    sent = form.format(etag.strip('"')) if "{}" in form and '"{}"' in form else form.format(etag)
    status, headers, body = fetch(link, **{"If-None-Match": sent})
    assert (status, body, headers["etag"]) == (304, b"", etag)


def test_another_etag_is_not_a_match(clinic: tuple[str, Path, Path]) -> None:
    base, folder, _ = clinic
    assert fetch(url(base, folder / "ab.toml"), **{"If-None-Match": 'W/"abc"'})[0] == 200


@pytest.mark.parametrize(
    "shape",
    [
        "/./feeds/{}.ics",
        "//feeds/{}.ics",
        "/Feeds/{}.ics",
        "/proxy/prefix/feeds/{}.ics",
        "/feeds/{}.ics?again={}",
        "/feeds/%7B{}%7D.ics",
        "/feeds/{}.ics%0A127.0.0.1%20%22GET%20/forged%22%20200",
        "/feeds/{}%1B[2J.ics",
        "/feeds/%41{}.ics",
    ],
)
def test_no_path_puts_a_token_or_a_forged_line_in_the_log(
    clinic: tuple[str, Path, Path], shape: str
) -> None:
    base, folder, log = clinic
    token = token_of(folder / "ab.toml")
    path = shape.replace("{}", token)
    with socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=5) as s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
    assert answer.startswith((b"HTTP/1.1 200", b"HTTP/1.1 404"))
    time.sleep(0.3)
    text = log.read_text()
    assert token not in text
    assert token[:32] not in text and token[-32:] not in text
    assert "\x1b" not in text
    assert not re.search(r'^\S+ \S+ 127\.0\.0\.1 "GET /forged', text, re.MULTILINE)
    # Every line is one request or one server message: the %0A stayed escaped.
    assert all(
        re.match(r"^(\d{4}-\d\d-\d\d [\d:,]+ |Serving )", line) for line in text.splitlines()
    )


def test_a_client_that_never_finishes_its_request_is_dropped(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, _ = clinic
    port = int(base.rsplit(":", 1)[1])
    slow = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(20)]
    for number, s in enumerate(slow):
        s.sendall(b"GET /feeds/" if number % 2 else b"")  # half a request, or nothing at all
    # Meanwhile everyone else is served.
    assert fetch(url(base, folder / "ab.toml"))[0] == 200
    assert fetch(base + "/health")[0] == 200
    started = time.monotonic()
    for s in slow:  # nothing more is ever sent
        assert s.recv(100) == b""  # closed by the server (header timeout of 1 s)
        s.close()
    assert time.monotonic() - started < 8


def test_a_trickling_client_is_dropped_however_often_it_sends(
    clinic: tuple[str, Path, Path],
) -> None:
    base, _, _ = clinic
    s = socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=10)
    started = time.monotonic()
    try:
        for char in b"GET /health HTTP/1.1\r\nX-Slow: " + b"a" * 100:
            s.sendall(bytes([char]))
            time.sleep(0.2)  # one byte every 0.2 s would take 25 s
    except OSError:
        pass  # the server closed the connection
    assert time.monotonic() - started < 6
    s.settimeout(5)
    with contextlib.suppress(ConnectionResetError):
        assert s.recv(100) == b""
    s.close()


def test_two_readers_of_one_feed_get_the_same_calendar(clinic: tuple[str, Path, Path]) -> None:
    base, folder, _ = clinic
    link = url(base, folder / "ab.toml")
    answers: list[tuple[int, str, bytes]] = []

    def read() -> None:
        status, headers, body = fetch(link)
        answers.append((status, headers["etag"], body))

    readers = [threading.Thread(target=read) for _ in range(16)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(30)
    assert len(answers) == 16 and len({a[1:] for a in answers}) == 1
    assert {a[0] for a in answers} == {200}


def test_a_broken_course_is_a_503_said_once_and_the_others_are_served(
    clinic: tuple[str, Path, Path],
) -> None:
    base, folder, log = clinic
    link = url(base, folder / "ab.toml")
    (folder / "ab.toml").write_text("this is = not [a course\n")
    for _ in range(5):
        status, headers, body = fetch(link)
        assert (status, body) == (503, b"The calendar cannot be made now.\n")
    assert headers["retry-after"] == "60"
    assert fetch(url(base, folder / "cd.toml"))[0] == 200
    time.sleep(0.2)
    errors = [line for line in log.read_text().splitlines() if "ab.toml (patient)" in line]
    assert len(errors) == 1, errors


def _limit_files() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (96, 96))


def test_more_connections_than_file_descriptors_neither_floods_the_log_nor_stays_down(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "courses"
    folder.mkdir()
    course = new_course(folder, "js")
    log = tmp_path / "serve.log"
    with serving(folder, "--header-timeout", "2", now=NOW, log=log, preexec=_limit_files) as (
        base,
        server,
    ):
        port = int(base.rsplit(":", 1)[1])
        held = []
        for _ in range(300):  # far past 96 descriptors
            try:
                held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            except OSError:
                break
        time.sleep(3)
        size = log.stat().st_size
        assert size < 20_000, log.read_text()[-2000:]
        for s in held:
            s.close()
        deadline = time.monotonic() + 15
        while True:  # /health is back within seconds once the flood stops
            try:
                if fetch(base + "/health")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.3)
        assert fetch(url(base, course))[0] == 200
        assert server.poll() is None
    assert "Traceback" not in log.read_text()


def test_serve_refuses_bad_limits(tmp_path: Path) -> None:
    for option in (["--header-timeout", "0"], ["--header-timeout", "nan"], ["--cache-mb", "0"]):
        done = subprocess.run(
            [sys.executable, "-m", "scheduler", "serve", "--courses", str(tmp_path), *option],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode != 0
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
        assert option[0] in done.stderr


def test_revalidations_stand_when_the_cache_has_dropped_the_bodies(tmp_path: Path) -> None:
    folder = tmp_path / "courses"
    folder.mkdir()
    courses = [new_course(folder, f"p{n}") for n in range(6)]
    with serving(folder, "--cache-mb", "1", now=NOW, log=tmp_path / "log") as (base, _):
        tags = {}
        for course in courses:  # 400 days of doses: about 275 KB each, 3 fit in 1 MB
            status, headers, body = fetch(url(base, course))
            assert status == 200 and len(body) > 200_000
            tags[course] = headers["etag"]
        for course in courses:
            status, headers, body = fetch(url(base, course), **{"If-None-Match": tags[course]})
            assert (status, body, headers["etag"]) == (304, b"", tags[course])
        # A change still shows, body dropped or not.
        at(NOW, "course", "delay", str(courses[0]), "--cycle", "2", "--days", "7")
        status, headers, body = fetch(url(base, courses[0]), **{"If-None-Match": tags[courses[0]]})
        assert status == 200 and headers["etag"] != tags[courses[0]]
        assert "20270208T0900" not in starts(body) and "20270215T0900" in starts(body)
