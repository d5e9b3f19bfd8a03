"""Changes to a plan after it was made — a cycle delayed, doses omitted, an early stop, a new dose
time, more closed days — as typed, validated values. The engine applies them (rules in
docs/courses.md); a course's history is a list of them (scheduler.course).

Every value is checked when it is built: a change that could not mean anything (cycle 0, a
delay of a billion days, an empty drug name) is a :class:`~scheduler.errors.PlanError` naming
the field, before any plan is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from ..errors import PlanError
from .bounds import check_date

__all__ = ["MAX_DELAY_DAYS", "Change", "Close", "Delay", "Omit", "Retime", "Stop"]

#: A delay longer than a year is a new course, not a delay.
MAX_DELAY_DAYS = 366
#: Phases, cycles, days and dose slots are small positive numbers; anything larger is a typo.
_MAX_NUMBER = 100_000


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{field} must be a whole number, got {value!r}", field=field)
    if not low <= value <= high:
        raise PlanError(f"{field} must be from {low:,} to {high:,}, got {value:,}", field=field)
    return value


@dataclass(frozen=True)
class Delay:
    """Cycle ``cycle`` of phase ``phase`` and every later cycle start ``days`` later."""

    phase: int
    cycle: int
    days: int

    def __post_init__(self) -> None:
        _whole(self.phase, "phase", 1, _MAX_NUMBER)
        _whole(self.cycle, "cycle", 1, _MAX_NUMBER)
        _whole(self.days, "days", 1, MAX_DELAY_DAYS)


@dataclass(frozen=True)
class Omit:
    """Leave out the doses of cycle day ``day`` (only the ``slot``-th of the day if given; only
    the drug with key ``drug`` if given). Omitted doses are not replaced, except that a counted
    rule ("30 fractions") still gives its count, so its course grows by one dose."""

    phase: int
    cycle: int
    day: int
    slot: int | None = None
    drug: str | None = None
    """A drug *key* of the regimen (``aldesleukin``), matched exactly."""

    def __post_init__(self) -> None:
        _whole(self.phase, "phase", 1, _MAX_NUMBER)
        _whole(self.cycle, "cycle", 1, _MAX_NUMBER)
        _whole(self.day, "day", -_MAX_NUMBER, _MAX_NUMBER)
        if self.day == 0:
            raise PlanError("day must not be 0 (day 1 is the first day of a cycle)", field="day")
        if self.slot is not None:
            _whole(self.slot, "slot", 1, _MAX_NUMBER)
        if self.drug is not None and (not isinstance(self.drug, str) or not self.drug.strip()):
            raise PlanError(f"drug must be a drug of the regimen, got {self.drug!r}", field="drug")


@dataclass(frozen=True)
class Stop:
    """End the course: nothing after ``after`` (a date), or after cycle ``cycle`` of ``phase``."""

    after: date | None = None
    phase: int | None = None
    cycle: int | None = None

    def __post_init__(self) -> None:
        if (self.after is None) == (self.cycle is None):
            raise PlanError("a stop needs exactly one of: a date, or a cycle", field="after")
        if self.after is not None:
            check_date(self.after, "after")
            if self.phase is not None:
                raise PlanError("a stop by date takes no phase", field="phase")
        else:
            _whole(self.cycle, "cycle", 1, _MAX_NUMBER)
            if self.phase is not None:
                _whole(self.phase, "phase", 1, _MAX_NUMBER)


@dataclass(frozen=True)
class Retime:
    """From ``start`` on, the day's first dose is at ``at`` (later doses keep their spacing)."""

    start: date
    at: time

    def __post_init__(self) -> None:
        check_date(self.start, "from")
        if not isinstance(self.at, time) or self.at.tzinfo is not None:
            raise PlanError(f"time must be a clock time (HH:MM), got {self.at!r}", field="time")
        if self.at.second or self.at.microsecond:
            raise PlanError(
                f"time must be whole minutes (HH:MM), got {self.at.isoformat()}", field="time"
            )


@dataclass(frozen=True)
class Close:
    """More closed days: dates, public holidays of a region (``GB-ENG``), weekdays (0 = Monday)."""

    dates: tuple[date, ...] = ()
    holidays: str | None = None
    weekdays: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        for value in self.dates:
            check_date(value, "dates")
        for weekday in self.weekdays:
            _whole(weekday, "weekdays", 0, 6)
        if self.holidays is not None and (
            not isinstance(self.holidays, str) or not self.holidays.strip()
        ):
            raise PlanError(
                f"holidays must be a region such as GB-ENG, got {self.holidays!r}",
                field="holidays",
            )
        if not (self.dates or self.holidays or self.weekdays):
            raise PlanError("a closure needs dates, a holiday region or weekdays", field="dates")


Change = Delay | Omit | Stop | Retime | Close
