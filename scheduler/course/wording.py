"""Courses in words: what each change does ("cycle 2 and later cycles delayed by 7 days"), the
history as people read it, and a course at a glance (what was planned, what changed, what next)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ..plan.clock import day_of
from ..plan.events import asks_team
from ..regimen.notation import format_date
from ..words import plural
from .kinds import words

if TYPE_CHECKING:
    from ..plan.events import Event
    from .history import Entry
    from .model import Course

__all__ = ["days", "describe_course", "entry_words", "history_lines", "words"]


def days(count: int) -> str:
    """``1 day``, ``7 days``."""
    return plural(count, "day")


def entry_words(entry: Entry) -> str:
    """``2027-01-02 10:00 UTC: cycle 2 and later cycles delayed by 7 days — neutrophils 0.9``
    (and ``, by nurse A`` when it says who)."""
    by = f", by {entry.by}" if entry.by else ""
    why = f" — {entry.reason}" if entry.reason else ""
    return f"{entry.when()}{by}: {words(entry.change)}{why}"


def history_lines(history: tuple[Entry, ...]) -> list[str]:
    """The history numbered as ``course withdraw --entry N`` names entries, each withdrawn one
    marked with the entry that withdrew it."""
    from .history import Withdraw

    withdrawn = {
        e.change.entry: number
        for number, e in enumerate(history, start=1)
        if isinstance(e.change, Withdraw)
    }
    return [
        f"{number}. {entry_words(entry)}"
        + (f" [withdrawn by entry {withdrawn[number]}]" if number in withdrawn else "")
        for number, entry in enumerate(history, start=1)
    ]


def describe_course(course: Course, today: date, upcoming: int = 8) -> str:
    """What was planned, what changed, and what comes next."""
    from .replan import plan_course

    regimen, _zone, events = plan_course(course)
    if course.cycles:
        bound = plural(course.cycles, "cycle")
    elif course.until:
        bound = f"until {format_date(course.until)}"
    else:
        bound = "as the regimen says"
    segments = course.segments()
    first = ""
    if len(segments) > 1:
        end = segments[0].end
        first = f" of {course.regimen}" + (f" (to {format_date(end)})" if end else "")
    out = [
        f"Course {course.id}: {regimen.name} ({regimen.id})",
        f"Planned: from {format_date(course.start)}, {bound}{first}, times in {course.timezone}"
        + (f", for {course.label}" if course.label else ""),
    ]
    for segment in segments[1:]:  # a switch: the regimens followed since
        cycles = f", {plural(segment.cycles, 'cycle')}" if segment.cycles else ""
        until = f" (to {format_date(segment.end)})" if segment.end else ""
        out.append(f"Then: {segment.regimen} from {format_date(segment.start)}{cycles}{until}")
    if not course.history:
        out.append("Changes: none")
    else:
        out.append("Changes:")
        out += [f"  {line}" for line in history_lines(course.history)]
    if course.records:
        out += _recorded(course, events, today)
    live = [e for e in events if not e.cancelled]
    doses = [e for e in live if e.kind == "dose"]
    cancelled = [e for e in events if e.cancelled and e.kind == "dose"]
    out.append(
        f"Now: {plural(len(doses), 'dose')}"
        + (f" ({len(cancelled)} removed by changes)" if cancelled else "")
    )
    if doses:
        out.append(f"  last dose {format_date(day_of(doses[-1].start))}")
    # Precautions span weeks and are not "next"; the one day to ask how long one goes on is.
    coming = [e for e in live if day_of(e.start) >= today
              and (e.kind != "precaution" or asks_team(e))][:upcoming]  # fmt: skip
    out.append(f"Next (from {format_date(today)}):" if coming else "Next: nothing planned")
    for event in coming:
        start = event.start
        clock = f" {start:%H:%M}" if isinstance(start, datetime) else ""
        out.append(f"  {format_date(day_of(start))}{clock}  {event.title}"
                   + (f"  [{event.flag}]" if event.flag else ""))  # fmt: skip
    return "\n".join(out)


def _recorded(course: Course, events: tuple[Event, ...], today: date, shown: int = 10) -> list[str]:
    """What was recorded of the plan (the latest ``shown``, one per event) and, for home
    doses, how many due so far were taken."""
    from .records import adherence, current_records, record_words

    zone = course.zone()
    by_uid = {e.uid: e for e in events}
    now = current_records(course.records)
    dated = sorted(
        ((by_uid[uid], record) for uid, record in now.items() if uid in by_uid),
        key=lambda pair: pair[0].start.isoformat(),
    )
    out = [f"Recorded ({plural(len(dated), 'event')}"
           + (f", the last {shown}):" if len(dated) > shown else "):")]  # fmt: skip
    for event, record in dated[-shown:]:
        start = event.start
        clock = f" {start:%H:%M}" if isinstance(start, datetime) else ""
        out.append(
            f"  {format_date(day_of(start))}{clock}  {event.title}: {record_words(record, zone)}"
        )
    lost = [record for uid, record in now.items() if uid not in by_uid]
    if lost:  # a hand edit of the id or of a record's event: kept, and said, never dropped
        out.append(
            f"Not in this plan ({plural(len(lost), 'record')} naming no event of it; was the "
            "course id or a record's event edited by hand?):"
        )
        out += [f"  {record.what or record.event}: {record_words(record, zone)}" for record in lost]
    taken = adherence(events, course.records, today)
    if taken.due:
        out.append(f"Home doses so far: {taken}")
    return out
