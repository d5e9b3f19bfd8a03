"""Fixtures shared by the tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import JS_DIR, require


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
