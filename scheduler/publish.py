"""Publishing a course to a CalDAV server (RFC 4791): each event one calendar object resource,
created or updated by UID, events that the course's history removed deleted, events that are
already right left alone — so a second run with no change does nothing — and nothing else in
the calendar ever written over or deleted.

The conversation with the server goes through the project's own small WebDAV client
(:mod:`scheduler.dav`: PROPFIND, REPORT, MKCALENDAR, PUT, DELETE), because publishing must hold
against a server that misbehaves: answers bounded in size and each request in total time,
redirects only on the server given, no password over plain ``http://`` to another machine
unless the caller says ``insecure``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlsplit
from xml.sax.saxutils import escape

from .dav import (
    CAL,
    DAV,
    MAX_ANSWER_BYTES,
    MAX_REDIRECTS,
    TIMEOUT,
    XMLNS,
    Client,
    Item,
    check_plain_http,
    check_url,
    display_name,
    href_in,
    is_a,
    props,
    resource_path,
    shown,
    talking_to,
)
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

# Resources asked for in one calendar-multiget REPORT: small enough that an answer stays far
# below MAX_ANSWER_BYTES for events of ordinary size (80 KB each).
_BATCH = 50
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
    server = check_url(url)
    name = planned.name if calendar is None else " ".join(calendar.split())
    if not name:
        raise PublishError("the calendar name is empty", field="calendar")
    if not 0 < timeout <= 3600:
        raise PublishError(f"the time limit must be from 0.1 to 3,600 seconds, got {timeout}",
                           field="timeout")  # fmt: skip
    check_plain_http(url, password, insecure=insecure)
    # Rendered before the first request, so that a fault of ours is never reported as the
    # server's.
    resources = {
        e.uid: event_resource(e, planned, stamp=stamp) for e in planned.events if not e.cancelled
    }
    cancelled = {e.uid for e in planned.events if e.cancelled}
    with talking_to(server), Client(url, user, password, timeout, server) as client:
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
        taken = {resource_path(m) for m in members}
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


def _free_name(collection: str, uid: str, taken: set[str]) -> str:
    """``<collection>/<UID>.ics``, or with ``-2``, ``-3``... when a resource of another's has
    that name: a create never lands on a resource that is there."""
    stem = quote(uid, safe="")
    for n in range(1, 1000):
        href = urljoin(collection, stem + ("" if n == 1 else f"-{n}") + ".ics")
        if resource_path(href) not in taken:
            taken.add(resource_path(href))
            return href
    raise PublishError(f"no free name in the calendar for event {uid}")


def _calendar(client: Client, url: str, name: str) -> tuple[str, bool]:
    """The URL of the calendar whose display name is ``name``, made if there is none; whether
    it was made. The user's calendars are found as RFC 4791 §6.2.1 and RFC 5397 say: the
    current user's principal, its calendar home, the calendars in it."""
    wanted = props("D:current-user-principal", "C:calendar-home-set", "D:resourcetype")
    base, items = client.dav("PROPFIND", url, f"<D:propfind {XMLNS}><D:prop>{wanted}"
                             "</D:prop></D:propfind>", "0")  # fmt: skip
    first = items[0] if items else Item(url, {})
    home = href_in(first, f"{{{CAL}}}calendar-home-set")
    if home is None:
        principal = href_in(first, f"{{{DAV}}}current-user-principal")
        where = urljoin(base, principal) if principal else base
        base, items = client.dav(
            "PROPFIND", where, f"<D:propfind {XMLNS}><D:prop>{props('C:calendar-home-set')}"
            "</D:prop></D:propfind>", "0",
        )  # fmt: skip
        home = href_in(items[0], f"{{{CAL}}}calendar-home-set") if items else None
    if home is None:
        raise PublishError(
            f"the server at {client.server} does not say where the user's calendars are (no "
            "calendar home): give the URL of the CalDAV account",
            field="caldav",
        )
    home_url = urljoin(base, home)
    base, items = client.dav("PROPFIND", home_url, f"<D:propfind {XMLNS}><D:prop>"
                             f"{props('D:resourcetype', 'D:displayname')}</D:prop></D:propfind>",
                             "1")  # fmt: skip
    named = sorted(
        urljoin(base, item.href)
        for item in items
        if is_a(item, f"{{{CAL}}}calendar") and display_name(item) == name
    )
    if named:
        return named[0], False
    made = urljoin(home_url.rstrip("/") + "/", uuid.uuid4().hex + "/")
    body = (
        f"<C:mkcalendar {XMLNS}><D:set><D:prop><D:displayname>{escape(name)}</D:displayname>"
        '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
        "</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"
    )
    answer = client.request(
        "MKCALENDAR", made, body.encode("utf-8"), {"Content-Type": "application/xml"}
    )
    client.check(answer, "MKCALENDAR", f"(making the calendar {name!r})")
    return made, True


def _members(client: Client, collection: str) -> list[str]:
    """The URLs of the calendar's resources (one PROPFIND, depth 1)."""
    base, items = client.dav("PROPFIND", collection, f"<D:propfind {XMLNS}><D:prop>"
                             f"{props('D:resourcetype', 'D:getetag')}</D:prop></D:propfind>",
                             "1")  # fmt: skip
    own = resource_path(collection)
    found = {urljoin(base, item.href) for item in items if not is_a(item, f"{{{DAV}}}collection")}
    return sorted(url for url in found if resource_path(url) != own)


def _read_members(client: Client, collection: str, members: list[str]) -> list[_Stored]:
    """Every resource of the calendar with its ETag, read by calendar-multiget REPORTs of
    :data:`_BATCH` resources each (RFC 4791 §7.9), so that no answer grows with the calendar."""
    stored = []
    for start in range(0, len(members), _BATCH):
        hrefs = "".join(
            f"<D:href>{escape(urlsplit(url).path)}</D:href>"
            for url in members[start : start + _BATCH]
        )
        body = (
            f"<C:calendar-multiget {XMLNS}><D:prop><D:getetag/><C:calendar-data/></D:prop>"
            f"{hrefs}</C:calendar-multiget>"
        )
        base, items = client.dav("REPORT", collection, body, "1")
        for item in items:
            data = item.props.get(f"{{{CAL}}}calendar-data")
            if data is None or not data.text:
                continue
            etag = item.props.get(f"{{{DAV}}}getetag")
            tag = etag.text.strip() if etag is not None and etag.text else None
            stored.append(_Stored(urljoin(base, item.href), tag or None, data.text))
    return stored


def _put(client: Client, url: str, data: bytes, uid: str, *, etag: str | None) -> None:
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
            f"{shown(answer.reason, 60)}".rstrip()
        )
    client.check(answer, "PUT")


def _delete(client: Client, item: _Stored, uid: str) -> None:
    headers = {} if item.etag is None else {"If-Match": item.etag}
    answer = client.request("DELETE", item.url, b"", headers)
    if answer.status == 412:
        raise _changed(client, uid, False)
    if answer.status == 404:
        return
    if not 200 <= answer.status < 300 and answer.status not in (401, 403):
        raise PublishError(
            f"the CalDAV server refused to delete event {uid}: {answer.status} "
            f"{shown(answer.reason, 60)}".rstrip()
        )
    client.check(answer, "DELETE")


def _changed(client: Client, uid: str, create: bool) -> PublishError:
    what = (
        f"someone else stored a resource where event {uid} was to go"
        if create
        else f"the resource holding event {uid} changed"
    )
    return PublishError(
        f"{what} on the CalDAV server at {client.server} while publishing "
        "(412 Precondition Failed): it was left as it is; run publish again"
    )
