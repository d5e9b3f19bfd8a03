"""A course's history: each entry records a change to the plan (plan/changes.py) or withdraws an
earlier entry, with when it was recorded, by whom and why. How each kind is read, written and
said is the table in course/kinds.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from ..arguments import line_problem
from ..errors import CourseError
from ..plan.bounds import FIRST_DATE, LAST_DATE
from ..plan.changes import CHANGES, Change

__all__ = ["MAX_BY", "MAX_REASON", "Entry", "Recordable", "Switch", "Withdraw"]

#: Reasons are a sentence or two, not documents.
MAX_REASON = 1000
#: Who recorded an entry: a name or a staff login.
MAX_BY = 200


@dataclass(frozen=True)
class Withdraw:
    """Take back entry ``entry`` (numbered from 1, as ``course show`` lists them): its change
    no longer applies from when the withdrawal is recorded; the entry stays in the history."""

    entry: int

    def __post_init__(self) -> None:
        if isinstance(self.entry, bool) or not isinstance(self.entry, int) or self.entry < 1:
            raise CourseError(f"entry must be an entry number from 1, got {self.entry!r:.60}")


@dataclass(frozen=True)
class Switch:
    """From ``start`` on, the course follows another regimen (a bundled id, or a regimen file
    named as a course names its regimen), with its day 1 on ``start``: what the regimen before
    had from then on is cancelled, and the course keeps its identity and history. ``cycles``
    bounds the new regimen (needed when it repeats until stopped and the course has no end
    date)."""

    regimen: str
    start: date
    cycles: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.regimen, str) or not self.regimen.strip() or len(self.regimen) > 500:
            raise CourseError(f"regimen must be a regimen id or file, got {self.regimen!r:.60}")
        if not isinstance(self.start, date) or isinstance(self.start, datetime):
            raise CourseError(f"a switch needs its first day (a date), got {self.start!r:.60}")
        if not FIRST_DATE <= self.start <= LAST_DATE:
            raise CourseError(
                f"a switch's first day {self.start.isoformat()} is outside the dates this tool "
                f"plans ({FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()})"
            )
        if self.cycles is not None and (
            isinstance(self.cycles, bool)
            or not isinstance(self.cycles, int)
            or not 1 <= self.cycles <= 10_000
        ):
            raise CourseError(
                f"a switch's cycles must be from 1 to 10,000, got {self.cycles!r:.60}"
            )


Recordable = Change | Withdraw | Switch
"""What a course's history entry holds: a change to the plan, a withdrawal or a switch."""


@dataclass(frozen=True)
class Entry:
    """One recorded entry: what, when it was recorded (an aware time, kept in UTC), by whom and
    why."""

    at: datetime
    change: Recordable
    reason: str = ""
    by: str = ""
    """Who recorded it (a name or a staff login); empty when not said."""

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise CourseError(
                f"a change needs the time it was recorded, with its zone: {self.at!r:.60}"
            )
        if not isinstance(self.change, (*CHANGES, Withdraw, Switch)):
            raise CourseError(f"not a change to a plan: {self.change!r:.60}")
        if not isinstance(self.reason, str) or len(self.reason) > MAX_REASON:
            raise CourseError(f"a reason is a text of at most {MAX_REASON} characters")
        if not isinstance(self.by, str) or len(self.by) > MAX_BY:
            raise CourseError(f"who recorded it is a name of at most {MAX_BY} characters")
        for name, text in (("reason", self.reason), ("by", self.by)):
            problem = line_problem(text)
            if problem:
                raise CourseError(f"{name} {problem}")
        from .kinds import kind_of

        for field in kind_of(self.change).fields:  # a field the file keeps on the entry
            if not field.entry:
                continue
            own, kept = getattr(self.change, field.attr), getattr(self, field.name)
            if not kept:
                object.__setattr__(self, field.name, own)
            elif kept != own:
                raise CourseError(
                    f"the entry's {field.name} {kept!r:.60} and the {self.action} change's "
                    f"{own!r:.60} differ: the file keeps one, so give the same (or only one)"
                )

    @property
    def action(self) -> str:
        from .kinds import kind_of

        return kind_of(self.change).action

    def when(self) -> str:
        """When it was recorded, as the file and the history show it (UTC, to the minute)."""
        return self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
