"""A CalDAV server that misbehaves, for tests/test_publish_hostile.py: a threaded http.server on
127.0.0.1 (a free port) that answers every request the way its ``mode`` says, records what it
was sent, and stops by itself (every slow answer is bounded in time, every large one in size).

Modes:

- ``huge``: a 207 declaring a 100 MiB body (then sends up to 16 MiB of it);
- ``huge-unsized``: a 207 without a length, 16 MiB of XML until the connection closes;
- ``trickle``: a 207 whose body comes one byte every ``pace`` seconds;
- ``trickle-head``: the status line and headers themselves one byte every ``pace`` seconds;
- ``silent``: reads the request and never answers;
- ``redirect-loop``: every path redirects to the next (``/0`` -> ``/1`` -> ...), for ever;
- ``redirect-away``: a 307 to ``target`` (another server: tests check that no login follows);
- ``malformed``: a 207 whose XML breaks off;
- ``garbage-status``: a status line that is not HTTP;
- ``not-multistatus``: 200 with an HTML page to a PROPFIND;
- ``entities``: a 207 with a document type declaring nested entities (a "billion laughs");
- ``refuse``: 401 to everything (the second server of ``redirect-away``, which only records).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["MODES", "Hostile", "hostile_server"]

MODES = (
    "huge", "huge-unsized", "trickle", "trickle-head", "silent", "redirect-loop",
    "redirect-away", "malformed", "garbage-status", "not-multistatus", "entities", "refuse",
)  # fmt: skip
#: No answer of this server lasts longer than this, whoever is (not) reading it.
LONGEST = 30.0
_MIB = 1024 * 1024
_MULTISTATUS = (
    b'<?xml version="1.0"?>\n<D:multistatus xmlns:D="DAV:"><D:response><D:href>/</D:href>'
    b"<D:propstat><D:prop><D:displayname>x</D:displayname></D:prop>"
    b"<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>\n"
)
_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + str(n - 1 or "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b']>\n<D:multistatus xmlns:D="DAV:"><D:response><D:href>&lol9;</D:href></D:response>'
    b"</D:multistatus>\n"
)


@dataclass
class Hostile:
    """A running hostile server: its URL and the requests it was sent."""

    url: str
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    """(method, path, headers) of each request, in order."""

    def authorizations(self) -> list[str]:
        return [h["authorization"] for _, _, h in self.seen if "authorization" in h]


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: object) -> None:
        pass  # quiet: the tests read what was seen from Hostile.seen

    def _any(self) -> None:
        hostile: Hostile = self.server.hostile
        headers = {k.lower(): v for k, v in self.headers.items()}
        hostile.seen.append((self.command, self.path, headers))
        length = int(headers.get("content-length", "0") or 0)
        if length:
            self.rfile.read(min(length, 16 * _MIB))
        # A client giving up (as it should) breaks the connection under the answer.
        with suppress(BrokenPipeError, ConnectionResetError, TimeoutError):
            getattr(self, "_" + self.server.mode.replace("-", "_"))()

    do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_MKCALENDAR = _any

    # -- the modes ----------------------------------------------------------------------------

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def _stream(self, total: int) -> None:
        chunk = b"<D:x>" + b"y" * 65530 + b"</D:x>"
        self.wfile.write(b'<D:multistatus xmlns:D="DAV:">')
        sent = 0
        deadline = time.monotonic() + LONGEST
        while sent < total and time.monotonic() < deadline and not self.server.stopping.is_set():
            self.wfile.write(chunk)
            sent += len(chunk)

    def _huge(self) -> None:
        self._head(207, {"Content-Type": "application/xml", "Content-Length": str(100 * _MIB)})
        self._stream(16 * _MIB)

    def _huge_unsized(self) -> None:
        self._head(207, {"Content-Type": "application/xml"})
        self._stream(16 * _MIB)

    def _trickle(self) -> None:
        self._head(207, {"Content-Type": "application/xml",
                         "Content-Length": str(len(_MULTISTATUS))})  # fmt: skip
        self._slowly(_MULTISTATUS)

    def _trickle_head(self) -> None:
        self._slowly(b"HTTP/1.1 207 Multi-Status\r\nContent-Type: application/xml\r\n"
                     b"Content-Length: %d\r\n\r\n" % len(_MULTISTATUS) + _MULTISTATUS)  # fmt: skip
        self.close_connection = True

    def _slowly(self, data: bytes) -> None:
        deadline = time.monotonic() + LONGEST
        for byte in data:
            if time.monotonic() > deadline or self.server.stopping.wait(self.server.pace):
                return
            self.wfile.write(bytes([byte]))
            self.wfile.flush()

    def _silent(self) -> None:
        self.server.stopping.wait(LONGEST)
        self.close_connection = True

    def _redirect_loop(self) -> None:
        step = int(self.path.strip("/") or 0) if self.path.strip("/").isdigit() else 0
        self._head(301, {"Location": f"/{step + 1}", "Content-Length": "0"})

    def _redirect_away(self) -> None:
        self._head(307, {"Location": self.server.target + "/dav/", "Content-Length": "0"})

    def _malformed(self) -> None:
        body = _MULTISTATUS[: len(_MULTISTATUS) // 2]
        self._head(207, {"Content-Type": "application/xml", "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _garbage_status(self) -> None:
        self.wfile.write(b"HTTP/1.1 banana\r\n\r\n<html>not http</html>")
        self.close_connection = True

    def _not_multistatus(self) -> None:
        body = b"<html><body>Welcome to our web site</body></html>"
        self._head(200, {"Content-Type": "text/html", "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _entities(self) -> None:
        self._head(207, {"Content-Type": "application/xml", "Content-Length": str(len(_LAUGHS))})
        self.wfile.write(_LAUGHS)

    def _refuse(self) -> None:
        self._head(401, {"WWW-Authenticate": 'Basic realm="x"', "Content-Length": "0"})


@contextmanager
def hostile_server(mode: str, *, pace: float = 0.5, target: str = "") -> Iterator[Hostile]:
    """A server on 127.0.0.1 answering as ``mode`` says (see the module's docstring); ``pace``:
    seconds between the bytes of a trickle; ``target``: where ``redirect-away`` sends to."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: one of {', '.join(MODES)}")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    hostile = Hostile(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.hostile = hostile  # type: ignore[attr-defined]
    httpd.mode = mode  # type: ignore[attr-defined]
    httpd.pace = pace  # type: ignore[attr-defined]
    httpd.target = target  # type: ignore[attr-defined]
    httpd.stopping = threading.Event()  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield hostile
    finally:
        httpd.stopping.set()  # type: ignore[attr-defined]
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
