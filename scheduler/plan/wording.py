"""The one place the words of an event are written, from its facts (plan/facts.py) and in a
language (scheduler/language): titles and the lines of a description. The engine calls it for
every event that carries facts; the views read the text it wrote.

Every sentence here will go through the language's catalog (issue 22); dates, times and
numbers already go through the language.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import assert_never

from ..language import ENGLISH, Language
from ..regimen.notation import format_duration, format_elapsed, format_relative
from .events import Event
from .facts import (
    AskFacts,
    Carried,
    ClockMoved,
    ClosureMoved,
    CourseEventFacts,
    CycleEventFacts,
    CycleMoved,
    DoseFacts,
    EndFacts,
    Facts,
    KeptClosed,
    Move,
    Place,
    PrecautionFacts,
)

__all__ = ["flag", "flagged", "label", "lines", "note", "title", "when", "where"]

#: Durations repeat across a plan (every dose of a rule): said once each.
_duration = lru_cache(maxsize=256)(format_duration)
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def title(facts: Facts, language: Language = ENGLISH) -> str:
    """The event's title, as a calendar shows it."""
    match facts:
        case DoseFacts():
            rule = facts.rule
            text = rule.drug_title + (f" {rule.amount}" if rule.amount else "")
            place = label(facts.place)
            if facts.counted is not None:
                # "4 of 30": the patient counts fractions, not weeks of a 7-day cycle.
                number, count = facts.counted
                place = f"{number} of {count}" + (
                    "" if facts.place.weekdays is not None else f", {place}"
                )
            text += f" — {place}"
            if rule.every is not None:
                text += f", dose {facts.ordinal + 1} of {rule.of}"
            return text
        case CycleEventFacts():
            return f"{facts.title} — cycle {facts.place.cycle}"
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
        case DoseFacts():
            start = event.start
            assert isinstance(start, datetime)
            rule = facts.rule
            head = [f"{rule.drug}: {rule.route_words} ({rule.route}, {rule.route_abbrev})."]
            if rule.amount:
                head.append(f"Dose: {rule.amount}.")
                if rule.working:
                    head.append(f"Working: {rule.working}")
            timing = f"over {_duration(rule.duration)}"
            if rule.every is not None:
                timing += (f"; every {_duration(rule.every)}, dose {facts.ordinal + 1} of "
                           f"{rule.of} this cycle")  # fmt: skip
            if rule.relative is not None:
                timing += f", {format_relative(*rule.relative)}"
            if rule.follows is not None:
                timing += f", on the days {rule.follows} is given"
            return [*head, f"When: {on(start)} at {language.time(start)}, {timing}; "
                    f"{where(facts.place, dose=True)}.", rule.instructions]  # fmt: skip
        case CycleEventFacts():
            day = facts.place.day
            before = " (the day before the cycle starts)" if day == -1 else ""
            if day < -1:
                before = f" ({-day} days before the cycle starts)"
            return [f"{facts.title}: {when(event, language)}.",
                    f"For {where(facts.place)}{before}.", facts.instructions]  # fmt: skip
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


def label(place: Place) -> str:
    """``cycle 2, day 3``; ``day −1 of cycle 2`` (a true minus sign, as printed protocols do);
    ``day 45`` of continuous treatment; ``every Monday, week 3``; ``week 3, Monday``."""
    if place.day < 1:
        return f"day \u2212{-place.day} of cycle {place.cycle}"
    if place.continuous:
        return f"day {(place.cycle - 1) * place.cycle_days + place.day}"
    if place.weekly:
        return f"every {_WEEKDAYS[place.weekday]}, week {place.cycle}"
    if place.weekdays is not None:
        return f"week {place.cycle}, {_WEEKDAYS[place.weekday]}"
    return f"cycle {place.cycle}, day {place.day}"


def where(place: Place, *, dose: bool = False) -> str:
    """Where in the regimen, in full: ``cycle 2, day 3 of 35``; a dose's premedication day
    says it is before the cycle starts."""
    phase = f"{place.phase}, " if place.phase else ""
    if place.day < 1 and dose:
        days = "days" if place.day < -1 else "day"
        return f"{phase}{label(place)}, the {days} before it starts"
    if place.continuous:
        return f"day {(place.cycle - 1) * place.cycle_days + place.day} of continuous treatment"
    if dose and place.weekly:
        return f"{phase}week {place.cycle}, taken every {_WEEKDAYS[place.weekday]}"
    if dose and place.weekdays is not None:
        return f"{phase}week {place.cycle}, {place.weekdays}"
    if place.cycle_months is not None:
        return f"{phase}cycle {place.cycle}, day {place.day} of a {place.cycle_months}-month cycle"
    return f"{phase}cycle {place.cycle}, day {place.day} of {place.cycle_days}"


def note(move: Move, language: Language = ENGLISH) -> str:
    """What moved an event, and why: the line at the top of its description."""
    on = language.date
    match move:
        case CycleMoved():
            return (f"This cycle moved from {on(move.was)} to {on(move.to)}: the {move.setting} "
                    f"is closed on {on(move.was)} ({move.reason}), and a cycle never starts "
                    "early, so everything in it moved with it.")  # fmt: skip
        case ClosureMoved():
            return f"Moved from {on(move.was)} ({move.reason}) to {on(move.to)}."
        case Carried():
            return (f"Moved from {on(move.was)} to {on(move.to)} with the doses before it, to "
                    f"keep their spacing (the {move.setting} is closed on {on(move.closed)}: "
                    f"{move.reason}).")  # fmt: skip
        case KeptClosed():
            return (f"Note: the {move.setting} is closed on {on(move.day)} ({move.reason}); "
                    "this was kept as planned: check with your care team.")  # fmt: skip
        case ClockMoved():
            return (f"Moved {format_duration(move.shift)} later, from {language.time(move.was)}: "
                    f"the clocks changed since the previous dose, and {move.drug} doses must be "
                    f"at least {format_elapsed(move.limit)} apart in real time.")  # fmt: skip
        case _:
            assert_never(move)


def flag(kept: KeptClosed, language: Language = ENGLISH) -> str:
    """The warning a patient must see on an event kept on a closed day."""
    return f"{kept.setting.capitalize()} closed ({kept.reason})"


def flagged(title: str, warning: str) -> str:
    """A title with its warning: ``Blood test — cycle 2 [Clinic closed (Christmas Day)]``."""
    return f"{title} [{warning}]"
