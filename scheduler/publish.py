"""Publishing a course to a CalDAV server (RFC 4791): each event one calendar object resource,
created or updated by UID, events that the course's history removed deleted, events that are
already right left alone — so a second run with no change does nothing — and nothing else in
the calendar ever written over or deleted.

The conversation with the server is this module's own small WebDAV client over ``http.client``
(PROPFIND, REPORT, MKCALENDAR, PUT, DELETE; Basic login), because publishing must hold against a
server that misbehaves: every answer is read with a size bound (:data:`MAX_ANSWER_BYTES`) and
within an overall time limit per request (``timeout``, not per socket read), redirects are
followed a few times and only on the server given, and a password never crosses the network in
plain ``http://`` unless the caller says ``insecure``.
"""

from __future__ import annotations

import base64
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urljoin, urlsplit
from xml.sax.saxutils import escape

from .errors import PublishError
from .plan.events import Event
from .planner import Planned

if TYPE_CHECKING:
    from .course.store import CourseStore

__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_REDIRECTS",
    "TIMEOUT",
    "Published",
    "event_resource",
    "publish",
    "publish_course",
    "same_event",
]

#: Seconds one request may take, from connecting to the last byte of its answer (redirects
#: are requests of their own).
TIMEOUT = 30.0
#: The largest answer read from the server (4 MiB); a larger one is refused, not read.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
#: Redirects followed for one request.
MAX_REDIRECTS = 3
# Resources asked for in one calendar-multiget REPORT: small enough that an answer stays far
# below MAX_ANSWER_BYTES for events of ordinary size (80 KB each).
_BATCH = 50
# What a server may add to or refresh in a stored event without changing it: the time stamp
# (ours changes on every run), its own bookkeeping, and X- properties (Apple's alarm UIDs...).
_NOT_COMPARED = frozenset({"DTSTAMP", "CREATED", "LAST-MODIFIED"})
_DAV, _CAL = "DAV:", "urn:ietf:params:xml:ns:caldav"
_XMLNS = f'xmlns:D="{_DAV}" xmlns:C="{_CAL}"'
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Published:
    """What one publish did to the calendar, counted in events on the server."""

    calendar: str
    """The calendar's display name."""
    url: str
    """The calendar collection's URL."""
    made: bool
    """Whether the calendar was created by this run."""
    created: int
    updated: int
    deleted: int
    unchanged: int
    skipped: int = 0
    """Resources holding one of this course's events together with something else (another
    event, someone else's): left as they are, never written over nor deleted."""

    def summary(self) -> str:
        """``created 44, updated 0, deleted 0, unchanged 0`` (and ``, skipped 1 (hold other
        events)`` when a resource was left alone)."""
        text = (
            f"created {self.created}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}"
        )
        return text + (f", skipped {self.skipped} (hold other events)" if self.skipped else "")


def publish_course(
    course: str | Path,
    *,
    url: str,
    calendar: str | None = None,
    user: str | None = None,
    password: str | None = None,
    stamp: datetime,
    timeout: float = TIMEOUT,
    insecure: bool = False,
    store: CourseStore | None = None,
) -> Published:
    """Plan the course ``course`` (a key of ``store``, by default a course file) as ``scheduler
    plan COURSE`` does and publish it."""
    from .course.file import is_course_file
    from .course.store import FileStore
    from .planner import plan_stored

    if store is None:
        if not is_course_file(course):
            raise PublishError(
                f"{course} is not a course file: publish takes a course "
                "(make one with 'scheduler course new')"
            )
        store = FileStore()
    return publish(
        plan_stored(store.get(str(course)).course),
        url=url,
        calendar=calendar,
        user=user,
        password=password,
        stamp=stamp,
        timeout=timeout,
        insecure=insecure,
    )


def publish(
    planned: Planned,
    *,
    url: str,
    calendar: str | None = None,
    user: str | None = None,
    password: str | None = None,
    stamp: datetime,
    timeout: float = TIMEOUT,
    insecure: bool = False,
) -> Published:
    """Bring the CalDAV calendar named ``calendar`` (default: the plan's name) on the server at
    ``url`` in line with ``planned``, creating the calendar if there is none by that name.

    Only resources holding exactly one UID, one of the plan's, are written over or deleted (with
    ``If-Match`` on the ETag the server gave); one holding anything else is left and counted in
    ``skipped``. A cancelled event (one that a recorded change removed) is deleted from the server
    rather than uploaded. ``stamp`` is the DTSTAMP written. ``timeout``: seconds each request may
    take in all. A password is sent over plain ``http://`` only to this machine, unless
    ``insecure``. Raises PublishError, with one line saying what went wrong, for a bad URL, an
    unreachable, slow or misbehaving server, a refused login and any error the server answers.
    """
    server = _check_url(url)
    name = planned.name if calendar is None else " ".join(calendar.split())
    if not name:
        raise PublishError("the calendar name is empty", field="calendar")
    if not 0 < timeout <= 3600:
        raise PublishError(f"the time limit must be from 0.1 to 3,600 seconds, got {timeout}",
                           field="timeout")  # fmt: skip
    _check_plain_http(url, password, insecure=insecure)
    # Rendered before the first request, so that a fault of ours is never reported as the
    # server's.
    resources = {
        e.uid: event_resource(e, planned, stamp=stamp) for e in planned.events if not e.cancelled
    }
    cancelled = {e.uid for e in planned.events if e.cancelled}
    with _talking_to(server), _Client(url, user, password, timeout, server) as client:
        collection, made = _calendar(client, url.strip(), name)
        members = _members(client, collection)
        found = _Found.sort(
            _read_members(client, collection, members), resources.keys() | cancelled
        )
        deleted = 0
        for uid in sorted(cancelled):
            for item in found.ours.get(uid, []):
                _delete(client, item, uid)
                deleted += 1
        created = updated = unchanged = 0
        taken = {_path(m) for m in members}
        for uid, data in resources.items():
            mine = found.ours.get(uid, [])
            for item in mine[1:]:  # the same UID twice breaks RFC 4791 §5.3.2.1: keep one
                _delete(client, item, uid)
                deleted += 1
            if not mine:
                if uid in found.blocked:
                    continue  # held by a resource we may not touch: counted as skipped
                _put(client, _free_name(collection, uid, taken), data, uid, etag=None)
                created += 1
            elif same_event(mine[0].data, data):
                unchanged += 1
            else:
                _put(client, mine[0].url, data, uid, etag=mine[0].etag)
                updated += 1
    return Published(
        calendar=name,
        url=collection,
        made=made,
        created=created,
        updated=updated,
        deleted=deleted,
        unchanged=unchanged,
        skipped=found.skipped,
    )


def event_resource(event: Event, planned: Planned, *, stamp: datetime) -> bytes:
    """One event as a CalDAV calendar object resource: a VCALENDAR holding its VEVENT and the
    VTIMEZONE it needs, written by the project's .ics exporter, without METHOD (RFC 4791 §4.1)."""
    from .export.ics import to_ics

    return to_ics(
        (event,),
        name=planned.name,
        stamp=stamp,
        zone=planned.zone,
        reminders=planned.reminders,
        method=None,
    )


def same_event(stored: str | bytes, ours: str | bytes) -> bool:
    """Whether the event stored on a server is the one we would write, read as iCalendar rather
    than compared as text: servers re-serialise what they store (Radicale reorders properties
    and refolds lines). DTSTAMP, CREATED, LAST-MODIFIED and X- properties are not compared."""
    theirs = _vevent_key(stored)
    return theirs is not None and theirs == _vevent_key(ours)


# -- what the calendar holds ----------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    """One calendar object resource as read from the server."""

    url: str
    etag: str | None
    data: str


@dataclass
class _Found:
    """The calendar's resources sorted by what publish may do with them."""

    ours: dict[str, list[_Stored]] = field(default_factory=dict)
    """UID -> the resources holding that one UID of ours and nothing else."""
    blocked: set[str] = field(default_factory=set)
    """UIDs of ours found in a resource that also holds something else."""
    skipped: int = 0
    """How many such resources."""

    @classmethod
    def sort(cls, stored: list[_Stored], uids: set[str]) -> _Found:
        found = cls()
        for item in stored:
            held = _uids(item.data)
            if held is None:  # unreadable: ours are readable, but it may name one of them
                mine = {uid for uid in uids if uid in item.data}
                pure = False
            else:
                mine = uids.intersection(held)
                pure = len(set(held)) == 1
            if not mine:
                continue  # someone else's: never touched, nothing to say
            if pure:
                found.ours.setdefault(mine.pop(), []).append(item)
            else:
                found.blocked |= mine
                found.skipped += 1
        return found


def _uids(data: str) -> list[str | None] | None:
    """The UID of each component of a resource (None for one without a UID), the time zones
    left out; None when the resource is not one readable VCALENDAR."""
    from icalendar import Calendar

    try:
        calendar = Calendar.from_ical(data)
    except (ValueError, KeyError, IndexError):
        return None
    if getattr(calendar, "name", None) != "VCALENDAR":
        return None
    # Only the calendar's own components: an alarm inside an event may carry a UID of its own
    # (RFC 9074), which is still the one event.
    return [
        str(c["UID"]) if "UID" in c else None
        for c in calendar.subcomponents
        if c.name != "VTIMEZONE"
    ]


def _vevent_key(data: str | bytes) -> tuple[Any, ...] | None:
    from icalendar import Calendar

    try:
        events = Calendar.from_ical(data).walk("VEVENT")
    except (ValueError, KeyError, IndexError):
        return None
    return _component_key(events[0]) if len(events) == 1 else None


def _component_key(component: Any) -> tuple[Any, ...]:
    props = []
    for name, value in component.items():
        if name in _NOT_COMPARED or name.startswith("X-"):
            continue
        for prop in value if isinstance(value, list) else [value]:
            params = tuple(sorted((k, str(v)) for k, v in getattr(prop, "params", {}).items()))
            props.append((name, params, prop.to_ical()))
    subs = sorted(_component_key(sub) for sub in component.subcomponents)
    return (component.name, tuple(sorted(props)), tuple(subs))


# -- URLs -------------------------------------------------------------------------------------


def _check_url(url: str) -> str:
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


def _check_plain_http(url: str, password: str | None, *, insecure: bool) -> None:
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


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return parts.scheme, (parts.hostname or "").lower(), port


def _path(url: str) -> str:
    """A resource's path, decoded, for comparing hrefs that servers spell differently."""
    return unquote(urlsplit(url).path).rstrip("/") or "/"


def _shown(text: str, longest: int = 120) -> str:
    """What a server sent, safe to print in one line: no control characters, bounded."""
    clean = "".join(c if c.isprintable() else "?" for c in text)
    return clean if len(clean) <= longest else clean[: longest - 1] + "…"


def _free_name(collection: str, uid: str, taken: set[str]) -> str:
    """``<collection>/<UID>.ics``, or with ``-2``, ``-3``... when a resource of another's has
    that name: a create never lands on a resource that is there."""
    stem = quote(uid, safe="")
    for n in range(1, 1000):
        href = urljoin(collection, stem + ("" if n == 1 else f"-{n}") + ".ics")
        if _path(href) not in taken:
            taken.add(_path(href))
            return href
    raise PublishError(f"no free name in the calendar for event {uid}")


# -- the client -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes
    url: str
    """Where the answer came from, after redirects."""


class _Client:
    """HTTP/1.1 to one server, one kept-alive connection at a time. Every request is bounded:
    ``timeout`` seconds from connecting to its answer's last byte (a timer cuts the connection,
    so a server trickling a byte a second gains nothing) and :data:`MAX_ANSWER_BYTES`."""

    def __init__(
        self, url: str, user: str | None, password: str | None, timeout: float, server: str
    ) -> None:
        self.origin = _origin(url.strip())
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

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *_: object) -> None:
        self._drop()

    def request(
        self, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> _Answer:
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
        scheme, host, port = _origin(url)
        given_scheme, given_host, given_port = self.origin
        if scheme not in ("http", "https") or host != given_host:
            raise PublishError(
                f"the server at {self.server} sends us to another server ({_shown(url)}): not "
                "followed, so that nothing (the login least of all) goes elsewhere; give that "
                "URL instead",
                field="caldav",
            )
        if given_scheme == "https" and scheme == "http":
            raise PublishError(
                f"the server at {self.server} sends us from https:// to plain http:// "
                f"({_shown(url)}): not followed",
                field="caldav",
            )
        if scheme == given_scheme and port != given_port:
            raise PublishError(
                f"the server at {self.server} sends us to another port ({_shown(url)}): not "
                "followed, so that nothing (the login least of all) goes elsewhere; give that "
                "URL instead",
                field="caldav",
            )

    def _exchange(self, method: str, url: str, body: bytes, extra: dict[str, str]) -> _Answer:
        parts = urlsplit(url)
        target = (quote(parts.path, safe="/%:@!$&'()*+,;=~-._") or "/") + (
            f"?{parts.query}" if parts.query else ""
        )
        headers = {"User-Agent": "treatment-scheduler", "Accept-Encoding": "identity", **extra}
        if self._auth is not None:
            headers["Authorization"] = self._auth
        deadline = time.monotonic() + self.timeout
        for attempt in (1, 2):
            conn, reused = self._connection(_origin(url), deadline)
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
            return _Answer(response.status, response.reason or "", response.headers, data, url)
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

    def dav(self, method: str, url: str, body: str, depth: str) -> tuple[str, list[_Item]]:
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
                f"answered {answer.status} {_shown(answer.reason, 40)}, not 207 Multi-Status)"
            )
        return answer.url, _multistatus(answer.body, self.server, method)

    def check(self, answer: _Answer, method: str, what: str = "") -> None:
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
            f"{answer.status} {_shown(answer.reason, 60)}".rstrip()
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
def _talking_to(server: str) -> Iterator[None]:
    """Every failure of the conversation with ``server`` as one PublishError line."""
    try:
        yield
    except http.client.HTTPException as err:
        raise PublishError(
            f"the server at {server} does not answer as an HTTP server "
            f"({type(err).__name__}{': ' + _shown(str(err), 80) if str(err) else ''})"
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
    return _shown(" ".join(text.split()), 200)


# -- WebDAV answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Item:
    """One response of a multistatus: its href and the properties found (status 2xx)."""

    href: str
    props: dict[str, ET.Element]


def _multistatus(body: bytes, server: str, method: str) -> list[_Item]:
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
    if root.tag != f"{{{_DAV}}}multistatus":
        raise PublishError(
            f"the server at {server} does not answer as a CalDAV server ({method}: "
            f"{_shown(root.tag, 60)} rather than a multistatus)"
        )
    items = []
    for response in root.iter(f"{{{_DAV}}}response"):
        href = (response.findtext(f"{{{_DAV}}}href") or "").strip()
        if not href:
            continue
        props: dict[str, ET.Element] = {}
        for propstat in response.iter(f"{{{_DAV}}}propstat"):
            if _status(propstat.findtext(f"{{{_DAV}}}status")) // 100 != 2:
                continue
            for prop in propstat.iter(f"{{{_DAV}}}prop"):
                for element in prop:
                    props[element.tag] = element
        items.append(_Item(href, props))
    return items


def _status(line: str | None) -> int:
    """``HTTP/1.1 200 OK`` -> 200 (0 when it is not a status line)."""
    words = (line or "").split()
    return int(words[1]) if len(words) > 1 and words[1].isdigit() else 0


def _href_in(item: _Item, tag: str) -> str | None:
    element = item.props.get(tag)
    text = element.findtext(f"{{{_DAV}}}href") if element is not None else None
    return text.strip() if text and text.strip() else None


def _is(item: _Item, kind: str) -> bool:
    types = item.props.get(f"{{{_DAV}}}resourcetype")
    return types is not None and types.find(kind) is not None


def _display_name(item: _Item) -> str:
    element = item.props.get(f"{{{_DAV}}}displayname")
    return " ".join((element.text or "").split()) if element is not None else ""


def _props(*names: str) -> str:
    return "".join(f"<{name}/>" for name in names)


def _calendar(client: _Client, url: str, name: str) -> tuple[str, bool]:
    """The URL of the calendar whose display name is ``name``, made if there is none; whether
    it was made. The user's calendars are found as RFC 4791 §6.2.1 and RFC 5397 say: the
    current user's principal, its calendar home, the calendars in it."""
    wanted = _props("D:current-user-principal", "C:calendar-home-set", "D:resourcetype")
    base, items = client.dav("PROPFIND", url, f"<D:propfind {_XMLNS}><D:prop>{wanted}"
                             "</D:prop></D:propfind>", "0")  # fmt: skip
    first = items[0] if items else _Item(url, {})
    home = _href_in(first, f"{{{_CAL}}}calendar-home-set")
    if home is None:
        principal = _href_in(first, f"{{{_DAV}}}current-user-principal")
        where = urljoin(base, principal) if principal else base
        base, items = client.dav(
            "PROPFIND", where, f"<D:propfind {_XMLNS}><D:prop>{_props('C:calendar-home-set')}"
            "</D:prop></D:propfind>", "0",
        )  # fmt: skip
        home = _href_in(items[0], f"{{{_CAL}}}calendar-home-set") if items else None
    if home is None:
        raise PublishError(
            f"the server at {client.server} does not say where the user's calendars are (no "
            "calendar home): give the URL of the CalDAV account",
            field="caldav",
        )
    home_url = urljoin(base, home)
    base, items = client.dav("PROPFIND", home_url, f"<D:propfind {_XMLNS}><D:prop>"
                             f"{_props('D:resourcetype', 'D:displayname')}</D:prop></D:propfind>",
                             "1")  # fmt: skip
    named = sorted(
        urljoin(base, item.href)
        for item in items
        if _is(item, f"{{{_CAL}}}calendar") and _display_name(item) == name
    )
    if named:
        return named[0], False
    made = urljoin(home_url.rstrip("/") + "/", uuid.uuid4().hex + "/")
    body = (
        f"<C:mkcalendar {_XMLNS}><D:set><D:prop><D:displayname>{escape(name)}</D:displayname>"
        '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
        "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
    )
    answer = client.request(
        "MKCALENDAR", made, body.encode("utf-8"), {"Content-Type": "application/xml"}
    )
    client.check(answer, "MKCALENDAR", f"(making the calendar {name!r})")
    return made, True


def _members(client: _Client, collection: str) -> list[str]:
    """The URLs of the calendar's resources (one PROPFIND, depth 1)."""
    base, items = client.dav("PROPFIND", collection, f"<D:propfind {_XMLNS}><D:prop>"
                             f"{_props('D:resourcetype', 'D:getetag')}</D:prop></D:propfind>",
                             "1")  # fmt: skip
    own = _path(collection)
    found = {urljoin(base, item.href) for item in items if not _is(item, f"{{{_DAV}}}collection")}
    return sorted(url for url in found if _path(url) != own)


def _read_members(client: _Client, collection: str, members: list[str]) -> list[_Stored]:
    """Every resource of the calendar with its ETag, read by calendar-multiget REPORTs of
    :data:`_BATCH` resources each (RFC 4791 §7.9), so that no answer grows with the calendar."""
    stored = []
    for start in range(0, len(members), _BATCH):
        hrefs = "".join(
            f"<D:href>{escape(urlsplit(url).path)}</D:href>"
            for url in members[start : start + _BATCH]
        )
        body = (
            f"<C:calendar-multiget {_XMLNS}><D:prop><D:getetag/><C:calendar-data/></D:prop>"
            f"{hrefs}</C:calendar-multiget>"
        )
        base, items = client.dav("REPORT", collection, body, "1")
        for item in items:
            data = item.props.get(f"{{{_CAL}}}calendar-data")
            if data is None or not data.text:
                continue
            etag = item.props.get(f"{{{_DAV}}}getetag")
            tag = etag.text.strip() if etag is not None and etag.text else None
            stored.append(_Stored(urljoin(base, item.href), tag or None, data.text))
    return stored


def _put(client: _Client, url: str, data: bytes, uid: str, *, etag: str | None) -> None:
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    if etag is None:
        headers["If-None-Match"] = "*"  # a create never replaces a resource that is there
    else:
        headers["If-Match"] = etag  # an update only replaces the resource as it was read
    answer = client.request("PUT", url, data, headers)
    if answer.status == 412:
        raise _changed(client, uid, etag is None)
    if not 200 <= answer.status < 300 and answer.status not in (401, 403):
        raise PublishError(
            f"the CalDAV server refused to store event {uid}: {answer.status} "
            f"{_shown(answer.reason, 60)}".rstrip()
        )
    client.check(answer, "PUT")


def _delete(client: _Client, item: _Stored, uid: str) -> None:
    headers = {} if item.etag is None else {"If-Match": item.etag}
    answer = client.request("DELETE", item.url, b"", headers)
    if answer.status == 412:
        raise _changed(client, uid, False)
    if answer.status == 404:
        return
    if not 200 <= answer.status < 300 and answer.status not in (401, 403):
        raise PublishError(
            f"the CalDAV server refused to delete event {uid}: {answer.status} "
            f"{_shown(answer.reason, 60)}".rstrip()
        )
    client.check(answer, "DELETE")


def _changed(client: _Client, uid: str, create: bool) -> PublishError:
    what = (
        f"someone else stored a resource where event {uid} was to go"
        if create
        else f"the resource holding event {uid} changed"
    )
    return PublishError(
        f"{what} on the CalDAV server at {client.server} while publishing "
        "(412 Precondition Failed): it was left as it is; run publish again"
    )
