"""scheduler publish against a CalDAV server that misbehaves (tests/hostile_caldav.py, on
127.0.0.1): huge, trickling and silent answers, redirect loops, a redirect to another server,
broken XML and a status line that is not HTTP. Each run is the real command in its own process:
exit code 1, one ``Error:`` line and no traceback, within a bounded time (the time limit is 2 s
here), nothing sent to a server it was not given, and no file changed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.hostile_caldav import hostile_server

USER, PASSWORD = "nurse", "s3cret-for-tests"
#: The --timeout of every run: a request may take this long in all.
DEADLINE = 2.0


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("course")
    path = folder / "js.toml"
    done = scheduler(["course", "new", "aldesleukin-sc", "--start", "2027-01-04",
                      "--cycles", "1", "--tz", "Europe/London", "-o", str(path)])  # fmt: skip
    assert done.returncode == 0, done.stderr
    return path


@pytest.fixture
def unchanged(course: Path) -> Iterator[None]:
    """Fails the test when publishing changed any file beside the course (or the course)."""
    before = _files(course.parent)
    yield
    assert _files(course.parent) == before


def _files(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


def scheduler(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCHEDULER_NOW": "2026-12-01T10:00:00Z", "DAV_PASSWORD": PASSWORD}
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *argv],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def publish(course: Path, url: str, *extra: str) -> tuple[str, float]:
    """The one error line of a publish that must fail, and how long it took."""
    started = time.monotonic()
    done = scheduler(["publish", str(course), "--caldav", url, "--user", USER,
                      "--password-env", "DAV_PASSWORD", "--timeout", str(DEADLINE), *extra])  # fmt: skip
    took = time.monotonic() - started
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1, done.stderr
    assert PASSWORD not in done.stderr
    return done.stderr.removeprefix("Error: ").rstrip("\n"), took


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("mode", ["huge", "huge-unsized"])
def test_an_answer_larger_than_the_bound_is_refused_not_read(course: Path, mode: str) -> None:
    with hostile_server(mode) as server:
        error, took = publish(course, server.url + "/")
    assert error == (
        f"the CalDAV server at {server.url} sent an answer larger than 4 MiB (the limit of one "
        "answer): not read"
    )
    assert took < 3 * DEADLINE


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(("mode", "pace"), [("trickle", 0.5), ("trickle", 2.0),
                                            ("trickle-head", 0.5), ("silent", 0.5)])  # fmt: skip
def test_a_slow_answer_fails_after_the_time_limit_of_the_whole_request(
    course: Path, mode: str, pace: float
) -> None:
    """A byte every 0.5 s or 2 s keeps every socket read short: only a limit on the whole
    request stops it (before, publish waited as long as the server went on trickling)."""
    with hostile_server(mode, pace=pace) as server:
        error, took = publish(course, server.url + "/")
    assert error == (
        f"the CalDAV server at {server.url} did not answer in full within 2 s (the time limit "
        "of one request)"
    )
    assert DEADLINE * 0.9 < took < 3 * DEADLINE


@pytest.mark.usefixtures("unchanged")
def test_a_redirect_loop_is_given_up_after_a_few(course: Path) -> None:
    with hostile_server("redirect-loop") as server:
        error, took = publish(course, server.url + "/")
    assert error == (
        f"--caldav: the server at {server.url} redirected more than 3 times (a redirect loop?)"
    )
    assert [path for _, path, _ in server.seen] == ["/", "/1", "/2", "/3"]
    assert took < 3 * DEADLINE


@pytest.mark.usefixtures("unchanged")
def test_a_redirect_to_another_server_is_not_followed_and_the_login_goes_nowhere_else(
    course: Path,
) -> None:
    with (
        hostile_server("refuse") as elsewhere,
        hostile_server("redirect-away", target=elsewhere.url) as server,
    ):
        error, took = publish(course, server.url + "/")
    assert error == (
        f"--caldav: the server at {server.url} sends us to another port ({elsewhere.url}/dav/): "
        "not followed, so that nothing (the login least of all) goes elsewhere; give that URL "
        "instead"
    )
    assert len(server.authorizations()) == 1  # the server given had the login...
    assert elsewhere.seen == [] and elsewhere.authorizations() == []  # ...and no one else
    assert took < 3 * DEADLINE


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("malformed", "does not answer as a CalDAV server (PROPFIND: malformed XML, "),
        ("entities", "does not answer as a CalDAV server (PROPFIND: a document type "
                     "declaration, which a WebDAV answer never has)"),
        ("not-multistatus", "does not answer as a CalDAV server (PROPFIND answered 200 OK, "
                            "not 207 Multi-Status)"),
        ("garbage-status", "does not answer as an HTTP server (BadStatusLine: "),
    ],
)  # fmt: skip
def test_an_answer_that_is_not_webdav_is_one_line(course: Path, mode: str, says: str) -> None:
    with hostile_server(mode) as server:
        error, took = publish(course, server.url + "/")
    assert error.startswith(f"the server at {server.url} {says}"), error
    assert took < 3 * DEADLINE


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize(
    "url", ["http://dav.example.org/", "http://192.0.2.7:8008/dav/", "http://[2001:db8::1]/"]
)
def test_a_password_over_plain_http_to_another_machine_is_refused_without_insecure(
    course: Path, url: str
) -> None:
    # Refused before any connection: these hosts are never reached (and need no network).
    host = url.split("//")[1].split("/")[0].rsplit(":", 1)[0] if "[" not in url else "2001:db8::1"
    error, _ = publish(course, url)
    assert error == (
        f"the password would cross the network unencrypted (plain http:// to {host}, which is "
        "not this machine): use https:// (or --insecure to send it anyway)"
    )


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("host", ["localhost", "127.0.0.2", "[::1]"])
def test_plain_http_to_this_machine_may_carry_the_password(course: Path, host: str) -> None:
    from tests.radicale_server import free_port

    error, _ = publish(course, f"http://{host}:{free_port()}/")  # nothing listens there
    assert error.startswith(f"cannot reach the CalDAV server at http://{host}:"), error
