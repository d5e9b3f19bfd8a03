"""A real CalDAV server for the tests: Radicale, started on 127.0.0.1 on a free port with its
storage in a temporary folder, stopped when the test module is done."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import require

__all__ = ["free_port", "radicale_server"]

# Radicale's own server, configured the way its test suite does: storage in a temporary folder
# without fsync (a private option, so set in code rather than a config file), which otherwise
# makes a PUT of a few hundred events take seconds. With users, logins are checked against a
# plain-text htpasswd file; without, any login is accepted.
_LAUNCHER = (
    "import sys; from radicale import config, server, log; log.setup(); "
    "c = config.load(); "
    "auth = {'type': 'htpasswd', 'htpasswd_filename': sys.argv[3], "
    "'htpasswd_encryption': 'plain'} if sys.argv[3] else {'type': 'none'}; "
    "c.update({'storage': {'filesystem_folder': sys.argv[1], '_filesystem_fsync': 'False'}, "
    "'auth': auth, 'server': {'hosts': sys.argv[2]}, "
    "'logging': {'level': 'warning'}}, 'test', privileged=True); "
    "server.serve(c)"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def radicale_server(folder: Path, users: dict[str, str] | None = None) -> Iterator[str]:
    """``http://127.0.0.1:PORT``: Radicale serving from ``folder``; skipped locally (failed under
    CI=true) when Radicale or the caldav client is not installed."""
    require(importlib.util.find_spec("radicale") is not None, "Radicale is not installed")
    require(importlib.util.find_spec("caldav") is not None, "the caldav client is not installed")
    passwords = ""
    if users is not None:
        passwords = str(folder / "users")
        Path(passwords).write_text("".join(f"{u}:{p}\n" for u, p in users.items()))
    port = free_port()
    log = folder / "log"
    server = subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, str(folder / "data"), f"127.0.0.1:{port}", passwords],
        stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Radicale did not start: {log.read_text()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)
