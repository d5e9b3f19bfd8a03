"""Fixtures shared by the tests."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from datetime import date
from functools import partial
from pathlib import Path

import pytest

from tests.helpers import JS_DIR, REPO, require
from tests.readers import (
    READERS,
    Doses,
    Reader,
    icalendar_doses,
    icaljs_doses,
    libical_doses,
    own_zone,
    vobject_doses,
)


@pytest.fixture(autouse=True)
def _nobody_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Course entries record who made them, by default this machine's login name: tests say
    it themselves (SCHEDULER_USER), so their files and words do not depend on the machine."""
    monkeypatch.setenv("SCHEDULER_USER", "")


@pytest.fixture
def node_ical() -> Path:
    """The ical.js reader script, when node and the npm package are installed."""
    node = shutil.which("node")
    require(node is not None, "node is not installed")
    require(
        (JS_DIR / "node_modules" / "ical.js").is_dir(),
        "ical.js is not installed (npm ci --prefix tests/js)",
    )
    return JS_DIR / "read_ics.mjs"


@pytest.fixture(scope="session")
def libical_reader(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/libical/read_ics.c compiled against Debian's libical-dev, when a C compiler,
    pkg-config and the library are installed (scripts/test.sh installs them as root).

    A small C program rather than libical's GObject bindings (gir1.2-ical-3.0 + python3-gi):
    python3-gi is built for Debian's own /usr/bin/python3, and the suite runs in the project's
    venv, whose Python is not necessarily that build (here 3.11.7 from pyenv against Debian's
    3.11.2) and cannot import it. The C API is libical's own, what Evolution calls."""
    compiler = shutil.which("gcc") or shutil.which("cc")
    require(compiler is not None, "no C compiler (apt-get install gcc) for the libical reader")
    require(shutil.which("pkg-config") is not None, "pkg-config is not installed")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libical"], capture_output=True,
                           text=True, check=False)  # fmt: skip
    require(flags.returncode == 0, "libical is not installed (apt-get install libical-dev)")
    assert compiler is not None
    binary = tmp_path_factory.mktemp("libical") / "read_ics"
    source = REPO / "tests" / "libical" / "read_ics.c"
    built = subprocess.run(
        [compiler, "-std=c11", "-O1", "-Wall", "-Werror=implicit-function-declaration",
         "-o", str(binary), str(source), *shlex.split(flags.stdout)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return binary


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest, tmp_path: Path) -> Reader:
    """Each independent reader in turn, called with .ics bytes for the doses it sees; vobject
    and icalendar through the file's own VTIMEZONE (``own_zone``), as libical and ical.js
    always read it."""
    name: str = request.param
    if name == "libical":
        return Reader(name, partial(libical_doses, request.getfixturevalue("libical_reader"),
                                    tmp=tmp_path))  # fmt: skip
    if name == "ical.js":
        return Reader(name, partial(icaljs_doses, request.getfixturevalue("node_ical"),
                                    tmp=tmp_path))  # fmt: skip
    if name == "vobject":
        return Reader(name, _vobject_own)
    return Reader(name, _icalendar_own)


def _vobject_own(data: bytes) -> Doses:
    return vobject_doses(own_zone(data))


def _icalendar_own(data: bytes) -> Doses:
    return icalendar_doses(own_zone(data), date(1900, 1, 1), date(3000, 1, 1))
