"""A clinic app served for a test: ``scheduler serve --store`` on 127.0.0.1 with a nurse's
account, "today" from the test's clock, its log kept."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.feed.serving import serving

PASSWORD = "correct horse battery staple"


def add_user(store: str, name: str = "nurse.a", password: str = PASSWORD) -> None:
    env = {**os.environ, "PW": password, "SCHEDULER_NOW": "2027-01-01T09:00:00Z"}
    done = subprocess.run([sys.executable, "-m", "scheduler", "users", "add", name, "--store", store,
                           "--password-env", "PW"], env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr


@contextmanager
def clinic(
    store: str, log: Path, now: str, public: str = "https://feeds.example.org"
) -> Iterator[str]:
    with serving(None, "--store", store, "--public-url", public, now=now, log=log) as (base, _):
        yield base
