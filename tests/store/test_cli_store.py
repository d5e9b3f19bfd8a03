"""The command line over a database store (--store or $SCHEDULER_STORE): a course made, changed,
recorded, planned and served from SQLite and PostgreSQL as from files, and the feed server's
links answering from the store, revoked ones at once."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.feed.serving import fetch, serving


def run(
    store: str, *argv: str, now: str = "2027-01-02T10:00:00Z", cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SCHEDULER_NOW": now,
        "SCHEDULER_STORE": store,
        "SCHEDULER_USER": "nurse.a",
    }
    return subprocess.run([sys.executable, "-m", "scheduler", *argv], env=env, capture_output=True,
                          text=True, timeout=120, cwd=cwd, check=False)  # fmt: skip


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_course_walk_through_runs_on_a_store(store_url: str, tmp_path: Path) -> None:
    ok(run(store_url, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
           "--tz", "Europe/London", "--label", "J.S.", "-o", "js"))  # fmt: skip
    said = ok(run(store_url, "course", "delay", "js", "--cycle", "2", "--days", "7", "--reason",
                  "neutrophils 0.9", now="2027-02-08T08:00:00Z"))  # fmt: skip
    assert said.startswith(
        "Recorded in js (previous version: kept in the store): cycle 2 and later"
    )
    assert "Cycle 2 moves from Mon 8 Feb 2027 to Mon 15 Feb 2027" in said
    ok(
        run(
            store_url,
            "course",
            "given",
            "js",
            "--cycle",
            "1",
            "--day",
            "1",
            now="2027-01-04T10:00:00Z",
        )
    )
    shown = ok(run(store_url, "course", "show", "js", now="2027-02-08T09:00:00Z"))
    assert (
        "Mon 4 Jan 2027 09:00  Aldesleukin injection — cycle 1, day 1: given, by nurse.a" in shown
    )
    ok(run(store_url, "plan", "js", "-o", str(tmp_path / "js.ics")))
    ics = (tmp_path / "js.ics").read_text()
    assert "DTSTART;TZID=Europe/London:20270215T090000" in ics
    assert "DTSTART;TZID=Europe/London:20270208T090000" not in ics
    # A regimen id still plans as a regimen with a store set.
    assert "BEGIN:VCALENDAR" in ok(run(store_url, "plan", "aldesleukin-sc", "--start", "2027-01-04",
                                       "--cycles", "1", "--tz", "Europe/London", "-o", "-"))  # fmt: skip


def test_a_store_that_cannot_be_used_is_one_line(tmp_path: Path) -> None:
    for url, message in (
        ("mysql://x/y", "Error: --store: unknown store 'mysql://x/y'"),
        (
            "postgresql://nobody@127.0.0.1:1/none",
            "Error: --store: cannot connect to the PostgreSQL store",
        ),
        (f"sqlite:///{tmp_path / 'no' / 'x.db'}", "Error: --store: the folder"),
    ):
        done = run(url, "course", "show", "js")
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert done.stderr.splitlines() == [done.stderr.strip()] and done.stderr.startswith(
            message
        ), done.stderr


def test_the_feed_server_serves_a_store_and_a_revoked_link_is_gone(
    store_url: str, tmp_path: Path
) -> None:
    ok(run(store_url, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "11",
           "--tz", "Europe/London", "-o", "js"))  # fmt: skip
    ok(run(store_url, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "11",
           "--tz", "Europe/London", "-o", "ab"))  # fmt: skip
    ok(run(store_url, "course", "rotate-token", "js"))
    ok(run(store_url, "course", "rotate-token", "ab"))
    links = {
        key: ok(run(store_url, "course", "url", key, "--local")).splitlines()[0]
        for key in ("js", "ab")
    }
    with serving(None, "--store", store_url, now="2027-02-01T10:00:00Z", log=tmp_path / "log") as (
        base,
        _,
    ):
        bodies = {}
        for key, link in links.items():
            status, headers, body = fetch(base + link.split("8080", 1)[1])
            assert status == 200, (status, (tmp_path / "log").read_text())
            bodies[key] = body
            again = fetch(base + link.split("8080", 1)[1], **{"If-None-Match": headers["etag"]})
            assert again[0] == 304
        uids = [set(re.findall(rb"UID:([^\r]+)\r\n", body)) for body in bodies.values()]
        assert uids[0] and uids[0].isdisjoint(uids[1])  # two patients, two calendars
        ok(
            run(
                store_url,
                "course",
                "delay",
                "js",
                "--cycle",
                "2",
                "--days",
                "7",
                now="2027-02-01T10:00:00Z",
            )
        )
        status, _, body = fetch(base + links["js"].split("8080", 1)[1])
        assert status == 200 and b"20270215T090000" in body and b"20270208T090000" not in body
        ok(run(store_url, "course", "revoke-token", "js"))
        assert fetch(base + links["js"].split("8080", 1)[1])[0] == 404
        assert fetch(base + links["ab"].split("8080", 1)[1])[0] == 200


def test_accounts_and_moves_refuse_bad_input_in_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    os.mkfifo(tmp_path / "fifo")
    env_cases = (
        (
            ["users", "add", "nurse.a", "--password-env", "PW"],
            {"PW": "short"},
            "a password is 12 to 1,024 characters",
        ),
        (
            ["users", "add", "Nurse A", "--password-env", "PW"],
            {"PW": "x" * 20},
            "is not a user name",
        ),
        (
            ["users", "add", "nurse.a", "--password-env", "NOPE"],
            {},
            "--password-env: $NOPE is not set",
        ),
        (["users", "disable", "nobody"], {}, "there is no user named 'nobody'"),
        (["store", "import", str(tmp_path / "missing")], {}, "not a folder of course files"),
        (["store", "export", str(tmp_path / "missing")], {}, "not a folder (create it first)"),
        (["store", "import", str(tmp_path / "fifo")], {}, "not a folder of course files"),
    )
    for argv, extra, message in env_cases:
        env = {**os.environ, "SCHEDULER_STORE": url, **extra}
        done = subprocess.run([sys.executable, "-m", "scheduler", *argv], env=env, capture_output=True,
                              text=True, timeout=60, check=False)  # fmt: skip
        assert done.returncode != 0 and "Traceback" not in done.stderr, (argv, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr, (
            argv,
            done.stderr,
        )
    no_store = subprocess.run([sys.executable, "-m", "scheduler", "users", "list"], capture_output=True, text=True,
                              timeout=60, check=False, env={k: v for k, v in os.environ.items() if k != "SCHEDULER_STORE"})  # fmt: skip
    assert (
        no_store.returncode == 1
        and "give --store URL: accounts live in a database" in no_store.stderr
    )
