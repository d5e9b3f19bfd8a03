"""A small WebDAV/CalDAV client over ``http.client``, for publishing to a server that may
misbehave: every answer is read with a size bound (:data:`MAX_ANSWER_BYTES`) and within an
overall time limit per request (not per socket read: a timer cuts the connection), redirects
are followed a few times and only on the server given (a login never goes anywhere else), and a
password never crosses the network in plain ``http://`` unless the caller says ``insecure``.
Multistatus answers are parsed without entity declarations. Basic login only.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from .errors import PublishError

__all__ = [
    "CAL",
    "DAV",
    "MAX_ANSWER_BYTES",
    "MAX_REDIRECTS",
    "TIMEOUT",
    "XMLNS",
    "Answer",
    "Client",
    "Item",
    "check_plain_http",
    "check_url",
    "display_name",
    "href_in",
    "is_a",
    "multistatus",
    "origin",
    "props",
    "resource_path",
    "shown",
    "status_of",
    "talking_to",
]

#: Seconds one request may take, from connecting to the last byte of its answer (redirects
#: are requests of their own).
TIMEOUT = 30.0
#: The largest answer read from the server (4 MiB); a larger one is refused, not read.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
#: Redirects followed for one request.
MAX_REDIRECTS = 3
DAV, CAL = "DAV:", "urn:ietf:params:xml:ns:caldav"
XMLNS = f'xmlns:D="{DAV}" xmlns:C="{CAL}"'
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


# -- URLs -------------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The server part of ``url`` (``https://host:port``), for messages; refuses what is not an
    http(s) URL, and a password written into it (it belongs in an environment variable)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as err:
        raise PublishError(f"{url!r} is not a URL ({err})", field="caldav") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PublishError(
            f"{url!r} is not an http:// or https:// URL of a CalDAV server", field="caldav"
        )
    if parts.password is not None:
        raise PublishError(
            "the URL holds a password: give the user name on its own and the password in an "
            "environment variable",
            field="caldav",
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def check_plain_http(url: str, password: str | None, *, insecure: bool) -> None:
    """Refuses to send a password unencrypted to another machine (``insecure`` allows it)."""
    parts = urlsplit(url.strip())
    if password is None or parts.scheme != "http" or insecure or _loopback(parts.hostname or ""):
        return
    raise PublishError(
        f"the password would cross the network unencrypted (plain http:// to {parts.hostname}, "
        "which is not this machine): use https://",
        field="insecure",
    )


def _loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def resource_path(url: str) -> str:
    """A resource's path, decoded, for comparing hrefs that servers spell differently."""
    return unquote(urlsplit(url).path).rstrip("/") or "/"


def shown(text: str, longest: int = 120) -> str:
    """What a server sent, safe to print in one line: no control characters, bounded."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= longest else clean[: longest - 1] + "…"


# -- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    url: str
    """Where the answer came from, after redirects."""


class Client:
    """HTTP/1.1 to one server, one kept-alive connection at a time. Every request is bounded:
    ``timeout`` seconds from connecting to its answer's last byte (a timer cuts the connection,
    so a server trickling a byte a second gains nothing) and :data:`MAX_ANSWER_BYTES`."""

    def __init__(
        self, url: str, user: str | None, password: str | None, timeout: float, server: str
    ) -> None:
        self.origin = origin(url.strip())
        self.server = server
        self.user = user
        self.password = password
        self.timeout = timeout
        self.max_bytes = MAX_ANSWER_BYTES
        self._auth = None
        if password is not None:
            token = base64.b64encode(f"{user or ''}:{password}".encode()).decode("ascii")
            self._auth = f"Basic {token}"
        self._conn: http.client.HTTPConnection | None = None
        self._conn_origin: tuple[str, str, int] | None = None
        self._tls: ssl.SSLContext | None = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_: object) -> None:
        self._drop()

    def request(
        self, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> Answer:
        """One request, following at most :data:`MAX_REDIRECTS` redirects on this server."""
        for _ in range(MAX_REDIRECTS + 1):
            self._check_target(url)
            answer = self._exchange(method, url, body, headers or {})
            location = answer.headers.get("Location")
            if answer.status not in _REDIRECTS or not location:
                return answer
            url = urljoin(url, location.strip())
        raise PublishError(
            f"the server at {self.server} redirected more than {MAX_REDIRECTS} times "
            "(a redirect loop?)",
            field="caldav",
        )

    def _check_target(self, url: str) -> None:
        """Only the server given (or the same host upgraded to https) is ever asked anything:
        the login goes nowhere else."""
        scheme, host, port = origin(url)
        given_scheme, given_host, given_port = self.origin
        if scheme not in ("http", "https") or host != given_host:
            raise PublishError(
                f"the server at {self.server} sends us to another server ({shown(url)}): not "
                "followed, so that nothing (the login least of all) goes elsewhere; give that "
                "URL instead",
                field="caldav",
            )
        if given_scheme == "https" and scheme == "http":
            raise PublishError(
                f"the server at {self.server} sends us from https:// to plain http:// "
                f"({shown(url)}): not followed",
                field="caldav",
            )
        if scheme == given_scheme and port != given_port:
            raise PublishError(
                f"the server at {self.server} sends us to another port ({shown(url)}): not "
                "followed, so that nothing (the login least of all) goes elsewhere; give that "
                "URL instead",
                field="caldav",
            )

    def _exchange(self, method: str, url: str, body: bytes, extra: dict[str, str]) -> Answer:
        parts = urlsplit(url)
        target = (quote(parts.path, safe="/%:@!$&'()*+,;=~-._") or "/") + (
            f"?{parts.query}" if parts.query else ""
        )
        headers = {"User-Agent": "treatment-scheduler", "Accept-Encoding": "identity", **extra}
        if self._auth is not None:
            headers["Authorization"] = self._auth
        deadline = time.monotonic() + self.timeout
        for attempt in (1, 2):
            conn, reused = self._connection(origin(url), deadline)
            cut, held = threading.Event(), _Held(conn)
            timer = threading.Timer(max(0.0, deadline - time.monotonic()), held.cut, (cut,))
            timer.daemon = True
            timer.start()
            try:
                try:
                    if conn.sock is None:
                        conn.connect()  # bounded: the connection's timeout is the time left
                    # Kept apart: the connection lets go of its socket as soon as an answer
                    # says "Connection: close", while the answer is still read from it.
                    held.sock = conn.sock
                    conn.request(method, target, body=body, headers=headers)
                    response = conn.getresponse()
                except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                    # A kept-alive connection the server closed meanwhile: once more, anew.
                    if reused and attempt == 1 and not cut.is_set():
                        self._drop()
                        continue
                    raise
                data = self._read(response)
            except (OSError, http.client.HTTPException):
                self._drop()
                if cut.is_set() or time.monotonic() >= deadline:
                    raise self._too_slow() from None
                raise
            except PublishError:
                self._drop()
                raise
            finally:
                timer.cancel()
            if cut.is_set():
                self._drop()
                raise self._too_slow()
            if response.will_close:
                self._drop()
            return Answer(response.status, response.reason or "", response.headers, data, url)
        raise AssertionError("unreachable")  # pragma: no cover

    def _too_slow(self) -> PublishError:
        return PublishError(
            f"the CalDAV server at {self.server} did not answer in full within "
            f"{self.timeout:g} s (the time limit of one request)"
        )

    def _read(self, response: http.client.HTTPResponse) -> bytes:
        length = (response.getheader("Content-Length") or "").strip()
        if length.isdigit() and int(length) > self.max_bytes:
            raise self._too_big()
        chunks: list[bytes] = []
        total = 0
        while chunk := response.read1(65536):
            total += len(chunk)
            if total > self.max_bytes:
                raise self._too_big()
            chunks.append(chunk)
        # read1 returns nothing once the length is reached without marking the answer done;
        # done it is, and the connection free for the next request.
        response.close()
        return b"".join(chunks)

    def _too_big(self) -> PublishError:
        return PublishError(
            f"the CalDAV server at {self.server} sent an answer larger than "
            f"{self.max_bytes // (1024 * 1024)} MiB (the limit of one answer): not read"
        )

    def _connection(
        self, origin: tuple[str, str, int], deadline: float
    ) -> tuple[http.client.HTTPConnection, bool]:
        if self._conn is not None and self._conn_origin == origin:
            return self._conn, True
        self._drop()
        scheme, host, port = origin
        wait = max(0.001, deadline - time.monotonic())
        conn: http.client.HTTPConnection
        if scheme == "https":
            if self._tls is None:
                self._tls = ssl.create_default_context()
            conn = http.client.HTTPSConnection(host, port, timeout=wait, context=self._tls)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=wait)
        self._conn, self._conn_origin = conn, origin
        return conn, False

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = self._conn_origin = None

    # -- WebDAV -------------------------------------------------------------------------------

    def dav(self, method: str, url: str, body: str, depth: str) -> tuple[str, list[Item]]:
        """A PROPFIND or REPORT: where it was answered from, and its multistatus responses."""
        answer = self.request(
            method,
            url,
            body.encode("utf-8"),
            {"Content-Type": "application/xml; charset=utf-8", "Depth": depth},
        )
        self.check(answer, method)
        if answer.status != 207:
            raise PublishError(
                f"the server at {self.server} does not answer as a CalDAV server ({method} "
                f"answered {answer.status} {shown(answer.reason, 40)}, not 207 Multi-Status)"
            )
        return answer.url, multistatus(answer.body, self.server, method)

    def check(self, answer: Answer, method: str, what: str = "") -> None:
        """Refused logins and errors as one line each."""
        if 200 <= answer.status < 300:
            return
        if answer.status == 401:
            if self.password is None:
                raise PublishError(
                    f"the CalDAV server at {self.server} asks for a user name and password",
                    field="user",
                )
            raise PublishError(
                f"the CalDAV server at {self.server} refused the user name or password "
                "(401 Unauthorized)",
                field="password_env",
            )
        if answer.status == 403:
            raise PublishError(
                f"the CalDAV server at {self.server} refused access to the calendar "
                "(403 Forbidden)",
                field="user",
            )
        if answer.status in _REDIRECTS:
            raise PublishError(
                f"the server at {self.server} answered {method} with a redirect but no "
                "Location to go to"
            )
        about = f" {what}" if what else ""
        raise PublishError(
            f"the CalDAV server at {self.server} answered {method}{about} with an error: "
            f"{answer.status} {shown(answer.reason, 60)}".rstrip()
        )


class _Held:
    """The socket of one request, for the timer that ends it when its time is up."""

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        self.conn = conn
        self.sock: socket.socket | None = None

    def cut(self, cut: threading.Event) -> None:
        """Shut the socket, which wakes the read waiting on it."""
        cut.set()
        sock = self.sock or self.conn.sock
        if sock is not None:
            with suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def talking_to(server: str) -> Iterator[None]:
    """Every failure of the conversation with ``server`` as one PublishError line."""
    try:
        yield
    except http.client.HTTPException as err:
        raise PublishError(
            f"the server at {server} does not answer as an HTTP server "
            f"({type(err).__name__}{': ' + shown(str(err), 80) if str(err) else ''})"
        ) from None
    except OSError as err:
        raise PublishError(f"cannot reach the CalDAV server at {server}: {_why(err)}") from None


def _why(err: OSError) -> str:
    text = str(err)
    if isinstance(err, TimeoutError) or "timed out" in text:
        return "no answer in time"
    if isinstance(err, ConnectionRefusedError) or "refused" in text.lower():
        return "connection refused"
    if isinstance(err, socket.gaierror) or "Name or service not known" in text:
        return "unknown host name"
    if isinstance(err, ssl.SSLError) or "certificate" in text.lower():
        return "the TLS connection failed (certificate?)"
    if isinstance(err, ConnectionResetError | BrokenPipeError):
        return "the connection was cut"
    return shown(" ".join(text.split()), 200)


# -- WebDAV answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One response of a multistatus: its href and the properties found (status 2xx)."""

    href: str
    props: dict[str, ET.Element]


def multistatus(body: bytes, server: str, method: str) -> list[Item]:
    # A DAV answer never needs a DTD; refusing one leaves entity expansion no way in.
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise PublishError(
            f"the server at {server} does not answer as a CalDAV server ({method}: a document "
            "type declaration, which a WebDAV answer never has)"
        )
    try:
        root = ET.fromstring(body)
    except ET.ParseError as err:
        raise PublishError(
            f"the server at {server} does not answer as a CalDAV server ({method}: malformed "
            f"XML, {err})"
        ) from None
    if root.tag != f"{{{DAV}}}multistatus":
        raise PublishError(
            f"the server at {server} does not answer as a CalDAV server ({method}: "
            f"{shown(root.tag, 60)} rather than a multistatus)"
        )
    items = []
    for response in root.iter(f"{{{DAV}}}response"):
        href = (response.findtext(f"{{{DAV}}}href") or "").strip()
        if not href:
            continue
        props: dict[str, ET.Element] = {}
        for propstat in response.iter(f"{{{DAV}}}propstat"):
            if status_of(propstat.findtext(f"{{{DAV}}}status")) // 100 != 2:
                continue
            for prop in propstat.iter(f"{{{DAV}}}prop"):
                for element in prop:
                    props[element.tag] = element
        items.append(Item(href, props))
    return items


def status_of(line: str | None) -> int:
    """``HTTP/1.1 200 OK`` -> 200 (0 when it is not a status line)."""
    words = (line or "").split()
    return int(words[1]) if len(words) > 1 and words[1].isdigit() else 0


def href_in(item: Item, tag: str) -> str | None:
    element = item.props.get(tag)
    text = element.findtext(f"{{{DAV}}}href") if element is not None else None
    return text.strip() if text and text.strip() else None


def is_a(item: Item, kind: str) -> bool:
    types = item.props.get(f"{{{DAV}}}resourcetype")
    return types is not None and types.find(kind) is not None


def display_name(item: Item) -> str:
    element = item.props.get(f"{{{DAV}}}displayname")
    return " ".join((element.text or "").split()) if element is not None else ""


def props(*names: str) -> str:
    return "".join(f"<{name}/>" for name in names)
