"""Requests per second of the live feed (``scheduler serve``), loaded by wrk, as ratios to nginx
serving the same feed body as a static file, measured in one run; and the server's peak memory.

What is measured, for each course count (``--courses``, default 1 and 10,000):

1. A folder of that many courses: one made by ``scheduler course new`` (aldesleukin-sc, 11
   cycles, Europe/London) and ``course rotate-token``, then copied, each copy with its own
   course id (uuid4) and its own token file (a fresh 43-character token), mode 0600.
2. The real server (``python -m scheduler serve --no-access-log``, uvicorn, one process) on a
   free loopback port, with SCHEDULER_NOW fixed so every feed has the same window.
3. The ETag of each course's feed, fetched first with urllib (4 threads; all the courses, up to
   ETAG_SAMPLE of them taken evenly), then two wrk runs over keep-alive connections, each
   request picking a course at random (a Lua script): revalidations (If-None-Match with that
   course's ETag: the 304 a polling calendar app gets when nothing changed) and full responses
   (200 with the body). wrk's "Non-2xx or 3xx responses" and socket errors are reported; the
   bytes read per response show which of the two was served.
4. The anchor: nginx (one worker process, like the server's one process) serving the .ics
   bytes the server sent for the first course as a static file with ``etag on``, under the
   same wrk settings, 304s and 200s. Each server run is followed at once by its nginx run, so
   the machine's drift hits both alike.
5. The server's peak resident memory (VmHWM) at the end, against a goal of 300 MB.

wrk runs on the same machine as the server, so the figures are a floor, and noisy on a busy
machine; the ratios are what to compare between runs. Reports, never asserts.

Run: ``.venv/bin/python bench/feed.py`` (options: ``--courses 1,10000``, ``--duration S``,
``--quick`` for 1 and 1,000 courses at 2 s). Needs wrk (Debian: ``apt-get install wrk``);
nginx is optional (without it the raw figures are printed and the anchor said missing).
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2027-02-01T10:00:00Z"
ENV = {**os.environ, "SCHEDULER_NOW": NOW}
RSS_GOAL_MB = 300
#: At most this many courses' ETags are fetched (evenly spread) for the revalidation run.
ETAG_SAMPLE = 10_000
WARM_THREADS = 4
THREADS, CONNECTIONS = 2, 32
#: Longer than wrk's 2 s default: with every feed rendered on request, a queue of 32 can wait.
TIMEOUT = "10s"

# Each wrk thread reads the list (a path, and an ETag to send as If-None-Match, per line) and
# picks a line at random for every request.
WRK_SCRIPT = """\
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local paths, tags = {}, {}
function init(args)
  for line in io.lines(args[1]) do
    local path, tag = line:match("^(%S+)%s*(.*)$")
    paths[#paths + 1] = path
    tags[#tags + 1] = tag
  end
  math.randomseed(os.time() * 100 + id)
end

function request()
  local i = math.random(#paths)
  if tags[i] ~= "" then
    return wrk.format("GET", paths[i], {["If-None-Match"] = tags[i]})
  end
  return wrk.format("GET", paths[i])
end
"""

NGINX_CONF = """\
{user}daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  types {{ text/calendar ics; }}
  charset utf-8;
  charset_types text/calendar;
  sendfile on;
  tcp_nopush on;
  etag on;
  keepalive_timeout 5s;
  keepalive_requests 1000000;
  server {{
    listen 127.0.0.1:{port};
    root {tmp}/www;
  }}
}}
"""


@dataclass(frozen=True)
class Load:
    """What one wrk run reported."""

    rate: float
    requests: int
    bytes_read: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    socket_errors: int

    @property
    def bytes_per_response(self) -> float:
        return self.bytes_read / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Row:
    courses: int
    kind: str
    server: Load
    nginx: Load | None


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def build_courses(folder: Path, count: int) -> list[str]:
    """``count`` courses in ``folder``; their feed tokens, the first course's first."""
    scheduler = [sys.executable, "-m", "scheduler", "course"]
    first = folder / "c0.toml"
    subprocess.run([*scheduler, "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles",
                    "11", "--tz", "Europe/London", "--label", "J S", "-o", str(first)],
                   check=True, env=ENV, cwd=ROOT, capture_output=True)  # fmt: skip
    subprocess.run([*scheduler, "rotate-token", str(first)], check=True, env=ENV, cwd=ROOT,
                   capture_output=True)  # fmt: skip
    course = first.read_text(encoding="utf-8")
    tokens_file = (folder / "c0.feed.toml").read_text(encoding="utf-8")
    found = re.search(r'(?m)^token = "([^"]+)"$', tokens_file)
    if found is None or not re.search(r'(?m)^id = "[^"]+"$', course):
        raise SystemExit("bench/feed.py: unexpected course or token file format")
    tokens = [found.group(1)]
    for n in range(1, count):
        token = secrets.token_urlsafe(32)
        _private(folder / f"c{n}.toml",
                 re.sub(r'(?m)^id = "[^"]+"$', f'id = "{uuid.uuid4()}"', course))  # fmt: skip
        _private(folder / f"c{n}.feed.toml",
                 re.sub(r'(?m)^token = "[^"]+"$', f'token = "{token}"', tokens_file))  # fmt: skip
        tokens.append(token)
    return tokens


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:  # 304 and errors alike
        return err.code, err.headers, err.read()


def _wait_until_up(process: subprocess.Popen[bytes], url: str, log: Path, seconds: float) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise SystemExit(f"bench/feed.py: {url} exited ({process.returncode}): {tail}")
        try:
            status, _, body = _get(url)
            if status == 200:
                return body
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench/feed.py: {url} did not answer within {seconds:.0f} s")


@contextmanager
def running(
    argv: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Run ``argv`` for the block; stopped (SIGTERM, then SIGKILL) after, whatever happens."""
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else float("nan")


def fetch_etags(base: str, tokens: list[str]) -> list[str]:
    def etag(token: str) -> str:
        status, headers, _ = _get(f"{base}/feeds/{token}.ics")
        tag = headers.get("ETag")
        if status != 200 or not tag:
            raise SystemExit(f"bench/feed.py: a feed answered {status} while fetching ETags")
        return str(tag)

    with ThreadPoolExecutor(WARM_THREADS) as pool:
        return list(pool.map(etag, tokens))


def check_revalidation(url: str, etag: str) -> None:
    status, _, body = _get(url, {"If-None-Match": etag})
    if status != 304 or body:
        raise SystemExit(f"bench/feed.py: {url} answered {status} to its own ETag, not 304")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_SIZES = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> Load:
    def grab(pattern: str) -> re.Match[str]:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            raise SystemExit(f"bench/feed.py: wrk printed no {pattern!r}:\n{output}")
        return found

    done = grab(r"^\s*(\d+) requests in [\d.]+\w+, ([\d.]+)([KMGT]?B) read")
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return Load(
        rate=float(grab(r"^Requests/sec:\s+([\d.]+)").group(1)),
        requests=int(done.group(1)),
        bytes_read=float(done.group(2)) * _SIZES[done.group(3)],
        p50_ms=_ms(grab(r"^\s+50%\s+(\S+)").group(1)),
        p99_ms=_ms(grab(r"^\s+99%\s+(\S+)").group(1)),
        non_2xx_3xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run_wrk(wrk: str, script: Path, port: int, listing: Path, seconds: int) -> Load:
    argv = [wrk, f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
            "--timeout", TIMEOUT, "-s", str(script), f"http://127.0.0.1:{port}/", "--",
            str(listing)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise SystemExit(f"bench/feed.py: wrk failed ({done.returncode}): {done.stderr.strip()}")
    return parse_wrk(done.stdout)


def _listing(path: Path, paths: list[str], etags: list[str] | None = None) -> Path:
    lines = [f"{p} {t}" for p, t in zip(paths, etags, strict=True)] if etags else paths
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


def _evenly(items: list[str], at_most: int) -> list[int]:
    if len(items) <= at_most:
        return list(range(len(items)))
    return [i * len(items) // at_most for i in range(at_most)]


@dataclass(frozen=True)
class Static:
    port: int
    full: Path
    revalidate: Path


@contextmanager
def anchor(nginx: str | None, tmp: Path, body: bytes) -> Iterator[Static | None]:
    """nginx serving ``body`` as ``/feed.ics`` for the block, or None without nginx."""
    if nginx is None:
        yield None
        return
    home = Path(tempfile.mkdtemp(prefix="nginx-", dir=tmp))
    (home / "www").mkdir()
    (home / "www" / "feed.ics").write_bytes(body)
    port = _port()
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = home / "nginx.conf"
    conf.write_text(NGINX_CONF.format(user=user, tmp=home, port=port), encoding="utf-8")
    argv = [nginx, "-p", str(home), "-c", str(conf), "-e", str(home / "error.log")]
    with running(argv, home / "stdout.log") as process:
        url = f"http://127.0.0.1:{port}/feed.ics"
        served = _wait_until_up(process, url, home / "error.log", 30)
        if served != body:
            raise SystemExit("bench/feed.py: nginx served other bytes than the feed")
        _, headers, _ = _get(url)
        check_revalidation(url, headers.get("ETag", ""))
        yield Static(
            port,
            _listing(home / "full.txt", ["/feed.ics"]),
            _listing(home / "revalidate.txt", ["/feed.ics"], [headers.get("ETag", "")]),
        )


def bench_courses(
    count: int, seconds: int, wrk: str, nginx: str | None, tmp: Path
) -> tuple[list[Row], float, str, bytes]:
    """The rows for ``count`` courses, the server's peak RSS in MB, a note on the ETags and
    the first course's feed."""
    folder = tmp / f"courses-{count}"
    folder.mkdir()
    tokens = build_courses(folder, count)
    paths = [f"/feeds/{token}.ics" for token in tokens]
    script = tmp / "pick.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    port = _port()
    server = [sys.executable, "-m", "scheduler", "serve", "--courses", str(folder), "--port",
              str(port), "--days-back", "30", "--days-ahead", "400", "--no-access-log"]  # fmt: skip
    log = tmp / f"server-{count}.log"
    with running(server, log, ENV) as process:
        base = f"http://127.0.0.1:{port}"
        health = _wait_until_up(process, f"{base}/health", log, 300)
        if f'"courses":{count}' not in health.decode():
            raise SystemExit(f"bench/feed.py: /health says {health.decode()}, not {count}")
        status, headers, body = _get(f"{base}{paths[0]}")
        if status != 200 or not body.startswith(b"BEGIN:VCALENDAR"):
            raise SystemExit(f"bench/feed.py: the first feed answered {status}")
        chosen = _evenly(tokens, ETAG_SAMPLE)
        etags = fetch_etags(base, [tokens[i] for i in chosen])
        check_revalidation(f"{base}{paths[0]}", headers.get("ETag", ""))
        whole = "the one course" if count == 1 else f"all {count:,}"
        which = whole if len(chosen) == count else f"{len(chosen):,} (evenly spread)"
        note = (f"revalidations over {which}, their ETags fetched first by urllib"
                f" ({WARM_THREADS} threads); full responses over {whole}")  # fmt: skip
        revalidate = _listing(tmp / f"revalidate-{count}.txt", [paths[i] for i in chosen], etags)
        full = _listing(tmp / f"full-{count}.txt", paths)
        with anchor(nginx, tmp, body) as static:
            rows = []
            for kind, listing, static_listing in (
                ("304 revalidation", revalidate, static.revalidate if static else None),
                ("200 full", full, static.full if static else None),
            ):
                run_wrk(wrk, script, port, listing, 1)  # warm up
                measured = run_wrk(wrk, script, port, listing, seconds)
                reference = None
                if static is not None and static_listing is not None:
                    run_wrk(wrk, script, static.port, static_listing, 1)
                    reference = run_wrk(wrk, script, static.port, static_listing, seconds)
                rows.append(Row(count, kind, measured, reference))
        rss = peak_rss_mb(process.pid)
    shutil.rmtree(folder)
    return rows, rss, note, body


def _version(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    found = re.search(r"\b(wrk \S+|nginx/\S+)", done.stdout + done.stderr)
    return found.group(1) if found else "?"


def _courses(count: int) -> str:
    return f"{count:>7,} course" + ("s" if count != 1 else "")


def _cell(value: float, digits: int = 0) -> str:
    return f"{value:,.{digits}f}"


def report(rows: list[Row], peaks: dict[int, float], notes: dict[int, str], have: bool) -> None:
    head = (f"{'courses':>7}  {'kind':<16} {'req/s':>8} {'nginx req/s':>11} {'ratio':>7}"
            f" {'p50 ms':>7} {'p99 ms':>7} {'bytes/resp':>10} {'non-2xx/3xx':>11} {'sock err':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    for row in rows:
        s, n = row.server, row.nginx
        nginx_rate = _cell(n.rate) if n else "-"
        ratio = f"{s.rate / n.rate:.3g}" if n and n.rate else "-"
        print(f"{row.courses:>7,}  {row.kind:<16} {_cell(s.rate):>8} {nginx_rate:>11} {ratio:>7}"
              f" {_cell(s.p50_ms, 1):>7} {_cell(s.p99_ms, 1):>7}"
              f" {_cell(s.bytes_per_response):>10} {s.non_2xx_3xx:>11,} {s.socket_errors:>8,}")  # fmt: skip
    if have:
        print("\nnginx runs (the anchor): non-2xx/3xx "
              + ", ".join(f"{r.nginx.non_2xx_3xx}" for r in rows if r.nginx)
              + "; socket errors "
              + ", ".join(f"{r.nginx.socket_errors}" for r in rows if r.nginx)
              + "; bytes/resp "
              + ", ".join(_cell(r.nginx.bytes_per_response) for r in rows if r.nginx))  # fmt: skip
    else:
        print("\nanchor missing: nginx not found, so no ratios (raw figures only)")
    print()
    for count, note in notes.items():
        print(f"{_courses(count)}: {note}")
    print()
    for count, peak in peaks.items():
        verdict = "met" if peak < RSS_GOAL_MB else "NOT met"
        print(f"peak RSS (VmHWM) of the server, {_courses(count)}: {peak:6.1f} MB"
              f"  (goal < {RSS_GOAL_MB} MB: {verdict})")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--courses", default="1,10000", help="course counts (1,10000)")
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run (5)")
    parser.add_argument("--quick", action="store_true", help="1,1000 courses, 2 s runs")
    args = parser.parse_args(argv)
    if args.quick:
        args.courses, args.duration = "1,1000", 2
    try:
        counts = [int(n) for n in args.courses.split(",")]
    except ValueError:
        parser.error(f"--courses must be numbers separated by commas: {args.courses}")
    if not counts or min(counts) < 1 or args.duration < 1:
        parser.error("--courses must be >= 1 and --duration >= 1")
    wrk = shutil.which("wrk") or ("/usr/bin/wrk" if os.access("/usr/bin/wrk", os.X_OK) else None)
    if wrk is None:
        print("bench/feed.py: wrk not found (Debian: apt-get install wrk)", file=sys.stderr)
        return 2
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None
    )
    started = time.monotonic()
    rows: list[Row] = []
    peaks: dict[int, float] = {}
    notes: dict[int, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-feed-") as tmp:
        for count in counts:
            block, peaks[count], notes[count], body = bench_courses(
                count, args.duration, wrk, nginx, Path(tmp)
            )
            rows += block
    print(f"Feed server ({sys.executable} -m scheduler serve, one process), {os.cpu_count()} CPUs")
    print(f"load: {_version([wrk, '--version'])}, -t{THREADS} -c{CONNECTIONS} -d{args.duration}s"
          f" --timeout {TIMEOUT}, a random course per request (Lua), 1 s warm-up run before each")  # fmt: skip
    if nginx:
        print(f"anchor: {_version([nginx, '-v'])}, 1 worker, access_log off, etag on, the same"
              f" {len(body):,} .ics bytes as a static file")  # fmt: skip
    print(f"feed: aldesleukin-sc, 11 cycles, {body.count(b'BEGIN:VEVENT')} events in the window"
          f" (30 days back, 400 ahead), SCHEDULER_NOW={NOW}")  # fmt: skip
    print(
        "one run on a shared 2-core machine, wrk beside the server: absolute figures are noisy,"
        " compare the ratios\n"
    )
    report(rows, peaks, notes, nginx is not None)
    print(f"\ntook {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
