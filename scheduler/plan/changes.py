"""Changes to a plan after it was made — a cycle or a day delayed, doses omitted or held, a dose
changed, an early stop, a new dose time, more closed days — as typed, validated values. The
engine applies them (rules in docs/courses.md); a course's history is a list of them
(scheduler.course), and course/kinds.py is the one table of how each is read, written and said.

Every value is checked when it is built: a change that could not mean anything (cycle 0, a
delay of a billion days, an empty drug name, a 0 % dose) is a
:class:`~scheduler.errors.PlanError` naming the field, before any plan is made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from enum import StrEnum

from ..errors import PlanError
from ..regimen.amounts import Amount
from .bounds import check_date

__all__ = [
    "CHANGES",
    "MAX_DELAY_DAYS",
    "MAX_PERCENT",
    "Change",
    "Close",
    "Delay",
    "DoseChange",
    "Hold",
    "Omit",
    "Retime",
    "Scope",
    "Stop",
]

#: A delay longer than a year is a new course, not a delay.
MAX_DELAY_DAYS = 366
#: A dose change is a percentage of the regimen's dose: a reduction, or an escalation to 200 %.
MAX_PERCENT = Decimal(200)
#: Phases, cycles, days and dose slots are small positive numbers; anything larger is a typo.
_MAX_NUMBER = 100_000
#: Reasons written into a change (a dose change's, shown in every event's working).
_MAX_REASON = 1_000


def _whole(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanError(f"{field} must be a whole number, got {value!r:.60}", field=field)
    if not low <= value <= high:
        raise PlanError(f"{field} must be from {low:,} to {high:,}, got {value:,}", field=field)
    return value


def _day(value: object, field: str = "day") -> int:
    day = _whole(value, field, -_MAX_NUMBER, _MAX_NUMBER)
    if day == 0:
        raise PlanError("day must not be 0 (day 1 is the first day of a cycle)", field=field)
    return day


def _drug(value: object) -> None:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise PlanError(f"drug must be a drug of the regimen, got {value!r:.60}", field="drug")


class Scope(StrEnum):
    """What a delay moves, as oncology systems let a nurse choose (OpenMRS order extensions,
    Epic Beacon's treatment days)."""

    LATER = "later"
    """This cycle and every later cycle start later (the default)."""
    DAY = "day"
    """This cycle day only: the rest of the cycle stays."""
    REST_OF_CYCLE = "rest-of-cycle"
    """This day and the rest of this cycle; later cycles stay."""
    DAY_IN_LATER_CYCLES = "day-in-later-cycles"
    """This cycle day, in this cycle and in every later cycle (day 8 of each cycle)."""


@dataclass(frozen=True)
class Delay:
    """Move part of the plan ``days`` later: by ``scope`` (:class:`Scope`), cycle ``cycle`` of
    ``phase`` and every later cycle (the default), or cycle day ``day`` only, the rest of the
    cycle from ``day``, or day ``day`` of this and every later cycle."""

    phase: int
    cycle: int
    days: int
    day: int | None = None
    """The cycle day a day-scoped delay starts from (required by every scope but ``later``)."""
    scope: Scope = Scope.LATER

    def __post_init__(self) -> None:
        _whole(self.phase, "phase", 1, _MAX_NUMBER)
        _whole(self.cycle, "cycle", 1, _MAX_NUMBER)
        _whole(self.days, "days", 1, MAX_DELAY_DAYS)
        if not isinstance(self.scope, str) or self.scope not in tuple(Scope):
            allowed = ", ".join(Scope)
            raise PlanError(
                f"scope must be one of {allowed}, got {self.scope!r:.60}", field="scope"
            )
        object.__setattr__(self, "scope", Scope(self.scope))
        if self.scope is Scope.LATER:
            if self.day is not None:
                raise PlanError(
                    "a delay of the cycle and later cycles takes no day (give a scope such as "
                    "day or rest-of-cycle to delay from a day)",
                    field="day",
                )
        elif self.day is None:
            raise PlanError(f"a delay of scope {self.scope} needs the cycle day", field="day")
        else:
            _day(self.day)

    def moves(self, phase: int, cycle: int, day: int) -> bool:
        """Whether this day-scoped delay moves cycle day ``day`` of ``cycle`` of ``phase``."""
        if phase != self.phase:
            return False
        match self.scope:
            case Scope.DAY:
                return (cycle, day) == (self.cycle, self.day)
            case Scope.REST_OF_CYCLE:
                return cycle == self.cycle and day >= (self.day or 1)
            case Scope.DAY_IN_LATER_CYCLES:
                return cycle >= self.cycle and day == self.day
            case Scope.LATER:
                return False


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
        _day(self.day)
        if self.slot is not None:
            _whole(self.slot, "slot", 1, _MAX_NUMBER)
        if self.drug is not None:
            _drug(self.drug)


@dataclass(frozen=True)
class Hold:
    """Hold one drug of a combination for a whole cycle (its other drugs go on); not replaced."""

    drug: str
    """A drug *key* of the regimen."""
    phase: int
    cycle: int

    def __post_init__(self) -> None:
        _drug(self.drug)
        _whole(self.phase, "phase", 1, _MAX_NUMBER)
        _whole(self.cycle, "cycle", 1, _MAX_NUMBER)


@dataclass(frozen=True)
class DoseChange:
    """From cycle ``cycle`` of ``phase`` on, ``drug`` is given at ``percent`` % of the regimen's
    dose ("75 % from cycle 3") or as ``amount`` instead; ``reason`` is said in every changed
    dose's working. A later dose change of the same drug replaces it from its own cycle."""

    drug: str
    phase: int
    cycle: int
    reason: str
    percent: Decimal | None = None
    amount: Amount | None = None

    def __post_init__(self) -> None:
        _drug(self.drug)
        _whole(self.phase, "phase", 1, _MAX_NUMBER)
        _whole(self.cycle, "cycle", 1, _MAX_NUMBER)
        if not isinstance(self.reason, str) or not self.reason.strip():
            raise PlanError(
                "a dose change needs its reason (it is said in every changed dose)",
                field="reason",
            )
        if len(self.reason) > _MAX_REASON:
            raise PlanError(f"a reason is at most {_MAX_REASON:,} characters", field="reason")
        if (self.percent is None) == (self.amount is None):
            raise PlanError(
                "a dose change needs exactly one of a percentage (75) or an amount (100 mg)",
                field="percent",
            )
        if self.percent is not None and not (
            isinstance(self.percent, Decimal)
            and self.percent.is_finite()
            and Decimal(0) < self.percent <= MAX_PERCENT
        ):
            raise PlanError(
                f"a dose percentage must be more than 0 and at most {MAX_PERCENT} "
                f"(75 for a 25 % reduction), got "
                f"{self.percent if isinstance(self.percent, Decimal) else repr(self.percent):.60}",
                field="percent",
            )
        if self.amount is not None and not isinstance(self.amount, Amount):
            raise PlanError(f"amount must be an Amount, got {self.amount!r:.60}", field="amount")


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
            if self.phase is None:
                object.__setattr__(self, "phase", 1)
            _whole(self.phase, "phase", 1, _MAX_NUMBER)


@dataclass(frozen=True)
class Retime:
    """From ``start`` on, the day's first dose is at ``at`` (later doses keep their spacing)."""

    start: date
    at: time

    def __post_init__(self) -> None:
        check_date(self.start, "from")
        if not isinstance(self.at, time) or self.at.tzinfo is not None:
            raise PlanError(f"time must be a clock time (HH:MM), got {self.at!r:.60}", field="time")
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
                f"holidays must be a region such as GB-ENG, got {self.holidays!r:.60}",
                field="holidays",
            )
        if not (self.dates or self.holidays or self.weekdays):
            raise PlanError("a closure needs dates, a holiday region or weekdays", field="dates")


Change = Delay | Omit | Hold | DoseChange | Stop | Retime | Close
#: Every kind of change, for checks that a value is one (the engine handles each in a match).
CHANGES: tuple[type, ...] = (Delay, Omit, Hold, DoseChange, Stop, Retime, Close)
