"""Words from facts (issue 22, first kinds): precautions, the day to ask the team, course-level
appointments and the appointment when a dose ends carry their facts, and their title and
description are written from them by plan/wording.py, in a language.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027, one 35-day cycle: the last injection is on
day 26, Fri 29 Jan 2027; "no live vaccines" runs 12 months after it, to Sat 29 Jan 2028.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from scheduler.language import ENGLISH, Language
from scheduler.plan import wording
from scheduler.plan.facts import (
    AskFacts,
    CourseEventFacts,
    CycleEventFacts,
    DoseFacts,
    EndFacts,
    Place,
    PrecautionFacts,
)
from scheduler.planner import plan
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body
from scheduler.regimen.model import EventKind

KINDS = (DoseFacts, CycleEventFacts, PrecautionFacts, AskFacts, CourseEventFacts, EndFacts)


def test_precautions_say_their_span_from_their_facts() -> None:
    planned = plan("aldesleukin-sc", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    vaccines = next(e for e in planned.events if e.title == "No live vaccines")
    assert vaccines.facts == PrecautionFacts(
        "No live vaccines", vaccines.facts.instructions, date(2027, 1, 4), date(2027, 1, 29),  # type: ignore[union-attr]
        date(2028, 1, 29), "12 months",
    )  # fmt: skip
    assert vaccines.description.splitlines()[0] == (
        "No live vaccines. From Mon 4 Jan 2027 until Sat 29 Jan 2028 inclusive: 12 months after "
        "your last planned dose on Fri 29 Jan 2027."
    )
    ask = next(e for e in planned.events if isinstance(e.facts, AskFacts))
    assert ask.title == "Use contraception; do not breastfeed — ask your team how long to continue"
    assert ask.start == date(2027, 1, 30)


def test_every_event_is_worded_from_its_facts() -> None:
    """Across every bundled regimen: every event has its facts, and its title and description
    lines are exactly what wording writes from them (the engine builds no sentence)."""
    seen: set[type] = set()
    for regimen_id in bundled_ids():
        planned = plan(regimen_id, start=date(2027, 1, 4), zone="Europe/London", cycles=2)
        for event in planned.events:
            assert isinstance(event.facts, KINDS), (regimen_id, event.slot)
            seen.add(type(event.facts))
            assert event.title == wording.title(event.facts)
            said = wording.lines(event, event.facts)
            assert "\n".join(line for line in said if line) in event.description, (
                regimen_id,
                event.slot,
            )
    assert seen == set(KINDS)


def test_places_by_hand() -> None:
    """The words of where an event falls, for each kind of cycle."""
    cycle = Place(phase=None, cycle=2, day=3, weekday=2, cycle_days=21)
    assert (wording.label(cycle), wording.where(cycle)) == (
        "cycle 2, day 3",
        "cycle 2, day 3 of 21",
    )
    premed = Place(phase="Induction", cycle=2, day=-1, weekday=0, cycle_days=21)
    assert wording.label(premed) == "day \u22121 of cycle 2"
    assert (
        wording.where(premed, dose=True)
        == "Induction, day \u22121 of cycle 2, the day before it starts"
    )
    assert wording.where(premed) == "Induction, cycle 2, day -1 of 21"
    daily = Place(phase=None, cycle=3, day=5, weekday=4, cycle_days=28, continuous=True)
    assert (wording.label(daily), wording.where(daily)) == (
        "day 61",
        "day 61 of continuous treatment",
    )
    weekly = Place(phase=None, cycle=3, day=1, weekday=2, cycle_days=7, weekly=True)
    assert wording.label(weekly) == "every Wednesday, week 3"
    assert wording.where(weekly, dose=True) == "week 3, taken every Wednesday"
    weekdays = Place(phase=None, cycle=1, day=2, weekday=1, cycle_days=7, weekdays="Mon-Fri")
    assert (wording.label(weekdays), wording.where(weekdays, dose=True)) == (
        "week 1, Tuesday",
        "week 1, Mon-Fri",
    )
    months = Place(phase=None, cycle=2, day=10, weekday=0, cycle_days=89, cycle_months=3)
    assert wording.where(months) == "cycle 2, day 10 of a 3-month cycle"


def test_dates_and_times_are_the_languages() -> None:
    """The sentences wait for their catalogs; the dates and times in them already go through
    the language (here a French CLDR locale on the English sentences)."""
    french = Language("fr", "Français", "fr", date_pattern="EEE d MMM y", time_pattern="HH:mm")
    planned = plan("mfolfox6", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    end = next(e for e in planned.events if isinstance(e.facts, EndFacts))
    assert isinstance(end.start, datetime)
    english = wording.lines(end, end.facts, ENGLISH)  # type: ignore[arg-type]
    in_french = wording.lines(end, end.facts, french)  # type: ignore[arg-type]
    assert english[0].startswith("Pump disconnection: Wed 6 Jan 2027 at ")
    assert in_french[0].startswith("Pump disconnection: mer. 6 janv. 2027 at ")
    moved = replace(end, start=datetime(2027, 1, 7, 21, 30, tzinfo=end.start.tzinfo))
    assert wording.when(moved) == "Thu 7 Jan 2027 at 21:30"  # the final start, wherever it moved


def test_what_moved_an_event_is_kept_as_facts_and_said_from_them() -> None:
    """HD aldesleukin from Mon 3 May 2027, an English bank holiday (docs/courses.md): the cycle
    starts on Tue 4 May, and every dose of it carries that move as a fact, said at its top."""
    from scheduler.plan.closures import Closures
    from scheduler.plan.facts import CycleMoved

    planned = plan("aldesleukin-hd-iv", start=date(2027, 5, 3), zone="Europe/London", cycles=1,
                   body=Body(weight_kg=Decimal(70)), closures=Closures(regions=("GB-ENG",)))  # fmt: skip
    dose = next(e for e in planned.events if e.kind == EventKind.DOSE)
    assert dose.start.date() == date(2027, 5, 4)  # type: ignore[union-attr]
    (moved,) = dose.moves
    assert isinstance(moved, CycleMoved) and (moved.was, moved.to, moved.setting) == (
        date(2027, 5, 3), date(2027, 5, 4), "hospital",
    )  # fmt: skip
    assert dose.notes == (wording.note(moved),)
    assert dose.notes[0].startswith(
        "This cycle moved from Mon 3 May 2027 to Tue 4 May 2027: the hospital is closed on Mon 3 May 2027 ("
    )
    assert dose.description.startswith(dose.notes[0])
