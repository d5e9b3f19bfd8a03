"""Dated events: what the engine produces and every exporter reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ..regimen.model import EventKind

__all__ = ["ASK_SLOT", "Event", "asks_team"]

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


def asks_team(event: Event) -> bool:
    """The day after the last dose on which a precaution the source gives no end for says to ask
    the care team how long it goes on (the precaution itself ends with the treatment)."""
    return event.kind == EventKind.PRECAUTION and event.slot.endswith(ASK_SLOT)
