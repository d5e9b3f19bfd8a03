"""Dated events: what the engine produces and every exporter reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..arguments import describe, text_problem
from ..errors import ArgumentError
from ..regimen.model import EventKind

if TYPE_CHECKING:
    from .facts import Facts, Move

__all__ = ["ASK_SLOT", "Event", "asks_team", "checked_events"]

ASK_SLOT = ":ask"
"""The end of the slot of the day after the last dose that a precaution with no stated end gets
("ask your team how long to continue")."""


@dataclass(frozen=True, slots=True)
class Event:
    """One dated thing on the patient's calendar.

    Timed events have aware ``start``/``end`` datetimes in the patient's zone; all-day events
    have ``date`` values with ``end`` exclusive (the day after the last day), as iCalendar has.
    """

    uid: str
    """Deterministic id from (regimen, plan id, cycle, day, slot): same plan, same UIDs."""
    kind: EventKind
    title: str
    start: date | datetime
    end: date | datetime
    all_day: bool
    description: str
    slot: str
    """What the event is within its day (``dose:aldesleukin``, ``lab:blood-test``)."""
    cycle: int | None = None
    """Cycle number within its phase (1-based); None for course-level events."""
    day: int | None = None
    """Cycle day (1 = first day, -1 = the day before); None for course-level events."""
    phase: str | None = None
    drug: str | None = None
    """Drug name for doses."""
    drug_key: str | None = None
    """The drug's key in the regimen (``aldesleukin``), for doses."""
    route: str | None = None
    timezone: str = "UTC"
    """IANA zone of start and end."""
    amount: str | None = None
    """The amount to give (``"159 mg"``), or as written (``"85 mg/m²"``) without body figures."""
    amount_written: str | None = None
    """The amount as the regimen writes it."""
    amount_working: str | None = None
    """How ``amount`` was calculated from weight/height; None when it was not."""
    order: int = 0
    """Position of the event's rule in the regimen: the order of drugs given at the same time."""
    phase_number: int | None = None
    """1-based position of the event's phase in the regimen."""
    setting: str = "clinic"
    """Where it happens: home, clinic or hospital (decides what a closure does to it)."""
    flag: str = ""
    """A warning the patient must see (e.g. the clinic is closed that day and it was kept)."""
    revision: int = 0
    """iCalendar SEQUENCE: how many times this event changed as the course was edited."""
    cancelled: bool = False
    """No longer part of the plan: exported as STATUS:CANCELLED so calendar apps remove it."""
    notes: tuple[str, ...] = ()
    """What re-planning did to it, in words ("Moved from Mon 3 May 2027 to ... (bank holiday)");
    also at the top of ``description``."""
    leader: str | None = None
    """The UID of the dose it is timed from or given on the days of (premedication 12 hours
    before paclitaxel): it belongs with that dose, wherever a change moves it."""
    regimen: str = ""
    """The id of the regimen that made it (a course switched to another regimen holds events of
    both)."""
    moved_from: date | datetime | None = None
    """Where a course's changes moved it from: its start as the course was first planned
    (None when it is there still): what lets every view mark a delay as a delay, not rest."""
    moves: tuple[Move, ...] = ()
    """What moved (or flagged) it, as facts (plan/facts.py): ``notes`` and ``flag`` are their
    words."""
    facts: Facts | None = None
    """What the event is, as facts (plan/facts.py), from which its title and description were
    written (plan/wording.py); None for the kinds still worded by the engine itself."""


def asks_team(event: Event) -> bool:
    """The day after the last dose on which a precaution the source gives no end for says to ask
    the care team how long it goes on (the precaution itself ends with the treatment)."""
    return event.kind == EventKind.PRECAUTION and event.slot.endswith(ASK_SLOT)


_TEXTS = ("uid", "title", "description", "slot", "timezone", "setting", "flag")
_OPTIONAL_TEXTS = ("phase", "drug", "drug_key", "route", "amount", "amount_written",
                   "amount_working")  # fmt: skip
_NUMBERS = ("cycle", "day", "phase_number")


def checked_events(events: Any, name: str = "events") -> Sequence[Event]:
    """``events`` if it is a list or tuple of well-formed :class:`Event` values, as every
    exporter needs them; else an :class:`~scheduler.errors.ArgumentError` naming the argument
    and the event (``events[3].start must be an aware datetime...``).

    Well-formed: an all-day event has dates (not datetimes) and ends after it starts; a timed
    one has aware datetimes and does not end before it starts; every text can be written (no
    lone surrogate); numbers are whole numbers. Costs about a microsecond an event."""
    if not isinstance(events, list | tuple):
        raise ArgumentError(
            f"{name} must be a list or tuple of Events (from scheduler.expand or "
            f"scheduler.planner.plan(...).events), not {describe(events)}",
            field=name,
        )
    for index, event in enumerate(events):
        if not isinstance(event, Event):
            raise ArgumentError(
                f"{name}[{index}] must be an Event, not {describe(event)}", field=name
            )
        if _fine(event):
            continue
        problem = _problem(event)
        if problem:
            raise ArgumentError(f"{name}[{index}].{problem}", field=name)
    return events


def _fine(e: Event) -> bool:
    """The common case, quickly: what :func:`_problem` checks one by one, on a well-formed event."""
    try:
        texts = "".join((e.uid, e.title, e.description, e.slot, e.timezone, e.setting, e.flag,
                         e.phase or "", e.drug or "", e.drug_key or "", e.route or "",
                         e.amount or "", e.amount_written or "", e.amount_working or "",
                         *e.notes))  # fmt: skip
    except TypeError:
        return False
    if not texts.isascii():
        try:  # a lone surrogate cannot be encoded; encoding is 4x faster than searching for one
            texts.encode("utf-8")
        except UnicodeEncodeError:
            return False
    start, end = e.start, e.end
    if e.all_day:
        dated = type(start) is date and type(end) is date and end > start
    else:
        dated = (
            type(start) is datetime
            and type(end) is datetime
            and start.tzinfo is not None
            and end.tzinfo is not None
            # Instants, not wall clocks: datetimes of one zone compare by their wall times
            # (PEP 495), so across a change that turns clocks back an end could look earlier.
            and end.timestamp() >= start.timestamp()
        )
    return (
        dated
        and type(e.kind) is EventKind
        and type(e.notes) is tuple
        and type(e.revision) is int
        and type(e.order) is int
        and 0 <= e.revision < 2**31
        and 0 <= e.order < 2**31
        and (e.cycle is None or type(e.cycle) is int)
        and (e.day is None or type(e.day) is int)
        and (e.phase_number is None or type(e.phase_number) is int)
        and type(e.cancelled) is bool
        and type(e.all_day) is bool
    )


def _problem(event: Event) -> str | None:
    if not isinstance(event.kind, EventKind):
        return f"kind must be an EventKind, not {describe(event.kind)}"
    start, end = event.start, event.end
    if event.all_day:
        for field, value in (("start", start), ("end", end)):
            if not isinstance(value, date) or isinstance(value, datetime):
                return f"{field} of an all-day event must be a date, not {describe(value)}"
        if end <= start:
            return f"end {end} of an all-day event must be after its start {start} (exclusive)"
    else:
        for field, value in (("start", start), ("end", end)):
            if not isinstance(value, datetime) or value.utcoffset() is None:
                return (
                    f"{field} of a timed event must be an aware datetime (in the event's zone), "
                    f"not {describe(value)}"
                )
        assert isinstance(start, datetime) and isinstance(end, datetime)
        if end.timestamp() < start.timestamp():
            return f"end {end} of a timed event is before its start {start}"
    for field in _TEXTS:
        value = getattr(event, field)
        if not isinstance(value, str):
            return f"{field} must be text, not {describe(value)}"
        problem = text_problem(value) if not value.isascii() else None
        if problem:
            return f"{field} {problem}"
    for field in _OPTIONAL_TEXTS:
        value = getattr(event, field)
        if value is not None:
            if not isinstance(value, str):
                return f"{field} must be text or None, not {describe(value)}"
            problem = text_problem(value) if not value.isascii() else None
            if problem:
                return f"{field} {problem}"
    if not isinstance(event.notes, tuple) or not all(isinstance(n, str) for n in event.notes):
        return f"notes must be a tuple of texts, not {describe(event.notes)}"
    for note in event.notes:
        problem = text_problem(note) if not note.isascii() else None
        if problem:
            return f"notes {problem}"
    for field in _NUMBERS:
        value = getattr(event, field)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            return f"{field} must be a whole number or None, not {describe(value)}"
    for field in ("order", "revision"):
        value = getattr(event, field)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**31:
            return f"{field} must be a whole number from 0, not {describe(value)}"
    if not isinstance(event.cancelled, bool) or not isinstance(event.all_day, bool):
        return "cancelled and all_day must be True or False"
    return None
