"""What an event is, as facts: plain values the engine knows when it makes the event, from
which :mod:`scheduler.plan.wording` writes every sentence a person reads (in their language).

The engine decides dates and keeps facts; it builds no sentence. Facts are named tuples:
immutable, hashable, cheap to make for every dose and to define at start-up.
Text the regimen's author wrote (a precaution's title and instructions, an appointment's
name) is carried as written: it is the regimen's own words, never translated by the tool.

(Issue 22, in steps: every kind of event first; then moves, workings and course changes.
docs/wording-plan.md.)
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

__all__ = [
    "AskFacts",
    "Carried",
    "ClockMoved",
    "ClosureMoved",
    "CourseEventFacts",
    "CycleEventFacts",
    "CycleMoved",
    "DoseFacts",
    "DoseRuleFacts",
    "EndFacts",
    "Facts",
    "KeptClosed",
    "Move",
    "Place",
    "PrecautionFacts",
]


class Place(NamedTuple):
    """Where an event falls in the regimen: its phase, cycle and cycle day, and what the cycle
    is like (for "cycle 2, day 3 of 35", "day 45 of continuous treatment", "week 3, Monday")."""

    phase: str | None
    """The phase's name when the regimen has several phases; None when it has one."""
    cycle: int
    day: int
    """The cycle day (1 = the first; -1 = the day before the cycle)."""
    weekday: int
    """The weekday of its date (0 = Monday)."""
    cycle_days: int
    cycle_months: int | None = None
    continuous: bool = False
    weekly: bool = False
    """A once-a-week dose rule (named by its weekday: "every Wednesday, week 3")."""
    weekdays: str | None = None
    """A rule given on weekdays, as the regimen writes them ("Mon-Fri")."""


class CycleEventFacts(NamedTuple):
    """A blood test or visit of a cycle."""

    title: str
    instructions: str
    place: Place


class DoseRuleFacts(NamedTuple):
    """What every dose of one rule in one cycle shares: the drug as the regimen names it, the
    amount and its working (as written for now) and how it is timed."""

    drug: str
    drug_title: str
    route: str
    route_words: str
    route_abbrev: str
    amount: str | None
    working: str | None
    duration: timedelta
    instructions: str
    every: timedelta | None = None
    of: int = 1
    """How many doses an every-N-hours series has in the cycle."""
    relative: tuple[timedelta, bool, str] | None = None
    """Timed from another drug's dose: (offset, from its start, that drug's name)."""
    follows: str | None = None
    """Given on the days another drug is given: that drug's name."""


class DoseFacts(NamedTuple):
    """A dose: its rule's facts, where it falls, which of a series it is."""

    rule: DoseRuleFacts
    place: Place
    ordinal: int = 0
    """Which dose of an every-N-hours series it is (0-based), of ``rule.of``."""
    counted: tuple[int, int] | None = None
    """A counted rule's (n, count): "4 of 30"."""


class PrecautionFacts(NamedTuple):
    """A precaution over the treatment (and after it): "No live vaccines"."""

    title: str
    instructions: str
    start: date
    """Its first day: the first dose's day, or the day after the last (``during_treatment``)."""
    last_dose: date
    end: date
    """Its last day, inclusive: the last dose's day when the source states no period."""
    period: str | None
    """How long after the last dose, as the regimen writes it (``12 months``); None when the
    source does not state it (the patient is told to ask)."""


class AskFacts(NamedTuple):
    """The day after the last dose of a precaution whose source gives no end: ask the team."""

    title: str
    instructions: str
    last_dose: date


class CourseEventFacts(NamedTuple):
    """An appointment placed from the course as a whole ("response scan 4 weeks after the last
    dose")."""

    title: str
    instructions: str
    offset: str
    """As the regimen writes it (``4 weeks``)."""
    before: bool
    anchor: str
    """What it is placed from, in the regimen's words (``last dose``)."""
    anchor_date: date


class EndFacts(NamedTuple):
    """The appointment when a dose ends ("Pump disconnection")."""

    title: str
    drug: str
    started: datetime
    cycle: int | None


Facts = DoseFacts | CycleEventFacts | PrecautionFacts | AskFacts | CourseEventFacts | EndFacts
"""The facts an event can carry."""


# -- what moved an event, and why (each said in its description, at the top) --------------------


class CycleMoved(NamedTuple):
    """The cycle's first dose day was closed: the whole cycle starts on the next open day."""

    was: date
    to: date
    setting: str
    reason: str
    """Why that day is closed (a holiday's name, "closed on Sundays")."""


class ClosureMoved(NamedTuple):
    """The event's own day was closed: moved to the nearest open day."""

    was: date
    to: date
    reason: str


class Carried(NamedTuple):
    """Moved with the doses before it (a run of days keeps its spacing)."""

    was: date
    to: date
    setting: str
    closed: date
    reason: str


class KeptClosed(NamedTuple):
    """Kept on a closed day ("keep and flag"): the patient must check with the team."""

    setting: str
    day: date
    reason: str


class ClockMoved(NamedTuple):
    """Moved later so that a drug's doses stay far enough apart in real time across a change
    of the clocks."""

    shift: timedelta
    was: datetime
    drug: str
    limit: timedelta


Move = CycleMoved | ClosureMoved | Carried | KeptClosed | ClockMoved
"""What can move (or flag) an event in a plan."""
