"""The vocabulary of a regimen: immutable values, checked when built, with no behaviour beyond that.

A Regimen is a sequence of Phases; each Phase is a cycle of ``cycle_days`` days repeated
``cycles`` times (``None`` = until stopped, bounded only when a plan is made). Within a cycle,
DoseRules say on which cycle days a drug is given and at what time; CycleEventRules place
blood tests and appointments on cycle days; Precautions run relative to the first and last dose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import StrEnum

__all__ = [
    "ROUTES",
    "CycleEventRule",
    "DoseRule",
    "Drug",
    "EventKind",
    "Period",
    "Phase",
    "Precaution",
    "Regimen",
]


class EventKind(StrEnum):
    """What an event is. The value is the machine word; :attr:`label` the word a patient reads."""

    DOSE = "dose"
    LAB = "lab"
    VISIT = "visit"
    PRECAUTION = "precaution"

    @property
    def label(self) -> str:
        """The category name shown in calendar apps (iCalendar CATEGORIES)."""
        return _KIND_LABELS[self]


_KIND_LABELS = {
    EventKind.DOSE: "Dose",
    EventKind.LAB: "Blood test",
    EventKind.VISIT: "Appointment",
    EventKind.PRECAUTION: "Precaution",
}

#: Routes the format accepts: key -> (abbreviation oncology writes, what a patient reads).
ROUTES: dict[str, tuple[str, str]] = {
    "subcutaneous": ("SC", "injection under the skin"),
    "intravenous": ("IV", "drip into a vein"),
    "oral": ("PO", "by mouth"),
    "intramuscular": ("IM", "injection into a muscle"),
    "intrathecal": ("IT", "injection into the spinal fluid"),
    "intravesical": ("IVES", "into the bladder"),
    "topical": ("TOP", "on the skin"),
    "transdermal": ("TD", "skin patch"),
    "sublingual": ("SL", "under the tongue"),
    "inhaled": ("INH", "breathed in"),
    "rectal": ("PR", "into the back passage"),
    "vaginal": ("PV", "into the vagina"),
}


@dataclass(frozen=True, slots=True)
class Drug:
    """A medicine in the regimen."""

    key: str
    """Short identifier that dose rules refer to (``aldesleukin``)."""
    name: str
    """Name shown to people (``Aldesleukin``)."""
    route: str
    """One of :data:`ROUTES`."""
    title: str
    """Calendar title for a dose (``Aldesleukin injection``)."""
    notes: str = ""

    @property
    def route_words(self) -> str:
        return ROUTES[self.route][1]

    @property
    def route_abbrev(self) -> str:
        return ROUTES[self.route][0]


@dataclass(frozen=True, slots=True)
class DoseRule:
    """When one drug is given within a cycle."""

    drug: str
    """Key of a :class:`Drug` of the regimen."""
    days: tuple[int, ...]
    """Cycle days of the doses, 1-based, sorted, unique."""
    time: time
    """Local clock time of the dose (kept on the clock across daylight-saving changes)."""
    duration: timedelta
    """How long the administration takes; the calendar event lasts this long."""
    written_as: str
    """The days as the source wrote them (day list or on/off pattern), for display."""
    instructions: str = ""


@dataclass(frozen=True, slots=True)
class CycleEventRule:
    """A blood test or appointment placed on cycle days (``-1`` = the day before the cycle)."""

    key: str
    """Stable slot name within a cycle day; part of the event's UID."""
    kind: EventKind
    title: str
    days: tuple[int, ...]
    time: time | None
    """Clock time, or ``None`` for an all-day event."""
    duration: timedelta | None
    instructions: str = ""


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar period: months and years by calendar arithmetic, not a fixed day count."""

    amount: int
    unit: str
    """``days``, ``weeks``, ``months`` or ``years``."""

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@dataclass(frozen=True, slots=True)
class Precaution:
    """Something to do or avoid around the course, e.g. no live vaccines until 12 months after."""

    key: str
    title: str
    instructions: str
    during_treatment: bool
    """Starts at the first dose (True) or the day after the last dose (False)."""
    after_last_dose: Period | None
    """How long it lasts after the last dose; ``None`` when the source gives no figure."""


@dataclass(frozen=True, slots=True)
class Phase:
    """A cycle of ``cycle_days`` days, repeated ``cycles`` times (``None``: until stopped)."""

    name: str
    cycle_days: int
    cycles: int | None
    doses: tuple[DoseRule, ...]
    events: tuple[CycleEventRule, ...] = ()

    @property
    def open_ended(self) -> bool:
        return self.cycles is None


@dataclass(frozen=True, slots=True)
class Regimen:
    """A validated regimen definition, as loaded from one TOML file."""

    id: str
    name: str
    indication: str
    source: str
    drugs: tuple[Drug, ...]
    phases: tuple[Phase, ...]
    precautions: tuple[Precaution, ...] = ()
    source_url: str = ""
    notes: str = ""
    origin: str = field(default="", compare=False)
    """Where the definition was read from (file path), for messages only."""

    def drug(self, key: str) -> Drug:
        for drug in self.drugs:
            if drug.key == key:
                return drug
        raise KeyError(key)

    @property
    def open_ended(self) -> bool:
        return any(p.open_ended for p in self.phases)
