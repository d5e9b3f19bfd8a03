"""Start the real feed server (``python -m scheduler serve``) on a free loopback port for a
test, and fetch from it; shared by the feed server, hostile and proxy tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scheduler.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def at(when: str, *argv: str) -> int:
    """Run the CLI with "now" at ``when``."""
    os.environ["SCHEDULER_NOW"] = when
    try:
        return main(list(argv))
    finally:
        del os.environ["SCHEDULER_NOW"]


def new_course(folder: Path, name: str, *extra: str, start: str = "2027-01-04") -> Path:
    """A course of aldesleukin-sc (11 cycles, London) with a patient token, made on 2 Jan 2027."""
    course = folder / f"{name}.toml"
    assert at("2027-01-02T10:00:00Z", "course", "new", "aldesleukin-sc", "--start", start,
              "--cycles", "11", "--tz", "Europe/London", "-o", str(course), *extra) == 0  # fmt: skip
    assert at("2027-01-02T10:00:00Z", "course", "rotate-token", str(course)) == 0
    return course


def token_of(course: Path, reader: str = "patient") -> str:
    text = course.with_name(course.name[:-5] + ".feed.toml").read_text()
    match = re.search(rf'name = "{reader}"\ntoken = "([^"]+)"', text)
    assert match, text
    return match.group(1)


@contextmanager
def serving(
    folder: Path | None,
    *options: str,
    now: str,
    log: Path,
    preexec: Callable[[], None] | None = None,
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The server over ``folder`` (or the ``--store`` in ``options``) with ``options``, "today"
    from ``now``, its output in ``log``."""
    port = free_port()
    env = {**os.environ, "SCHEDULER_NOW": now}
    where = ["--courses", str(folder)] if folder is not None else []
    with log.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "scheduler", "serve", *where, "--port", str(port), *options],
            stdout=sink, stderr=sink, env=env, preexec_fn=preexec,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    server.kill()
                    pytest.fail(f"the feed server did not start: {log.read_text()}")
                time.sleep(0.1)
        try:
            yield base, server
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


def fetch(url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, \
                response.read()  # fmt: skip
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()
