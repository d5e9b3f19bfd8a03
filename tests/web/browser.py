"""Browser-test plumbing for the staff web app: Playwright for Python driving Debian's chromium.

Never a browser download (no ``playwright install``): the browser is the system's ``chromium``,
installed by scripts/test.sh. When chromium, the playwright package or zbarimg is missing, the
tests that need them are skipped locally and fail under CI=true (``tests.helpers.require``).

Import the fixtures into a test module (or a conftest) to use them::

    from tests.web.browser import browser, page  # noqa: F401
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader

from tests.helpers import require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

#: Headless chromium as root, on a machine with no network: no sandbox (root), no GPU, and
#: nothing that phones home (QUIC, first-run, component updates, sync, background fetches).
#: /dev/shm is small in containers, hence --disable-dev-shm-usage.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def chromium_path() -> str | None:
    """Debian's chromium (or Ubuntu's chromium-browser), or None."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.access("/usr/bin/chromium", os.X_OK):
        found = "/usr/bin/chromium"
    return found


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless chromium for the whole session (a launch takes about a second)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    require(sync_playwright is not None, "playwright (Python package) is not installed")
    executable = chromium_path()
    require(executable is not None, "chromium is not installed (apt-get install chromium)")
    assert sync_playwright is not None
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=list(CHROMIUM_ARGS)
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh context and page; a full-page screenshot goes to $ARTIFACTS_DIR when set."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    try:
        opened = context.new_page()
        yield opened
        folder = os.environ.get("ARTIFACTS_DIR")
        if folder:
            name = re.sub(r"[^A-Za-z0-9._-]+", "_", request.node.name).strip("._") or "page"
            Path(folder).mkdir(parents=True, exist_ok=True)
            opened.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)
    finally:
        context.close()


def decode_qr(png: bytes) -> list[str]:
    """The texts of the QR codes in a PNG, read by Debian's zbarimg (package zbar-tools)."""
    zbarimg = shutil.which("zbarimg")
    require(zbarimg is not None, "zbarimg (Debian zbar-tools) not found")
    assert zbarimg is not None
    with tempfile.TemporaryDirectory() as scratch:
        image = Path(scratch) / "code.png"
        image.write_bytes(png)
        done = subprocess.run(
            [zbarimg, "--raw", "-q", str(image)], capture_output=True, timeout=60, check=False
        )
    # zbarimg exits 4 when it finds no symbol: that is an empty answer, not an error.
    if done.returncode not in (0, 4):
        raise RuntimeError(
            f"zbarimg failed ({done.returncode}): {done.stderr.decode(errors='replace')}"
        )
    return [line for line in done.stdout.decode().splitlines() if line]


def pdf_text(pdf: bytes) -> str:
    """The text of every page of a PDF, pages joined by newlines."""
    return "\n".join(sheet.extract_text() for sheet in PdfReader(BytesIO(pdf)).pages)


__all__ = ["browser", "chromium_path", "decode_qr", "page", "pdf_text"]
