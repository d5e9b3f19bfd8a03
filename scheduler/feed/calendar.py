"""One course's live calendar as a subscribed feed: the plan now, within a rolling window.

A subscription is re-fetched by calendar apps every few hours, so it carries only what a
patient needs to see (by default 30 days back to 400 days ahead: far below the ~1 MB Google
accepts), events an edit removed are simply absent (a feed is a whole new copy each time, not
an update), and the patient's label is left out unless the reader's token allows it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from ..plan.clock import day_of
from ..plan.events import Event

__all__ = ["DEFAULT_AHEAD", "DEFAULT_BACK", "DEFAULT_REFRESH", "Feed", "Window", "render_feed"]

DEFAULT_BACK = 30
DEFAULT_AHEAD = 400
#: How often apps are asked to poll (RFC 7986 REFRESH-INTERVAL, and X-PUBLISHED-TTL for
#: Outlook). Google ignores it and polls every 12-24 hours whatever it says.
DEFAULT_REFRESH = timedelta(hours=12)
#: Bounds of the window options, in days.
MAX_DAYS = 3660


@dataclass(frozen=True)
class Window:
    """The days a feed covers, around today: ``back`` days before to ``ahead`` days after."""

    back: int = DEFAULT_BACK
    ahead: int = DEFAULT_AHEAD

    def __post_init__(self) -> None:
        for name, value in (("back", self.back), ("ahead", self.ahead)):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
                raise ValueError(f"days {name} must be a whole number from 0 to {MAX_DAYS:,}")

    def holds(self, event: Event, today: date) -> bool:
        """Whether any day of ``event`` falls within the window."""
        first, last = today - timedelta(days=self.back), today + timedelta(days=self.ahead)
        end = day_of(event.end) - timedelta(days=1) if event.all_day else day_of(event.end)
        return day_of(event.start) <= last and max(end, day_of(event.start)) >= first


@dataclass(frozen=True)
class Feed:
    """A rendered feed and what HTTP caching needs to know about it."""

    body: bytes
    etag: str
    last_modified: datetime
    events: int


def render_feed(
    course: Path,
    *,
    today: date,
    window: Window,
    show_label: bool,
    refresh: timedelta = DEFAULT_REFRESH,
) -> Feed:
    """Plan ``course`` as ``scheduler plan COURSE`` does and keep what falls in the window.

    DTSTAMP is the course file's modification time, so the same course version on the same day
    is the same bytes (and the same ETag) on every request and after a server restart.
    """
    from ..export.ics import to_ics
    from ..planner import plan

    modified = datetime.fromtimestamp(int(course.stat().st_mtime), UTC)
    planned = plan(course, label=None if show_label else "")
    events = [e for e in planned.events if not e.cancelled and window.holds(e, today)]
    body = to_ics(
        events,
        name=planned.name,
        stamp=modified,
        zone=planned.zone,
        reminders=planned.reminders,
        refresh=refresh,
    )
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Feed(body, etag, modified, len(events))
