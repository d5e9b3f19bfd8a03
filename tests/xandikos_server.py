"""A second, independent CalDAV server for the tests: Xandikos (git-backed, aiohttp), started on
127.0.0.1 on a free port with its storage in a temporary folder, stopped when the test module is
done.

Xandikos only checks logins itself over HTTPS (``--htpasswd`` requires ``--autocert``, a
self-signed certificate the client would have to be told to trust), so it runs here without
logins: the user name and password a client sends are ignored. Refused logins are tested against
Radicale (tests/radicale_server.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers import require
from tests.radicale_server import free_port

__all__ = ["xandikos_server"]


@contextmanager
def xandikos_server(folder: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT``: Xandikos serving from ``folder``, with one principal
    (``/user/``, its calendar home made at start by ``--defaults``); skipped locally (failed
    under CI=true) when Xandikos or the caldav client is not installed."""
    require(importlib.util.find_spec("xandikos") is not None, "Xandikos is not installed")
    require(importlib.util.find_spec("caldav") is not None, "the caldav client is not installed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "log"
    server = subprocess.Popen(
        [sys.executable, "-m", "xandikos.web", "--listen-address", "127.0.0.1",
         "--port", str(port), "--directory", str(folder / "data"), "--defaults"],
        stdout=log.open("w"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(url + "/", timeout=1):
                    break
            except urllib.error.HTTPError:
                break  # it answered
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    require(False, f"Xandikos did not start: {log.read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
