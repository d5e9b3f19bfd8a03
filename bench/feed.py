"""Requests per second of the live feed (`scheduler serve`) for a one-year course, on loopback.

Starts the real server (uvicorn) in a subprocess, then runs a bounded loop of requests over
keep-alive connections from CLIENTS client processes: full responses (no validator) and
revalidations (If-None-Match: the 304 a polling calendar app gets when nothing changed).
Targets from issue 10: >= 300 full responses/s and >= 2,000 revalidations/s on 2 cores. The
client shares the machine with the server, so the figures are a floor.

Run: ``.venv/bin/python bench/feed.py [--requests N] [--clients K]``. Not a test: it prints
figures measured in one run and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = "2027-01-02T10:00:00Z"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*argv: str) -> None:
    env = {**os.environ, "SCHEDULER_NOW": NOW}
    subprocess.run([sys.executable, "-m", "scheduler", *argv], check=True, env=env,
                   capture_output=True)  # fmt: skip


def _client(job: tuple[int, str, int, str | None]) -> int:
    port, path, count, etag = job
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"If-None-Match": etag} if etag else {}
    done = 0
    for _ in range(count):
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status in (200, 304):
            done += 1
    conn.close()
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp) / "js.toml"
        _run("course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--until", "2027-12-31",
             "--tz", "Europe/London", "-o", str(course))  # fmt: skip
        _run("course", "rotate-token", str(course))
        token = re.search(r'token = "([^"]+)"', (Path(tmp) / "js.feed.toml").read_text())
        assert token
        path = f"/feeds/{token.group(1)}.ics"
        port = _port()
        server = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "serve", "--courses", tmp, "--port", str(port),
             "--no-access-log"],
            env={**os.environ, "SCHEDULER_NOW": NOW}, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            for _ in range(300):
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                    conn.request("GET", path)
                    first = conn.getresponse()
                    body = first.read()
                    etag = first.getheader("ETag")
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the server did not start")
            print(f"one-year feed: {len(body):,} bytes, {body.count(b'BEGIN:VEVENT')} events")
            per = args.requests // args.clients
            with Pool(args.clients) as pool:
                for label, validator, target in (("full responses", None, 300),
                                                 ("revalidations (304)", etag, 2000)):  # fmt: skip
                    pool.map(_client, [(port, path, 50, validator)] * args.clients)  # warm up
                    started = time.perf_counter()
                    done = sum(pool.map(_client, [(port, path, per, validator)] * args.clients))
                    rate = done / (time.perf_counter() - started)
                    verdict = "PASS" if rate >= target else "FAIL"
                    print(f"{label:<22} {rate:8.0f} requests/s  (target >= {target:,})  {verdict}")
        finally:
            server.terminate()
            server.wait(10)


if __name__ == "__main__":
    main()
