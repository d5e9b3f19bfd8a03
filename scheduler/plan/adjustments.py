"""What happens to a course after it is planned: delays, omitted doses, an early stop, a new dose
time, clinic closures. Values only; the engine applies them (see docs/courses.md for the rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

__all__ = ["Adjustment", "Close", "Delay", "Omit", "Retime", "Stop"]


@dataclass(frozen=True)
class Delay:
    """Cycle ``cycle`` of phase ``phase`` and every later cycle start ``days`` later."""

    phase: int
    cycle: int
    days: int


@dataclass(frozen=True)
class Omit:
    """Leave out the doses of cycle day ``day`` (only the ``slot``-th of the day if given;
    only ``drug`` if given). Omitted doses are not replaced."""

    phase: int
    cycle: int
    day: int
    slot: int | None = None
    drug: str | None = None


@dataclass(frozen=True)
class Stop:
    """End the course: nothing after ``after`` (a date), or after cycle ``cycle`` of ``phase``."""

    after: date | None = None
    phase: int | None = None
    cycle: int | None = None


@dataclass(frozen=True)
class Retime:
    """From ``start`` on, the day's first dose is at ``at`` (later doses keep their spacing)."""

    start: date
    at: time


@dataclass(frozen=True)
class Close:
    """More closed days: dates, public holidays of a region (``GB-ENG``), weekdays (0 = Monday)."""

    dates: tuple[date, ...] = ()
    holidays: str | None = None
    weekdays: tuple[int, ...] = ()


Adjustment = Delay | Omit | Stop | Retime | Close
