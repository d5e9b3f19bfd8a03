"""The kinds of entry a course's history holds, in one table: each change to the plan
(plan/changes.py) and a withdrawal. A row says the word the file and the commands use, the
fields the entry is written with (and so read back with), how it is said to a nurse, and what in
the regimen it must name. Adding a kind is a row here and a case in the engine's ``match``,
which mypy holds to every kind of change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from typing import Any

from ..plan.changes import (
    MAX_DELAY_DAYS,
    Close,
    Delay,
    DoseChange,
    Hold,
    Omit,
    Retime,
    Scope,
    Stop,
)
from ..regimen.amounts import Amount
from ..regimen.model import Regimen
from ..regimen.notation import format_date, weekday_name
from ..words import plural
from .history import Recordable, Switch, Withdraw

__all__ = ["BY_ACTION", "KINDS", "Field", "Kind", "field_values", "kind_of", "refers", "words"]

#: Phases, cycles and dose slots in a course file: small numbers (a typo is refused).
MAX_NUMBER = 100_000
#: Cycle days: at most a cycle either side of day 1.
MAX_DAY = 366


@dataclass(frozen=True)
class Field:
    """One field of an entry in the course file."""

    name: str
    """The key in the file (``from`` for a retime's start)."""
    attr: str
    """The value's attribute it holds."""
    type: str
    """How it is read and written: ``whole``, ``day``, ``date``, ``clock``, ``text``,
    ``dates``, ``weekdays``, ``region``, ``scope``, ``percent`` or ``amount``."""
    required: bool = False
    default: object = None
    """Taken when the field is absent."""
    omit: object = None
    """Not written when the value is this (None and empty lists never are)."""
    high: int = MAX_NUMBER
    entry: bool = False
    """The entry's own field (a dose change's reason is the entry's ``reason``): not written twice."""
    what: str = ""
    """How a message names it (default: ``the <name>``)."""


@dataclass(frozen=True)
class Kind:
    """One kind of history entry."""

    action: str
    type: type
    fields: tuple[Field, ...]
    words: Callable[[Any], str]
    refers: Callable[[Any, Regimen], tuple[str, str] | None]


def _phase_of(number: object) -> str:
    return f" of phase {number}" if number not in (None, 1) else ""


def _days(count: int) -> str:
    return plural(count, "day")


_SCOPE_WORDS = {
    Scope.DAY: "day {day} of cycle {cycle}{phase} only delayed by {days}",
    Scope.REST_OF_CYCLE: "cycle {cycle}{phase} from day {day} delayed by {days} (later cycles stay)",
    Scope.DAY_IN_LATER_CYCLES: "day {day} of cycle {cycle}{phase} and of every later cycle "
    "delayed by {days}",
}


def _delay_words(change: Delay) -> str:
    if change.scope is Scope.LATER:
        return (f"cycle {change.cycle}{_phase_of(change.phase)} and later cycles delayed by "
                f"{_days(change.days)}")  # fmt: skip
    return _SCOPE_WORDS[change.scope].format(
        day=change.day, cycle=change.cycle, phase=_phase_of(change.phase), days=_days(change.days)
    )


def _omit_words(change: Omit) -> str:
    which = f"dose {change.slot} of " if change.slot else ""
    drug = f" ({change.drug})" if change.drug else ""
    return (f"{which}cycle {change.cycle}{_phase_of(change.phase)}, day {change.day}{drug} "
            "omitted (not replaced)")  # fmt: skip


def _hold_words(change: Hold) -> str:
    return f"{change.drug} held for cycle {change.cycle}{_phase_of(change.phase)} (not replaced)"


def _dose_words(change: DoseChange) -> str:
    to = f"{change.percent.normalize():f} %" if change.percent is not None else str(change.amount)
    return f"{change.drug} dose changed to {to} from cycle {change.cycle}{_phase_of(change.phase)}"


def _stop_words(change: Stop) -> str:
    if change.after is not None:
        return f"stopped after {format_date(change.after)}"
    return f"stopped after cycle {change.cycle}{_phase_of(change.phase)}"


def _retime_words(change: Retime) -> str:
    return f"doses from {format_date(change.start)} at {change.at:%H:%M}"


def _close_words(change: Close) -> str:
    parts = [format_date(x) for x in change.dates]
    if change.holidays:
        parts.append(f"public holidays of {change.holidays}")
    parts += [f"{weekday_name(w)}s" for w in change.weekdays]
    return "closed: " + ", ".join(parts)


def _withdraw_words(change: Withdraw) -> str:
    return f"entry {change.entry} withdrawn (its change no longer applies)"


def _switch_words(change: Switch) -> str:
    bound = f" for {plural(change.cycles, 'cycle')}" if change.cycles else ""
    return f"switched to {change.regimen} from {format_date(change.start)}{bound}"


# -- what an entry must name in the regimen ----------------------------------------------------


def _phase(change: Any, regimen: Regimen) -> tuple[str, str] | None:
    phase = getattr(change, "phase", None)
    count = len(regimen.phases)
    if phase is not None and phase > count:
        return "phase", f"the regimen {regimen.id!r} has {plural(count, 'phase')}, not {phase}"
    return None


def _drug(change: Any, regimen: Regimen) -> tuple[str, str] | None:
    drug = getattr(change, "drug", None)
    if drug is not None and drug not in {d.key for d in regimen.drugs}:
        return "drug", f"unknown drug {drug!r} ({allowed_drugs(regimen)})"
    return None


def _day(change: Any, regimen: Regimen) -> tuple[str, str] | None:
    day = getattr(change, "day", None)
    if day is None:
        return None
    days = regimen.phases[change.phase - 1].cycle_days
    if day == 0:
        return "day", "there is no day 0: day 1 is a cycle's first day, -1 the day before it"
    if not -days <= day <= days:
        return "day", (f"day {day} is outside the {days}-day cycle (allowed: 1 to {days}, or -1 "
                       f"to -{days} for the days before it)")  # fmt: skip
    return None


def _dose(change: DoseChange, regimen: Regimen) -> tuple[str, str] | None:
    rules = [r for r in regimen.phases[change.phase - 1].doses if r.drug == change.drug]
    if not rules:
        return "drug", f"{change.drug!r} is not given in phase {change.phase}"
    if any(r.amount is None for r in rules):
        return "drug", f"the regimen states no amount for {change.drug!r} to change"
    if change.amount is not None and any(
        r.amount is not None and r.amount.base_unit != change.amount.base_unit for r in rules
    ):
        written = next(r.amount for r in rules if r.amount is not None)
        return "amount", (f"{change.amount} is not in the unit of the regimen's dose "
                          f"({written}): give it in {written.base_unit}")  # fmt: skip
    return None


def _checks(
    *checks: Callable[[Any, Regimen], tuple[str, str] | None],
) -> Callable[[Any, Regimen], tuple[str, str] | None]:
    def check(change: Any, regimen: Regimen) -> tuple[str, str] | None:
        for one in checks:
            problem = one(change, regimen)
            if problem is not None:
                return problem
        return None

    return check


def _nothing(_change: Any, _regimen: Regimen) -> tuple[str, str] | None:
    return None


# -- the table -----------------------------------------------------------------------------------

_PHASE = Field("phase", "phase", "whole", default=1)
_CYCLE = Field("cycle", "cycle", "whole", required=True)

KINDS: tuple[Kind, ...] = (
    Kind("delay", Delay, (_PHASE, _CYCLE, Field("days", "days", "whole", True, high=MAX_DELAY_DAYS, what="the delay in days"),
                          Field("day", "day", "day"), Field("scope", "scope", "scope", default=Scope.LATER, omit=Scope.LATER)),
         _delay_words, _checks(_phase, _day)),
    Kind("omit", Omit, (_PHASE, _CYCLE, Field("day", "day", "day", True), Field("slot", "slot", "whole"),
                        Field("drug", "drug", "text")),
         _omit_words, _checks(_phase, _day, _drug)),
    Kind("hold", Hold, (Field("drug", "drug", "text", True), _PHASE, _CYCLE),
         _hold_words, _checks(_phase, _drug)),
    Kind("dose", DoseChange, (Field("drug", "drug", "text", True), _PHASE, _CYCLE,
                              Field("percent", "percent", "percent"), Field("amount", "amount", "amount"),
                              Field("reason", "reason", "text", True, entry=True)),
         _dose_words, _checks(_phase, _drug, _dose)),
    Kind("stop", Stop, (Field("after", "after", "date"), Field("phase", "phase", "whole"),
                        Field("cycle", "cycle", "whole")),
         _stop_words, _phase),
    Kind("retime", Retime, (Field("from", "start", "date", True), Field("time", "at", "clock", True)),
         _retime_words, _nothing),
    Kind("close", Close, (Field("dates", "dates", "dates"), Field("holidays", "holidays", "region"),
                          Field("weekdays", "weekdays", "weekdays")),
         _close_words, _nothing),
    Kind("withdraw", Withdraw, (Field("entry", "entry", "whole", True),), _withdraw_words, _nothing),
    Kind("switch", Switch, (Field("regimen", "regimen", "text", True), Field("from", "start", "date", True),
                            Field("cycles", "cycles", "whole", high=10_000)), _switch_words, _nothing),
)  # fmt: skip
BY_ACTION: dict[str, Kind] = {kind.action: kind for kind in KINDS}
_BY_TYPE: dict[type, Kind] = {kind.type: kind for kind in KINDS}


def kind_of(change: Recordable) -> Kind:
    """The row of ``change``'s kind."""
    return _BY_TYPE[type(change)]


def words(change: Recordable) -> str:
    """What ``change`` does, in a nurse's words."""
    return kind_of(change).words(change)


def refers(change: Recordable, regimen: Regimen) -> tuple[str, str] | None:
    """``(field, message)`` if ``change`` names a phase, day or drug the regimen does not have."""
    return kind_of(change).refers(change, regimen)


def field_values(change: Recordable) -> list[tuple[str, object]]:
    """The course-file fields of ``change`` that are set, in the table's order, as TOML values
    (dates, whole numbers, texts and lists of them)."""
    out: list[tuple[str, object]] = []
    for field in kind_of(change).fields:
        value = getattr(change, field.attr)
        if value is None or value == () or field.entry or value == field.omit:
            continue
        out.append((field.name, _written(field, value)))
    return out


def _written(field: Field, value: Any) -> object:
    match field.type:
        case "clock":
            assert isinstance(value, time)
            return value.strftime("%H:%M")
        case "dates":
            return list(value)
        case "weekdays":
            return [weekday_name(w) for w in value]
        case "percent":
            assert isinstance(value, Decimal)
            number = value.normalize()
            return int(number) if number == number.to_integral_value() else float(number)
        case "amount" | "scope":
            assert isinstance(value, Amount | str)
            return str(value)
        case _:
            assert isinstance(value, int | str | date)
            return value


def allowed_drugs(regimen: Regimen) -> str:
    """``allowed: rituximab, cyclophosphamide, ...`` (a drug's name too where it differs)."""
    return "allowed: " + ", ".join(f"{d.key} ({d.name})" if d.name.casefold() != d.key else d.key
                                   for d in regimen.drugs)  # fmt: skip
