"""Latency of the clinic app (``scheduler serve --store``) with 10,000 courses in the store, as
ratios to the same requests with 100 courses, measured in one run; and the feed's 304 with a
database store, as a ratio to the same 304 served from course files.

The goals (the issue): the worklist and a course page with 10,000 courses cost at most 3x what
they cost with 100 (indexed queries, no per-course planning on the request path for the list),
and a feed poll for an unchanged course stays a 304 as cheap with the database as with files.

What is measured, for each store (SQLite in a file; PostgreSQL in a throwaway server started by
initdb/pg_ctl on 127.0.0.1 with fsync off, skipped with a note when initdb is not found) and
each course count (``--courses``, default 100 and 10,000):

1. A store filled fast: one course made by ``scheduler.new_course`` (aldesleukin-sc, 11 cycles,
   Europe/London), then copied with SQL straight into ``courses`` and ``course_log`` (each copy
   its own uuid4 id, key ``p00001``..., label, version 1), each with a ``patient`` feed token.
   The first ACTIVE (100) courses start 2027-01-04 + (i mod 28) days, so the week measured has
   work on every day; the others start in 2022 and ended before it (finished courses kept in
   the store). So the worklist shows the same ~50 entries at every count and only the store
   grows: what is measured is the cost of store size, not of a longer page. ``--all-active``
   starts every course in 2027 instead (the page then grows with the count; its ratio is not
   the goal's).
2. A user ``bench``, signed in through the library (``Accounts.sign_in``) for the session
   cookie, with "now" at SCHEDULER_NOW.
3. The real server (``python -m scheduler serve --store URL --no-access-log``, uvicorn, one
   process) on a free loopback port, SCHEDULER_NOW fixed, waited for on /health.
4. Warm-up: ``GET /week?from=2027-02-01`` until the page no longer says courses are still
   being added: the server's background thread plans every course into the agenda after the
   fill (a one-off cost after an import, timed and reported on its own; requests meanwhile plan
   at most 50), then a course page and a few
   requests of each kind.
5. ``--requests`` (200) sequential requests of each kind over one keep-alive connection
   (http.client), timed from sending to the last byte read: the worklist
   ``GET /week?from=2027-02-01``; a course page ``GET /courses/{key}`` of a random active
   course (the same 100 courses at every count, so the page's own work is alike); the search
   ``GET /courses?q=p0001`` (10 hits at every count); and a feed poll ``GET /feeds/{token}.ics``
   of a random active course with If-None-Match of that feed's ETag (fetched first), which
   must be a 304 (any other status is counted and reported). p50 and p99 of each.
6. The anchor for the feed: right after each server run, the same 304 polls against
   ``scheduler serve --courses FOLDER`` over a folder of FILE_COURSES course files (made by
   ``scheduler.new_course`` and ``FileStore.rotate_token``), so drift hits both alike.

Printed: p50/p99 per store, count and request; then, per store and request, p50 at the largest
count / p50 at the smallest against the goal (<= 3x), and the database 304 p50 / files 304 p50.
The client runs on the same machine as the server, so the figures are noisy; compare ratios.
Reports, never asserts: PASS/FAIL are words in the report and the exit status is 0 unless
something broke.

Run: ``.venv/bin/python bench/web.py`` (options: ``--courses 100,10000``, ``--requests N``,
``--stores sqlite,postgresql``, ``--all-active``, ``--quick`` for 100 and 1,000 courses).
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests/databases.py starts the throwaway PostgreSQL
NOW = "2027-02-01T10:00:00Z"
NOW_AT = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
ENV = {**os.environ, "SCHEDULER_NOW": NOW}
WEEK = "2027-02-01"
GOAL = 3.0
#: The courses the worklist, the course pages and the feed polls are about, at every count.
ACTIVE = 100
ACTIVE_START = date(2027, 1, 4)
#: Finished courses (aldesleukin-sc, 11 cycles, lasts about two years) start here.
PAST_START = date(2022, 1, 3)
FILE_COURSES = 10
USER, PASSWORD = "bench", "correct horse battery staple"
SEARCH = "p0001"
WARM = 5
ROUTES = ("worklist", "course page", "search", "feed 304")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def postgres() -> Iterator[str | None]:
    """The URL of a throwaway PostgreSQL server's maintenance database (tests/databases.py's),
    or None without initdb and pg_ctl."""
    from tests.databases import postgres_tools, throwaway_postgres

    tools = postgres_tools()
    if tools is None:
        yield None
        return
    with throwaway_postgres(tools) as url:
        yield url


def _new_database(server: str, name: str) -> str:
    from tests.databases import new_database

    return new_database(server, name)


@dataclass(frozen=True)
class Filled:
    active: list[str]
    tokens: dict[str, str]
    cookie: str
    seconds: float


def _swap(pattern: str, value: str, body: str) -> str:
    changed, n = re.subn(pattern, value, body, count=1, flags=re.MULTILINE)
    if n != 1:
        raise SystemExit(f"bench/web.py: no {pattern!r} line in the course's text")
    return changed


def fill(url: str, count: int, all_active: bool) -> Filled:
    """``count`` courses in the store at ``url``, a feed token each, and a signed-in cookie."""
    import scheduler
    from scheduler.store.accounts import Accounts
    from scheduler.store.courses import SqlStore

    started = time.perf_counter()
    store = SqlStore(url, now=lambda: NOW_AT)
    first = "p00000"
    scheduler.new_course("aldesleukin-sc", first, start=ACTIVE_START, zone="Europe/London",
                         cycles=11, label="P 00000", store=store)  # fmt: skip
    store.rotate_token(first, "patient", now=NOW_AT)
    db = store.database()
    body, modified = db.rows("SELECT body, modified FROM courses WHERE key = ?", (first,))[0]
    tokens = {first: store.tokens(first).get("patient").token}  # type: ignore[union-attr]
    made = NOW_AT.strftime("%Y-%m-%dT%H:%M:%SZ")
    with db.transaction():
        for i in range(1, count):
            key, label = f"p{i:05d}", f"P {i:05d}"
            base = ACTIVE_START if all_active or i < ACTIVE else PAST_START
            start = (base + timedelta(days=i % 28)).isoformat()
            text = _swap(r'^id = "[^"]*"$', f'id = "{uuid.uuid4()}"', str(body))
            text = _swap(r"^start = .*$", f"start = {start}", text)
            text = _swap(r'^label = "[^"]*"$', f'label = "{label}"', text)
            # Each copy takes the next number of the store's change counter, as a write does,
            # so the agenda plans it (in the server's background thread, or the warm-up).
            changed = db.rows(
                "UPDATE counters SET value = value + 1 WHERE name = 'changes' RETURNING value"
            )[0][0]
            db.execute(
                "INSERT INTO courses (key, id, body, version, modified, label, regimen, "
                "start_date, tokens_version, changed) VALUES (?, ?, ?, 1, ?, ?, ?, ?, 1, ?)",
                (key, re.search(r'^id = "([^"]*)"$', text, re.MULTILINE).group(1),  # type: ignore[union-attr]
                 text, modified, label, "aldesleukin-sc", start, changed),
            )  # fmt: skip
            db.execute("INSERT INTO course_log (key, version, stored, body) VALUES (?, 1, ?, ?)",
                       (key, modified, text))  # fmt: skip
            token = secrets.token_urlsafe(32)
            db.execute("INSERT INTO tokens (key, name, token, created, show_label) "
                       "VALUES (?, 'patient', ?, ?, 0)", (key, token, made))  # fmt: skip
            if i < ACTIVE:
                tokens[key] = token
    accounts = Accounts(store, now=lambda: NOW_AT)
    accounts.add(USER, PASSWORD)
    cookie = accounts.sign_in(USER, PASSWORD)
    active = [f"p{i:05d}" for i in range(min(count, ACTIVE))]
    found = db.rows("SELECT COUNT(*) FROM courses")[0][0]
    store.close()
    if found != count:
        raise SystemExit(f"bench/web.py: the store holds {found} courses, not {count}")
    return Filled(active, tokens, cookie, time.perf_counter() - started)


def file_courses(folder: Path) -> dict[str, str]:
    """FILE_COURSES course files in ``folder`` (the anchor's store); their feed tokens."""
    import scheduler
    from scheduler.course.store import FileStore

    tokens = {}
    files = FileStore(folder)
    for i in range(FILE_COURSES):
        path = folder / f"c{i}.toml"
        scheduler.new_course("aldesleukin-sc", path, start=ACTIVE_START + timedelta(days=i % 28),
                             zone="Europe/London", cycles=11, label=f"F {i}")  # fmt: skip
        tokens[str(path)] = files.rotate_token(str(path), "patient", now=NOW_AT).token
    return tokens


class Client:
    """Sequential GETs over one keep-alive connection, each timed to its last byte."""

    def __init__(self, port: int, cookie: str = "") -> None:
        self.port = port
        self.cookie = cookie
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str, float]:
        sent = dict(headers or {})
        if self.cookie:
            from scheduler.web.security import COOKIE

            sent["Cookie"] = f"{COOKIE}={self.cookie}"
        for attempt in range(2):
            try:
                started = time.perf_counter()
                self.connection.request("GET", path, headers=sent)
                response = self.connection.getresponse()
                self.body = response.read()
                took = time.perf_counter() - started
                return response.status, response.getheader("ETag") or "", took
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()  # the server closed a kept-alive connection: again
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.connection.close()


@dataclass
class Timing:
    seconds: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    expected: int = 200

    def quantile(self, q: float) -> float:
        ordered = sorted(self.seconds)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)] * 1000 if ordered else math.nan

    @property
    def p50(self) -> float:
        return self.quantile(0.50)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def wrong(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != self.expected)


def measure(
    client: Client,
    requests: int,
    pick: Callable[[], tuple[str, dict[str, str]]],
    expected: int = 200,
) -> Timing:
    """``requests`` GETs of what ``pick()`` gives (a path and headers), after WARM untimed."""
    timing = Timing(expected=expected)
    for n in range(WARM + requests):
        path, headers = pick()
        status, _, took = client.get(path, headers)
        if n >= WARM:
            timing.seconds.append(took)
            timing.statuses[status] += 1
    return timing


@contextmanager
def serving(options: list[str], log: Path) -> Iterator[int]:
    """``scheduler serve`` with ``options`` on a free port for the block; its port."""
    port = _port()
    argv = [sys.executable, "-m", "scheduler", "serve", *options, "--port", str(port),
            "--no-access-log"]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=ENV, cwd=ROOT)
    try:
        deadline = time.monotonic() + 300
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise SystemExit(f"bench/web.py: the server exited ({process.returncode}): {tail}")
            try:
                probe = Client(port)
                status, _, _ = probe.get("/health")
                probe.close()
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("bench/web.py: the server did not answer /health within 300 s")
            time.sleep(0.1)
        yield port
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def feed_polls(client: Client, tokens: list[str], requests: int, rng: random.Random) -> Timing:
    """The 304 revalidations of random feeds among ``tokens``, each with its own ETag."""
    etags = {}
    for token in tokens:
        status, etag, _ = client.get(f"/feeds/{token}.ics")
        if status != 200 or not etag:
            raise SystemExit(f"bench/web.py: a feed answered {status} (ETag {etag!r})")
        etags[token] = etag

    def pick() -> tuple[str, dict[str, str]]:
        token = rng.choice(tokens)
        return f"/feeds/{token}.ics", {"If-None-Match": etags[token]}

    return measure(client, requests, pick, expected=304)


@dataclass
class Run:
    store: str
    courses: int
    fill_seconds: float
    first_week_seconds: float
    worklist_entries: int
    timings: dict[str, Timing]
    files_304: Timing


def _entries(url: str) -> int:
    from scheduler.store.courses import SqlStore

    store = SqlStore(url)
    last = (date.fromisoformat(WEEK) + timedelta(days=6)).isoformat()
    try:
        return int(store.database().rows("SELECT COUNT(*) FROM agenda WHERE day >= ? AND day <= ?",
                                         (WEEK, last))[0][0])  # fmt: skip
    finally:
        store.close()


def bench(kind: str, url: str, count: int, args: argparse.Namespace, tmp: Path) -> Run:
    filled = fill(url, count, args.all_active)
    rng = random.Random(count)
    log = tmp / f"server-{kind}-{count}.log"
    options = ["--store", url, "--public-url", "https://feeds.example.org"]
    with serving(options, log) as port:
        client = Client(port, filled.cookie)
        caught_up = time.perf_counter()
        while True:  # the server's background thread plans the imported courses into the agenda
            status, _, _took = client.get(f"/week?from={WEEK}")
            if status != 200:
                raise SystemExit(
                    f"bench/web.py: /week answered {status} (not signed in?); see {log}"
                )
            if b"Still being added" not in client.body:
                break
            time.sleep(0.5)
        first_week = time.perf_counter() - caught_up
        status, _, _ = client.get(f"/courses/{filled.active[0]}")
        if status != 200:
            raise SystemExit(f"bench/web.py: a course page answered {status}; see {log}")
        timings = {
            "worklist": measure(client, args.requests, lambda: (f"/week?from={WEEK}", {})),
            "course page": measure(
                client, args.requests, lambda: (f"/courses/{rng.choice(filled.active)}", {})
            ),
            "search": measure(client, args.requests, lambda: (f"/courses?q={SEARCH}", {})),
            "feed 304": feed_polls(
                client, [filled.tokens[k] for k in filled.active], args.requests, rng
            ),
        }
        client.close()
    files_304 = files_anchor(args.requests, tmp, f"{kind}-{count}", rng)
    return Run(kind, count, filled.seconds, first_week, _entries(url), timings, files_304)


def files_anchor(requests: int, tmp: Path, name: str, rng: random.Random) -> Timing:
    folder = tmp / f"files-{name}"
    folder.mkdir()
    tokens = file_courses(folder)
    with serving(["--courses", str(folder)], tmp / f"server-files-{name}.log") as port:
        client = Client(port)
        timing = feed_polls(client, list(tokens.values()), requests, rng)
        client.close()
    shutil.rmtree(folder)
    return timing


def _verdict(ratio: float) -> str:
    if math.isnan(ratio):
        return "-"
    return "PASS" if ratio <= GOAL else "FAIL"


def report(runs: list[Run], skipped: list[str], args: argparse.Namespace) -> None:
    print(f"Clinic app ({sys.executable} -m scheduler serve --store, one process), "
          f"{os.cpu_count()} CPUs, SCHEDULER_NOW={NOW}")  # fmt: skip
    print(f"{args.requests} sequential requests of each kind over one keep-alive connection "
          f"(after {WARM} untimed), client on the same machine: compare the ratios")  # fmt: skip
    layout = ("every course active in 2027" if args.all_active else
              f"{ACTIVE} active courses (started 2027), the rest finished (started 2022)")  # fmt: skip
    print(f"courses: aldesleukin-sc, 11 cycles; {layout}; feed anchor: {FILE_COURSES} course "
          "files (scheduler serve --courses)")  # fmt: skip
    for note in skipped:
        print(note)
    print()
    head = (f"{'store':<10} {'courses':>7}  {'request':<12} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'wrong status':>12}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for run in runs:
        for route in ROUTES:
            t = run.timings[route]
            wrong = f"{t.wrong} (not {t.expected})" if t.wrong else "0"
            print(f"{run.store:<10} {run.courses:>7,}  {route:<12} {t.p50:>8.2f} {t.p99:>8.2f} "
                  f"{wrong:>12}")  # fmt: skip
        f = run.files_304
        wrong = f"{f.wrong} (not 304)" if f.wrong else "0"
        print(f"{'files':<10} {FILE_COURSES:>7,}  {'feed 304':<12} {f.p50:>8.2f} {f.p99:>8.2f} "
              f"{wrong:>12}   (anchor, run right after)")  # fmt: skip
    print()
    for run in runs:
        print(f"{run.store:<10} {run.courses:>7,} courses: filled in {run.fill_seconds:6.1f} s;"
              f" agenda caught up (every course planned in the background, one-off)"
              f" {run.first_week_seconds:7.1f} s; worklist entries that week: "
              f"{run.worklist_entries:,}")  # fmt: skip
    print()
    print(f"p50 at the largest count / p50 at the smallest (goal <= {GOAL:g}x):")
    for kind in dict.fromkeys(r.store for r in runs):
        mine = sorted((r for r in runs if r.store == kind), key=lambda r: r.courses)
        small, large = mine[0], mine[-1]
        if small.courses == large.courses:
            print(f"  {kind}: one course count only, no ratio")
            continue
        for route in ROUTES:
            ratio = large.timings[route].p50 / small.timings[route].p50
            print(f"  {kind:<10} {route:<12} {large.courses:,} / {small.courses:,}: "
                  f"{ratio:6.2f}x  {_verdict(ratio)}")  # fmt: skip
    print()
    print("feed 304 p50, database / files (the anchor run right after it):")
    for run in runs:
        ratio = run.timings["feed 304"].p50 / run.files_304.p50
        print(f"  {run.store:<10} {run.courses:>7,} courses: {ratio:6.2f}x")
    statuses = [
        f"{r.store} {r.courses:,} {route}: {dict(r.timings[route].statuses)}"
        for r in runs
        for route in ROUTES
        if r.timings[route].wrong
    ]
    if statuses:
        print("\nunexpected statuses: " + "; ".join(statuses))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--courses", default="100,10000", help="course counts (100,10000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per kind (200)")
    parser.add_argument("--stores", default="sqlite,postgresql", help="sqlite,postgresql")
    parser.add_argument("--all-active", action="store_true",
                        help="start every course in 2027 (the worklist grows with the count)")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 courses")
    args = parser.parse_args(argv)
    if args.quick:
        args.courses = "100,1000"
    try:
        counts = sorted({int(n) for n in args.courses.split(",")})
    except ValueError:
        parser.error(f"--courses must be numbers separated by commas: {args.courses}")
    if not counts or min(counts) < 1 or max(counts) > 99_999 or args.requests < 1:
        parser.error("--courses must be 1 to 99,999 and --requests >= 1")
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if not stores or set(stores) - {"sqlite", "postgresql"}:
        parser.error(f"--stores is sqlite and/or postgresql, not {args.stores}")
    started = time.monotonic()
    runs: list[Run] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as name:
        tmp = Path(name)
        for kind in stores:
            if kind == "sqlite":
                for count in counts:
                    url = f"sqlite:///{tmp / f'clinic-{count}.db'}"
                    runs.append(bench(kind, url, count, args, tmp))
                continue
            with postgres() as server:
                if server is None:
                    skipped.append("postgresql: skipped (initdb and pg_ctl not found)")
                    continue
                for count in counts:
                    url = _new_database(server, f"bench{count}")
                    runs.append(bench(kind, url, count, args, tmp))
    report(runs, skipped, args)
    print(f"\ntook {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
