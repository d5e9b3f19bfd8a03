"""The one place the words of an event are written, from its facts (plan/facts.py) and in a
language (scheduler/language): titles and the lines of a description. The engine calls it for
every event that carries facts; the views read the text it wrote.

Every sentence here will go through the language's catalog (issue 22); dates, times and
numbers already go through the language.
"""

from __future__ import annotations

from datetime import datetime
from typing import assert_never

from ..language import ENGLISH, Language
from .events import Event
from .facts import AskFacts, CourseEventFacts, EndFacts, Facts, PrecautionFacts

__all__ = ["lines", "title"]


def title(facts: Facts, language: Language = ENGLISH) -> str:
    """The event's title, as a calendar shows it."""
    match facts:
        case PrecautionFacts():
            return facts.title
        case AskFacts():
            return f"{facts.title} — ask your team how long to continue"
        case CourseEventFacts():
            return facts.title
        case EndFacts():
            return f"{facts.title} — cycle {facts.cycle}"
        case _:
            assert_never(facts)


def lines(event: Event, facts: Facts, language: Language = ENGLISH) -> list[str]:
    """The lines of the event's description that say what it is and when (the engine adds
    what moved it before them and the regimen and source after)."""
    on = language.date
    match facts:
        case PrecautionFacts():
            if facts.period is None:
                span = (
                    f"From {on(facts.start)} to your last planned dose on {on(facts.last_dose)}, "
                    "and for a time afterwards that the source does not state: ask your care "
                    "team how long."
                )
            else:
                span = (
                    f"From {on(facts.start)} until {on(facts.end)} inclusive: {facts.period} "
                    f"after your last planned dose on {on(facts.last_dose)}."
                )
            return [f"{facts.title}. {span}", facts.instructions,
                    "If your treatment dates change, this end date changes too."]  # fmt: skip
        case AskFacts():
            return [f"{facts.title}: this continues after your last planned dose on "
                    f"{on(facts.last_dose)}, for a time the source does not state. Keep to it "
                    "and ask your care team how long.",
                    facts.instructions,
                    "If your treatment dates change, this date changes too."]  # fmt: skip
        case CourseEventFacts():
            relation = "before" if facts.before else "after"
            return [f"{facts.title}: {when(event, language)}.",
                    f"{facts.offset} {relation} the {facts.anchor} ({on(facts.anchor_date)}).",
                    facts.instructions]  # fmt: skip
        case EndFacts():
            started = facts.started
            return [f"{facts.title}: {when(event, language)}.",
                    f"The {facts.drug} dose that started {on(started)} at "
                    f"{language.time(started)} ends now."]  # fmt: skip
        case _:
            assert_never(facts)


def when(event: Event, language: Language = ENGLISH) -> str:
    """``Mon 4 Jan 2027 at 09:00``, or ``Mon 4 Jan 2027 (all day)``."""
    if isinstance(event.start, datetime):
        return f"{language.date(event.start)} at {language.time(event.start)}"
    return f"{language.date(event.start)} (all day)"
