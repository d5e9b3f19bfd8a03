"""Courses in words: what each change does ("cycle 2 and later cycles delayed by 7 days"), the
history as people read it, and a course at a glance (what was planned, what changed, what next)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from ..plan.changes import Change, Close, Delay, Omit, Retime, Stop
from ..plan.clock import day_of
from ..plan.events import asks_team
from ..regimen.notation import format_date, weekday_name
from ..words import plural

if TYPE_CHECKING:
    from .history import Entry
    from .model import Course

__all__ = ["days", "describe_course", "entry_words", "words"]


def days(count: int) -> str:
    """``1 day``, ``7 days``."""
    return plural(count, "day")


def words(change: Change) -> str:
    """What ``change`` does, in a nurse's words."""
    number = getattr(change, "phase", None)
    phase = f" of phase {number}" if number not in (None, 1) else ""
    if isinstance(change, Delay):
        return f"cycle {change.cycle}{phase} and later cycles delayed by {days(change.days)}"
    if isinstance(change, Omit):
        which = f"dose {change.slot} of " if change.slot else ""
        drug = f" ({change.drug})" if change.drug else ""
        return f"{which}cycle {change.cycle}{phase}, day {change.day}{drug} omitted (not replaced)"
    if isinstance(change, Stop):
        if change.after is not None:
            return f"stopped after {format_date(change.after)}"
        return f"stopped after cycle {change.cycle}{phase}"
    if isinstance(change, Retime):
        return f"doses from {format_date(change.start)} at {change.at:%H:%M}"
    assert isinstance(change, Close)
    parts = [format_date(x) for x in change.dates]
    if change.holidays:
        parts.append(f"public holidays of {change.holidays}")
    parts += [f"{weekday_name(w)}s" for w in change.weekdays]
    return "closed: " + ", ".join(parts)


def entry_words(entry: Entry) -> str:
    """``2027-01-02 10:00 UTC: cycle 2 and later cycles delayed by 7 days — neutrophils 0.9``."""
    return f"{entry.when()}: {words(entry.change)}" + (f" — {entry.reason}" if entry.reason else "")


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
    out = [
        f"Course {course.id}: {regimen.name} ({regimen.id})",
        f"Planned: from {format_date(course.start)}, {bound}, times in {course.timezone}"
        + (f", for {course.label}" if course.label else ""),
    ]
    if not course.history:
        out.append("Changes: none")
    else:
        out.append("Changes:")
        out += [f"  {entry_words(entry)}" for entry in course.history]
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
