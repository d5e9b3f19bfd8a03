"""Publishing a course to a CalDAV server (RFC 4791): each event one calendar object resource,
created or updated by UID, events that the course's history removed deleted, events that are
already right left alone — so a second run with no change does nothing, and other events in the
same calendar are never touched.

The ``caldav`` client is an optional extra (``pip install 'treatment-scheduler[caldav]'``): it
pulls in lxml and an HTTP stack that nothing else here needs, so it is imported only here, and
only when publishing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit

from .errors import PublishError
from .plan.events import Event
from .planner import Planned

__all__ = [
    "CALDAV_MISSING",
    "Published",
    "event_resource",
    "publish",
    "publish_course",
    "same_event",
]

CALDAV_MISSING = (
    "publishing needs the caldav client, which is not installed: "
    "pip install 'treatment-scheduler[caldav]'"
)
#: Seconds to wait for the server on each request.
TIMEOUT = 30.0
# What a server may add to or refresh in a stored event without changing it: the time stamp
# (ours changes on every run), its own bookkeeping, and X- properties (Apple's alarm UIDs...).
_NOT_COMPARED = frozenset({"DTSTAMP", "CREATED", "LAST-MODIFIED"})


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

    def summary(self) -> str:
        """``created 44, updated 0, deleted 0, unchanged 0``."""
        return (
            f"created {self.created}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.unchanged}"
        )


def publish_course(
    course: str | Path,
    *,
    url: str,
    calendar: str | None = None,
    user: str | None = None,
    password: str | None = None,
    stamp: datetime,
    timeout: float = TIMEOUT,
) -> Published:
    """Plan the course file ``course`` as ``scheduler plan COURSE`` does and publish it."""
    from .course.file import is_course_file
    from .planner import plan

    if not is_course_file(course):
        raise PublishError(
            f"{course} is not a course file: publish takes a course "
            "(make one with 'scheduler course new')"
        )
    return publish(
        plan(course),
        url=url,
        calendar=calendar,
        user=user,
        password=password,
        stamp=stamp,
        timeout=timeout,
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
) -> Published:
    """Bring the CalDAV calendar named ``calendar`` (default: the plan's name) on the server at
    ``url`` in line with ``planned``, creating the calendar if there is none by that name.

    Only events whose UID is one of the plan's are written or deleted; a cancelled event (one
    that a recorded change removed) is deleted from the server rather than uploaded. ``stamp``
    is the DTSTAMP written. Raises PublishError, with one line saying what went wrong, for a
    bad URL, an unreachable server, a refused login and any error the server answers.
    """
    server = _check_url(url)
    name = planned.name if calendar is None else " ".join(calendar.split())
    if not name:
        raise PublishError("the calendar name is empty", field="calendar")
    caldav = _caldav()
    # Rendered before the first request, so that a fault of ours is never reported as the
    # server's.
    resources = {
        e.uid: event_resource(e, planned, stamp=stamp) for e in planned.events if not e.cancelled
    }
    cancelled = {e.uid for e in planned.events if e.cancelled}
    created = updated = deleted = unchanged = 0
    with _talking_to(server, user), _client(caldav, url, user, password, timeout) as client:
        collection, made = _calendar(caldav, client, name)
        stored = _stored(collection, resources.keys() | cancelled)
        for uid in sorted(cancelled):
            for href, _ in stored.get(uid, []):
                _delete(client, href, uid)
                deleted += 1
        for uid, data in resources.items():
            found = stored.get(uid, [])
            for href, _ in found[1:]:  # the same UID twice breaks RFC 4791 §5.3.2.1: keep one
                _delete(client, href, uid)
                deleted += 1
            if not found:
                href = str(collection.url.join(quote(uid, safe="") + ".ics"))
                _put(client, href, data, uid, create=True)
                created += 1
            elif same_event(found[0][1], data):
                unchanged += 1
            else:
                _put(client, found[0][0], data, uid, create=False)
                updated += 1
        where = str(collection.url)
    return Published(
        calendar=name,
        url=where,
        made=made,
        created=created,
        updated=updated,
        deleted=deleted,
        unchanged=unchanged,
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


def _caldav() -> ModuleType:
    try:
        import caldav
    except ImportError:
        raise PublishError(CALDAV_MISSING) from None
    return caldav


@contextmanager
def _client(
    caldav: ModuleType, url: str, user: str | None, password: str | None, timeout: float
) -> Iterator[Any]:
    client = caldav.DAVClient(url=url.strip(), username=user, password=password, timeout=timeout)
    try:
        yield client
    finally:
        client.close()


@contextmanager
def _talking_to(server: str, user: str | None) -> Iterator[None]:
    """Every failure of the conversation with ``server`` as one PublishError line."""
    from caldav.lib import error

    try:
        yield
    except error.AuthorizationError as err:
        if getattr(err, "status", None) == 403 or "forbidden" in str(err.reason).lower():
            raise PublishError(
                f"the CalDAV server at {server} refused access to the calendar (403 Forbidden)",
                field="user",
            ) from None
        if user is None:
            raise PublishError(
                f"the CalDAV server at {server} asks for a user name and password", field="user"
            ) from None
        raise PublishError(
            f"the CalDAV server at {server} refused the user name or password (401 Unauthorized)",
            field="password_env",
        ) from None
    except error.DAVError as err:
        raise PublishError(
            f"the CalDAV server at {server} answered with an error: {_reason(err)}"
        ) from None
    except OSError as err:  # the HTTP client's connection errors are OSErrors
        raise PublishError(f"cannot reach the CalDAV server at {server}: {_why(err)}") from None
    except SyntaxError as err:  # lxml: the answer was not XML (not a CalDAV server?)
        raise PublishError(
            f"the server at {server} does not answer as a CalDAV server ({err})"
        ) from None


def _reason(err: Exception) -> str:
    reason = " ".join(str(getattr(err, "reason", "") or "").split())
    status = getattr(err, "status", None)
    kind = type(err).__name__.removesuffix("Error")
    text = f"{kind}" + (f" ({status})" if status else "")
    return f"{text}: {reason[:200]}" if reason and reason != "no reason" else text


def _why(err: OSError) -> str:
    text = str(err)
    if "Timeout" in type(err).__name__ or "timed out" in text:
        return "no answer in time"
    if "refused" in text.lower():
        return "connection refused"
    if "resolve" in text.lower() or "Name or service not known" in text:
        return "unknown host name"
    if "SSL" in text or "certificate" in text.lower():
        return "the TLS connection failed (certificate?)"
    return " ".join(text.split())[:200]


def _calendar(caldav: ModuleType, client: Any, name: str) -> tuple[Any, bool]:
    """The calendar whose display name is ``name``, made if there is none; whether it was made."""
    principal = client.principal()
    try:
        return principal.calendar(name=name), False
    except caldav.lib.error.NotFoundError:
        return principal.make_calendar(name=name), True


def _stored(collection: Any, uids: set[str]) -> dict[str, list[tuple[str, str]]]:
    """The calendar's resources holding one of ``uids``: UID -> [(URL, data)]. Everything else
    in the calendar is read (one REPORT) but never written."""
    from icalendar import Calendar

    found: dict[str, list[tuple[str, str]]] = {}
    for item in collection.search(event=True):
        data = item.data
        try:
            events = Calendar.from_ical(data).walk("VEVENT")
        except (ValueError, KeyError, IndexError):
            continue  # not ours: we never store what icalendar cannot read
        found_uids = {str(e.get("UID", "")) for e in events}
        for uid in found_uids & uids:
            found.setdefault(uid, []).append((str(item.url), data))
    return found


def _put(client: Any, href: str, data: bytes, uid: str, *, create: bool) -> None:
    headers = {"Content-Type": "text/calendar; charset=utf-8"}
    if create:
        headers["If-None-Match"] = "*"  # never replace a resource we did not see
    response = client.put(href, data.decode("utf-8"), headers)
    if not 200 <= response.status < 300:
        raise PublishError(
            f"the CalDAV server refused to store event {uid}: {response.status} "
            f"{' '.join(str(getattr(response, 'reason', '') or '').split())}".rstrip()
        )


def _delete(client: Any, href: str, uid: str) -> None:
    response = client.delete(href)
    if not 200 <= response.status < 300 and response.status != 404:
        raise PublishError(
            f"the CalDAV server refused to delete event {uid}: {response.status} "
            f"{' '.join(str(getattr(response, 'reason', '') or '').split())}".rstrip()
        )
