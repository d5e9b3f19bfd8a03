"""The live feed, served by the real server (`scheduler serve`: Starlette under uvicorn) on
127.0.0.1 and fetched over HTTP: caching (ETag/304), the rolling window, a re-plan visible on
the next fetch, tokens rotated and revoked, 404s, and an access log without tokens.

Dates are written by hand: aldesleukin-sc from Monday 4 January 2027 has 35-day cycles
starting 4 Jan, 8 Feb, 15 Mar, 19 Apr, 24 May, 28 Jun, 2 Aug ...; doses on days 1-5, 8-12,
15-19 and 22-26 of each, at 09:00 London time.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .serving import at, fetch, new_course, serving
from .serving import token_of as course_token

NOW = "2027-06-01T10:00:00Z"  # "today" for the server and the edits: window from 2 May 2027


def cli(*argv: str) -> int:
    return at(NOW, *argv)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """A courses folder with one course (11 cycles) and a patient token, served on loopback
    with a 30-day look-back and a 60-day look-ahead (to 31 July 2027)."""
    folder = tmp_path_factory.mktemp("courses")
    new_course(folder, "js", "--label", "J S")
    log = folder.parent / "serve.log"
    with serving(folder, "--days-back", "30", "--days-ahead", "60", now=NOW, log=log) as (base, _):
        yield base, folder, log


def token_of(folder: Path, reader: str = "patient") -> str:
    return course_token(folder / "js.toml", reader)


def starts(body: bytes) -> list[str]:
    return re.findall(r"DTSTART;TZID=Europe/London:(\d{8}T\d{4})", body.decode())


def test_the_feed_holds_the_window_and_revalidates(served: tuple[str, Path, Path]) -> None:
    base, folder, _ = served
    status, headers, body = fetch(f"{base}/feeds/{token_of(folder)}.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT12H\r\nX-PUBLISHED-TTL:PT12H\r\n" in body
    # Today 1 June 2027, 30 days back (2 May) to 60 days ahead (31 July): cycle 4's doses from
    # Mon 3 May, cycle 5 (24 May) and cycle 6 (28 June) whole; nothing of cycle 7 (2 August).
    doses = starts(body)
    assert doses[0] == "20270503T0900"
    assert "20270430T0900" not in doses
    assert doses[-1] == "20270723T0900"  # cycle 6, day 26
    assert not any(d.startswith("202708") for d in doses)
    # The label (the patient's initials) is not in a feed unless the token allows it.
    assert b"J S" not in body
    # Revalidation: the same ETag or a Last-Modified date gets 304 and no body.
    status, again, empty = fetch(f"{base}/feeds/{token_of(folder)}.ics",
                                 **{"If-None-Match": headers["etag"]})  # fmt: skip
    assert (status, empty, again["etag"]) == (304, b"", headers["etag"])
    status, _, empty = fetch(f"{base}/feeds/{token_of(folder)}.ics",
                             **{"If-Modified-Since": headers["last-modified"]})  # fmt: skip
    assert (status, empty) == (304, b"")


def test_a_recorded_delay_is_served_on_the_next_request(served: tuple[str, Path, Path]) -> None:
    base, folder, _ = served
    url = f"{base}/feeds/{token_of(folder)}.ics"
    _, headers, before = fetch(url)
    assert "20270628T0900" in starts(before)
    # The nurse records that cycle 6 starts a week late: Monday 5 July instead of 28 June.
    assert cli("course", "delay", str(folder / "js.toml"), "--cycle", "6", "--days", "7") == 0
    status, _, after = fetch(url, **{"If-None-Match": headers["etag"]})
    assert status == 200
    doses = starts(after)
    assert "20270628T0900" not in doses and "20270705T0900" in doses
    assert doses[-1] == "20270730T0900"  # cycle 6 day 26 is now Friday 30 July
    # Removed events are simply absent: a feed is a whole new copy, not an update.
    assert b"STATUS:CANCELLED" not in after


def test_rotated_and_revoked_tokens_and_a_caregivers_copy(served: tuple[str, Path, Path]) -> None:
    base, folder, _ = served
    course = str(folder / "js.toml")
    assert cli("course", "rotate-token", course, "--for", "caregiver", "--show-label") == 0
    caregiver = token_of(folder, "caregiver")
    status, _, body = fetch(f"{base}/feeds/{caregiver}.ics")
    assert status == 200 and b"J S" in body
    old = token_of(folder)
    assert cli("course", "rotate-token", course) == 0
    assert fetch(f"{base}/feeds/{old}.ics")[0] == 404
    assert fetch(f"{base}/feeds/{token_of(folder)}.ics")[0] == 200
    assert fetch(f"{base}/feeds/{caregiver}.ics")[0] == 200  # revoked on its own, not with it
    assert cli("course", "revoke-token", course, "--for", "caregiver") == 0
    assert fetch(f"{base}/feeds/{caregiver}.ics")[0] == 404


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/" + "A" * 43 + ".ics",  # well formed, unknown
        "/feeds/short.ics",
        "/feeds/",
        "/feeds",
        "/",
        "/feeds/%2e%2e/js.toml",
        "/feeds/..%2fjs.toml",
        "/js.toml",
        "/feeds/" + "A" * 43,  # no .ics
        "/feeds/" + "x" * 5000 + ".ics",
    ],
)
def test_everything_else_is_a_plain_404(served: tuple[str, Path, Path], path: str) -> None:
    base, _, _ = served
    status, headers, body = fetch(base + path)
    assert (status, body) == (404, b"Not Found\n")
    assert headers["content-type"].startswith("text/plain")


def test_health_and_an_access_log_without_tokens(served: tuple[str, Path, Path]) -> None:
    base, folder, log = served
    status, _, body = fetch(base + "/health")
    assert (status, body) == (200, b'{"status":"ok","courses":1}')
    token = token_of(folder)
    fetch(f"{base}/feeds/{token}.ics")
    time.sleep(0.2)
    text = log.read_text()
    assert '"GET /feeds/….ics" 200' in text
    assert token not in text
