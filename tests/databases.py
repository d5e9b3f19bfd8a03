"""The stores under test: SQLite in a temporary file, and a real PostgreSQL server started for
the session on 127.0.0.1 (the machine's initdb and pg_ctl; run as the postgres user when the
tests run as root, since PostgreSQL refuses root). Locally a missing PostgreSQL skips its
cases; under CI=true it fails."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import require


def postgres_tools() -> tuple[str, str] | None:
    """The machine's initdb and pg_ctl (on the PATH, or Debian's versioned folder), or None."""
    found = []
    for name in ("initdb", "pg_ctl"):
        tool = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                                                      reverse=True)), None)  # fmt: skip
        if tool is None:
            return None
        found.append(tool)
    return found[0], found[1]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def throwaway_postgres(tools: tuple[str, str]) -> Iterator[str]:
    """A PostgreSQL server of its own on a free loopback port (trust authentication, fsync off)
    for the block: the URL of its maintenance database. Also bench/web.py's."""
    initdb, pg_ctl = tools
    # Not under pytest's own temporary folder: that is private to this user (0700), and the
    # server runs as postgres when the tests run as root.
    base = Path(tempfile.mkdtemp(prefix="scheduler-pg-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL will not run as root
        os.chmod(base, 0o755)
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    try:
        subprocess.run([*prefix, initdb, "-D", str(data), "--auth=trust", "-U", "postgres",
                        "--encoding=UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)  # fmt: skip
        options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"),
                        "-w", "-t", "60", "start"], check=True, capture_output=True)  # fmt: skip
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, check=False)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def new_database(server: str, name: str) -> str:
    """A new, empty database called ``name`` on ``server``: its URL."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a throwaway PostgreSQL server's maintenance database."""
    tools = postgres_tools()
    require(tools is not None, "PostgreSQL (initdb, pg_ctl) not found")
    assert tools is not None
    with throwaway_postgres(tools) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A new, empty database on the session's server."""
    return new_database(postgres_server, "t" + uuid.uuid4().hex[:16])


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store in turn: SQLite in a file, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clinic.db'}"
    return str(request.getfixturevalue("postgres_url"))
