"""The browser plumbing itself works: headless chromium loads a page from a local server, runs
a same-origin script, clicks, prints to PDF; zbarimg reads back a QR code that segno made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import segno

from tests.web.browser import decode_qr, pdf_text

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.external

_HTML = """<!doctype html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Plumbing</title><script src="/app.js" defer></script></head>
<body>
<h1>Treatment day list</h1>
<form id="note"><label>Patient <input name="patient" id="patient"></label>
<button type="submit" id="save">Save</button></form>
<p id="status">Nothing saved yet</p>
</body>
</html>
"""

_SCRIPT = """document.getElementById("note").addEventListener("submit", (event) => {
  event.preventDefault();
  const who = document.getElementById("patient").value;
  document.getElementById("status").textContent = "Saved a note for " + who;
});
"""


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def site(tmp_path: Path) -> Iterator[str]:
    """A tiny static site on 127.0.0.1 (a free port), served from a thread."""
    (tmp_path / "index.html").write_text(_HTML, encoding="utf-8")
    (tmp_path / "app.js").write_text(_SCRIPT, encoding="utf-8")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(tmp_path)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_click_changes_the_page_and_it_prints(page: Page, site: str) -> None:
    page.goto(site)
    assert page.locator("#status").text_content() == "Nothing saved yet"
    page.fill("#patient", "Ada Lovelace")
    page.click("#save")
    page.wait_for_function(
        "document.getElementById('status').textContent.startsWith('Saved')", timeout=10_000
    )
    assert page.locator("#status").text_content() == "Saved a note for Ada Lovelace"
    assert page.url == site  # the script stopped the submit, so no navigation

    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    assert "Treatment day list" in text
    assert "Saved a note for Ada Lovelace" in text


def test_qr_code_reads_back() -> None:
    url = "https://example.org/feeds/abc.ics"
    buf = BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=5)
    assert decode_qr(buf.getvalue()) == [url]
