"""One course's live calendar as a subscribed feed: the plan now, within a rolling window.

A subscription is re-fetched by calendar apps every few hours, so it carries only what a
patient needs to see (by default 30 days back to 400 days ahead: far below the ~1 MB Google
accepts), events an edit removed are simply absent (a feed is a whole new copy each time, not
an update), and the patient's label is left out unless the reader's token allows it.

When the course goes on past the window, the feed says so on the window's last day (an all-day
"continues" note with the next date), so a patient never reads the end of the window as the
end of the treatment.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from ..course.store import Stored
from ..plan.clock import day_of
from ..plan.events import Event
from ..regimen.model import EventKind
from ..regimen.notation import format_date
from ..words import plural

__all__ = [
    "CONTINUES_SLOT",
    "DEFAULT_AHEAD",
    "DEFAULT_BACK",
    "DEFAULT_REFRESH",
    "Feed",
    "Window",
    "file_modified",
    "render_feed",
]

DEFAULT_BACK = 30
DEFAULT_AHEAD = 400
#: How often apps are asked to poll (RFC 7986 REFRESH-INTERVAL, and X-PUBLISHED-TTL for
#: Outlook). Google ignores it and polls every 12-24 hours whatever it says.
DEFAULT_REFRESH = timedelta(hours=12)
#: Bounds of the window options, in days.
MAX_DAYS = 3660
#: The slot of the note on the window's last day when the course goes on after it.
CONTINUES_SLOT = "feed:continues"
_UIDS = uuid.UUID("6f1d7a8e-3c55-4b0f-9a51-1f1e5f0c2a77")


@dataclass(frozen=True)
class Window:
    """The days a feed covers, around today: ``back`` days before to ``ahead`` days after."""

    back: int = DEFAULT_BACK
    ahead: int = DEFAULT_AHEAD

    def __post_init__(self) -> None:
        for name, value in (("back", self.back), ("ahead", self.ahead)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                raise ValueError(f"days {name} must be a whole number from 0 to {MAX_DAYS:,}")

    def days(self, today: date) -> tuple[date, date]:
        """The first and last day of the window (both included)."""
        return today - timedelta(days=self.back), today + timedelta(days=self.ahead)

    def holds(self, event: Event, today: date) -> bool:
        """Whether any day of ``event`` falls within the window."""
        first, last = self.days(today)
        return day_of(event.start) <= last and _last_day(event) >= first


@dataclass(frozen=True)
class Feed:
    """A rendered feed and what HTTP caching needs to know about it."""

    body: bytes
    etag: str
    """A strong validator: the digest of the body."""
    last_modified: datetime
    """Moves whenever the body can: the course's and regimen's last change, and when the
    window cut some of the course, the start of the day it moved to."""
    events: int
    later: int
    """How many of the course's events lie after the window (said on its last day)."""


def render_feed(
    stored: Stored,
    *,
    regimen_modified: datetime | None = None,
    today: date,
    window: Window,
    show_label: bool,
    refresh: timedelta = DEFAULT_REFRESH,
) -> Feed:
    """Plan ``stored`` as ``scheduler plan COURSE`` does and keep what falls in the window.

    ``regimen_modified`` is when a regimen file of the course last changed (read from them
    when not given).
    DTSTAMP is when the course or its regimen last changed, so the same versions on the same
    day are the same bytes (and the same ETag) on every request and after a server restart.
    """
    from ..export.ics import to_ics
    from ..planner import plan_stored

    if regimen_modified is None:
        regimen_modified = max(file_modified(p) for p in stored.course.regimen_paths())
    stamp = max(stored.modified, regimen_modified)
    planned = plan_stored(stored.course, label=None if show_label else "")
    live = [e for e in planned.events if not e.cancelled]
    events = [e for e in live if window.holds(e, today)]
    last = window.days(today)[1]
    later = [e for e in live if day_of(e.start) > last]
    cut = len(events) < len(live)
    if later:
        events.append(_continues(later, stored.course.id, last, window.ahead, planned.zone.key))
    body = to_ics(
        events,
        name=planned.name,
        stamp=stamp,
        zone=planned.zone,
        reminders=planned.reminders,
        refresh=refresh,
    )
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    moved = datetime.combine(today, time(0), tzinfo=UTC)
    modified = max(stamp, moved) if cut else stamp
    return Feed(body, etag, modified, len(events), len(later))


def _continues(later: list[Event], plan_id: str, last: date, ahead: int, zone: str) -> Event:
    """The note on the window's last day: the course goes on, from this next date."""
    following = min(later, key=lambda e: (day_of(e.start), e.order))
    return Event(
        uid=f"{uuid.uuid5(_UIDS, plan_id)}@treatment-scheduler",
        kind=EventKind.PRECAUTION,
        title="Your treatment calendar continues after today",
        start=last,
        end=last + timedelta(days=1),
        all_day=True,
        description=(
            f"This calendar shows {plural(ahead, 'day')} ahead. The course goes on after "
            f"{format_date(last)}: the next date is {format_date(day_of(following.start))} "
            f"({following.title}), and {plural(len(later), 'more date')} will appear here as "
            "they come nearer. Ask your care team for the whole plan."
        ),
        slot=CONTINUES_SLOT,
        timezone=zone,
    )


def file_modified(path: Path) -> datetime:
    """When a file last changed (UTC, whole seconds); the epoch if it cannot be read."""
    try:
        return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
    except OSError:
        return datetime.fromtimestamp(0, UTC)


def _last_day(event: Event) -> date:
    end = day_of(event.end) - timedelta(days=1) if event.all_day else day_of(event.end)
    return max(end, day_of(event.start))
