"""What an event is, as facts: plain values the engine knows when it makes the event, from
which :mod:`scheduler.plan.wording` writes every sentence a person reads (in their language).

The engine decides dates and keeps facts; it builds no sentence for the kinds of event here.
Text the regimen's author wrote (a precaution's title and instructions, an appointment's
name) is carried as written: it is the regimen's own words, never translated by the tool.

(Issue 22, in steps: precautions, course events and dose-end appointments first; doses and
cycle events follow, then moves, workings and course changes. docs/wording-plan.md.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

__all__ = ["AskFacts", "CourseEventFacts", "EndFacts", "Facts", "PrecautionFacts"]


@dataclass(frozen=True)
class PrecautionFacts:
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


@dataclass(frozen=True)
class AskFacts:
    """The day after the last dose of a precaution whose source gives no end: ask the team."""

    title: str
    instructions: str
    last_dose: date


@dataclass(frozen=True)
class CourseEventFacts:
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


@dataclass(frozen=True)
class EndFacts:
    """The appointment when a dose ends ("Pump disconnection")."""

    title: str
    drug: str
    started: datetime
    cycle: int | None


Facts = PrecautionFacts | AskFacts | CourseEventFacts | EndFacts
"""The facts an event can carry (more kinds follow: doses, tests and visits of a cycle)."""
