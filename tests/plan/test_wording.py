"""Words from facts (issue 22, first kinds): precautions, the day to ask the team, course-level
appointments and the appointment when a dose ends carry their facts, and their title and
description are written from them by plan/wording.py, in a language.

Dates by hand: aldesleukin-sc from Mon 4 Jan 2027, one 35-day cycle: the last injection is on
day 26, Fri 29 Jan 2027; "no live vaccines" runs 12 months after it, to Sat 29 Jan 2028.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from scheduler.language import ENGLISH, Language
from scheduler.plan import wording
from scheduler.plan.facts import AskFacts, CourseEventFacts, EndFacts, PrecautionFacts
from scheduler.planner import plan
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.model import EventKind

KINDS = (PrecautionFacts, AskFacts, CourseEventFacts, EndFacts)


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


def test_every_event_of_these_kinds_is_worded_from_its_facts() -> None:
    """Across every bundled regimen: each precaution and course-level or dose-end appointment
    has facts, and its title and description lines are exactly what wording writes from them."""
    seen: set[type] = set()
    for regimen_id in bundled_ids():
        planned = plan(regimen_id, start=date(2027, 1, 4), zone="Europe/London", cycles=2)
        for event in planned.events:
            if (
                event.kind == EventKind.PRECAUTION
                or event.slot.startswith("visit:end-")
                or event.cycle is None
            ):
                assert isinstance(event.facts, KINDS), (regimen_id, event.slot)
            if event.facts is None:
                continue
            seen.add(type(event.facts))
            assert event.title == wording.title(event.facts)
            said = wording.lines(event, event.facts)
            assert "\n".join(line for line in said if line) in event.description, (
                regimen_id,
                event.slot,
            )
    assert seen == set(KINDS)


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
