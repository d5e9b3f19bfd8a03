"""The vocabulary of a regimen: immutable values, checked when built, with no behaviour beyond that.

A Regimen is a sequence of Phases; each Phase is a cycle of ``cycle_days`` days repeated
``cycles`` times (``None`` = until stopped, bounded only when a plan is made). Within a cycle,
DoseRules say on which cycle days a drug is given and at what time; CycleEventRules place
blood tests and appointments on cycle days; Precautions run relative to the first and last dose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ..words import plural
from .amounts import Amount
from .notation import blocks

__all__ = [
    "ALL_CYCLES",
    "HOME_ROUTES",
    "ROUTES",
    "SETTINGS",
    "CourseEventRule",
    "CycleEventRule",
    "CycleSet",
    "DoseRule",
    "Drug",
    "EventKind",
    "Period",
    "Phase",
    "Precaution",
    "Regimen",
    "WindowCap",
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
    # Not a drug route: an external-beam radiotherapy fraction, scheduled like a dose.
    "radiotherapy": ("RT", "radiotherapy session"),
}


#: Where an event happens; a course's closure policy is set per setting.
SETTINGS = ("home", "clinic", "hospital")
#: Routes a patient usually takes at home; everything else defaults to the clinic.
HOME_ROUTES = frozenset({"oral", "subcutaneous", "transdermal", "topical", "sublingual",
                         "inhaled", "rectal", "vaginal"})  # fmt: skip


@dataclass(frozen=True)
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
    max_amount: Amount | None = None
    """Largest amount per administration (vincristine: 2 mg); calculated doses are held to it."""
    max_doses_per_course: int | None = None
    """At most this many doses in the whole course (HD aldesleukin: 28); later ones are dropped."""
    course_cap_reason: str = ""
    """Why ``max_doses_per_course`` may leave out doses the schedule gives (required when it
    does, as a dose rule's ``cap_reason``: a typed 7 for 17 must not drop doses silently)."""
    min_interval: timedelta | None = None
    """Safety: no two doses closer than this (methotrexate weekly: 6 days; twice daily: 11
    hours); a plan that would break it is refused."""
    min_interval_elapsed: bool = False
    """``min_interval`` was written in hours or minutes (``"72h"``): it is elapsed time, checked
    on real instants, so a clock change cannot bring doses closer. Written in days (``"6 days"``)
    it is calendar days: 09:00 a week later is 6 days on, whatever the clock did."""
    window_cap: WindowCap | None = None
    """Safety: at most so many doses in any window of time (3 doses in any 7 days)."""
    max_cumulative: Amount | None = None
    """Safety: the most of the drug a patient may have in a lifetime, summed over the plan and
    any dose given before it (doxorubicin 450 mg/m², bleomycin 400 units); a plan that would
    pass it is refused. In the unit of the doses, or absolute (mg) for calculated doses."""

    @property
    def route_words(self) -> str:
        return ROUTES[self.route][1]

    @property
    def route_abbrev(self) -> str:
        return ROUTES[self.route][0]


@dataclass(frozen=True)
class WindowCap:
    """At most ``doses`` doses in any ``window`` ("3 doses in any 7 days").

    A window written in days or weeks is that many consecutive calendar days in the patient's
    zone, so a weekly q12h × 3 course (days 1 and 2, then day 8) keeps to "3 doses in any 7
    days" on both sides of a clock change; a window written in hours is elapsed time.
    """

    doses: int
    window: timedelta
    calendar_days: bool = True
    """Written in days or weeks: consecutive calendar days. Written in hours: elapsed time."""

    def __str__(self) -> str:
        from .notation import format_duration

        if self.calendar_days:
            window = format_duration(self.window)
        else:
            window = f"{int(self.window.total_seconds() // 3600)} h"
            minutes = int(self.window.total_seconds() // 60 % 60)
            window += f" {minutes} min" if minutes else ""
        return f"{plural(self.doses, 'dose')} in any {window}"


@dataclass(frozen=True)
class CycleSet:
    """Which cycles of a phase a rule applies to: ``first``, ``first + step``, ... up to ``last``."""

    first: int = 1
    last: int | None = None
    step: int = 1

    def __contains__(self, cycle: object) -> bool:
        if not isinstance(cycle, int) or cycle < self.first:
            return False
        if self.last is not None and cycle > self.last:
            return False
        return (cycle - self.first) % self.step == 0

    @property
    def everything(self) -> bool:
        return self == CycleSet()

    def __str__(self) -> str:
        if self.step > 1:
            return f"every {self.step} cycles from cycle {self.first}"
        if self.last is None:
            return "every cycle" if self.first == 1 else f"cycles {self.first} onwards"
        return (
            f"cycle {self.first}" if self.first == self.last else f"cycles {self.first}-{self.last}"
        )


ALL_CYCLES = CycleSet()


@dataclass(frozen=True)
class DoseRule:
    """When one drug is given within a cycle, how much, and at what times of day.

    The times of day come from exactly one of: ``times`` (fixed clock times, kept on the clock
    across daylight-saving changes), ``every`` (an interval of real elapsed time from the first
    dose at ``times[0]``, running through each block of consecutive dose days), or ``after``
    (timed from another rule's dose of the same cycle day: when it ends, or ``offset`` of real
    time before or after its start or end).
    """

    key: str
    """Identifies the rule within its phase (default: the drug key); part of the UIDs."""
    drug: str
    """Key of a :class:`Drug` of the regimen."""
    days: tuple[int, ...]
    """Cycle days of the doses, sorted, unique: 1 is the first day, -1 the day before it
    (premedication). For a weekday rule, the days of a cycle that starts on a Monday."""
    times: tuple[time, ...]
    """Clock times of the doses on each day (for ``every``: the first dose of each block)."""
    duration: timedelta
    """How long one administration takes; the calendar event lasts this long (real time)."""
    written_as: str
    """The days as the source wrote them (day list or on/off pattern), for display."""
    instructions: str = ""
    every: timedelta | None = None
    """Interval dosing: "every 8 hours from the first dose"."""
    after: str | None = None
    """Key of the earlier rule this one is timed from: by default it starts when that rule's
    administration on the same day ends; ``offset`` and ``from_start`` say otherwise."""
    offset: timedelta = timedelta(0)
    """Signed real elapsed time from the rule named by ``after`` ("12h before paclitaxel": -12 h)."""
    from_start: bool = False
    """``offset`` counts from that rule's start ("30m after the start of leucovorin"), not its end."""
    amount: Amount | None = None
    cycles: CycleSet = ALL_CYCLES
    """The cycles of the phase this rule applies to (loading doses, cycle-1 amounts)."""
    max_doses_per_cycle: int | None = None
    """Cap on this rule's doses in one cycle (HD aldesleukin: 14 of 15 slots)."""
    cap_reason: str = ""
    """Why a cap drops scheduled slots; required when it does, so a typo cannot drop doses."""
    setting: str = "clinic"
    """home, clinic or hospital (default from the route: oral and subcutaneous are home)."""
    weekdays: tuple[int, ...] | None = None
    """Weekday rule ("Mon-Fri"): the weekdays of the doses (0 = Monday) in a 7-day cycle, so
    a cycle that starts on a Wednesday doses Wed, Thu, Fri, then Mon and Tue."""
    count: int | None = None
    """The rule gives this many doses in the phase in all ("30 fractions"), then the phase ends."""
    end_event: str = ""
    """An appointment when each dose ends ("Pump disconnection" after a 46-hour infusion)."""
    follows: str | None = None
    """Key of an earlier rule whose days this one takes ("capecitabine on the days of
    radiotherapy"): it is given on each day that rule's dose is actually given, after
    closures, delays and omissions, at its own clock times. ``days`` is that rule's."""

    @property
    def time(self) -> time:
        """The first (or only) clock time."""
        return self.times[0]

    def days_from(self, weekday: int) -> tuple[int, ...]:
        """The cycle days of the doses in a cycle whose day 1 is ``weekday`` (0 = Monday)."""
        if self.weekdays is None:
            return self.days
        return tuple(sorted((w - weekday) % 7 + 1 for w in self.weekdays))

    def slots_per_day(self) -> int:
        return 1 if self.after or self.every else len(self.times)

    def slots_per_cycle(self) -> int:
        """How many doses the rule places in one cycle before any cap."""
        if self.every is None:
            return len(self.days) * self.slots_per_day()
        return sum(int(timedelta(days=len(block)) / self.every) for block in blocks(self.days))

    def doses_per_cycle(self) -> int:
        """How many doses the rule gives in one cycle, after its cap."""
        slots = self.slots_per_cycle()
        return slots if self.max_doses_per_cycle is None else min(slots, self.max_doses_per_cycle)


@dataclass(frozen=True)
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
    cycles: CycleSet = ALL_CYCLES
    """The cycles it happens in ("every 3": a scan every third cycle)."""
    setting: str = "clinic"


@dataclass(frozen=True)
class CourseEventRule:
    """A blood test or appointment at a fixed offset from the start or the end of the course."""

    key: str
    kind: EventKind
    title: str
    anchor: str
    """``start`` (day 1 of cycle 1) or ``last dose`` (the day of the last planned dose)."""
    offset: Period
    """How long after the anchor (or before, when ``before`` is set)."""
    before: bool
    time: time | None
    duration: timedelta | None
    instructions: str = ""


@dataclass(frozen=True)
class Period:
    """A calendar period: months and years by calendar arithmetic, not a fixed day count."""

    amount: int
    unit: str
    """``days``, ``weeks``, ``months`` or ``years``."""

    def __str__(self) -> str:
        unit = self.unit if self.amount != 1 else self.unit[:-1]
        return f"{self.amount} {unit}"


@dataclass(frozen=True)
class Precaution:
    """Something to do or avoid around the course, e.g. no live vaccines until 12 months after."""

    key: str
    title: str
    instructions: str
    during_treatment: bool
    """Starts at the first dose (True) or the day after the last dose (False)."""
    after_last_dose: Period | None
    """How long it lasts after the last dose; ``None`` when the source gives no figure."""


@dataclass(frozen=True)
class Phase:
    """A cycle of ``cycle_days`` days, repeated ``cycles`` times (``None``: until stopped).

    ``cycle_months`` makes the cycles calendar months instead of days. ``up_to`` bounds the
    phase by time as well ("up to 24 months": nothing of the phase is
    planned on or after the day that period ends, so a 28-day block is cut at the exact day);
    ``gap_after`` is a treatment-free interval before the next phase; ``start_on`` moves the
    phase's first day to the next given weekday (0 = Monday), for weekday-anchored schedules.
    """

    name: str
    cycle_days: int
    cycles: int | None
    doses: tuple[DoseRule, ...]
    events: tuple[CycleEventRule, ...] = ()
    up_to: Period | None = None
    gap_after: Period | None = None
    start_on: int | None = None
    continuous: bool = False
    """Continuous daily treatment: cycles are only counting blocks, so titles omit them."""
    up_to_course: bool = False
    """``up_to`` counts from the start of the course rather than of this phase."""
    cycle_months: int | None = None
    """Cycles of calendar months ("every 3 months": leuprolide, denosumab). Cycle n starts
    ``(n - 1) × cycle_months`` months after the phase's first day, counted from that day each
    time and never chained, so a phase from 31 August has cycles on 30 November, 28 (or 29)
    February and 31 May. ``cycle_days`` is then the shortest such cycle (89 days for 3 months),
    which bounds the cycle days a rule may name."""

    @property
    def length(self) -> str:
        """The cycle length in words: ``35 days``, ``3 months``."""
        if self.cycle_months is not None:
            return plural(self.cycle_months, "month")
        return plural(self.cycle_days, "day")

    @property
    def cycle_name(self) -> str:
        """``35-day cycle``, ``3-month cycle``."""
        if self.cycle_months is not None:
            return f"{self.cycle_months}-month cycle"
        return f"{self.cycle_days}-day cycle"

    def days_from(self, first: date) -> int:
        """The days of the cycle whose day 1 is ``first``: ``cycle_days``, or for calendar
        months as many as there are (3 months from 1 December: 90; from 1 March: 92)."""
        if self.cycle_months is None:
            return self.cycle_days
        return (self.nth_start(first, 2) - first).days

    def nth_start(self, first: date, n: int) -> date:
        """Day 1 of cycle ``n`` (from 1) of the phase whose day 1 is ``first``, before any
        change moves it: whole days, or calendar months from ``first`` itself (RFC 5545 and
        dateutil clip a month end: 31 Jan + 1 month is 28 or 29 Feb, + 2 months 31 Mar)."""
        if self.cycle_months is not None:
            return first + relativedelta(months=self.cycle_months * (n - 1))
        return first + timedelta(days=self.cycle_days * (n - 1))

    @property
    def counted(self) -> bool:
        """The phase ends with the last dose of its counted rules ("30 fractions")."""
        return any(rule.count is not None for rule in self.doses)

    @property
    def open_ended(self) -> bool:
        return self.cycles is None and self.up_to is None and not self.counted


@dataclass(frozen=True)
class Regimen:
    """A validated regimen definition, as loaded from one TOML file."""

    id: str
    name: str
    indication: str
    source: str
    drugs: tuple[Drug, ...]
    phases: tuple[Phase, ...]
    precautions: tuple[Precaution, ...] = ()
    course_events: tuple[CourseEventRule, ...] = ()
    source_url: str = ""
    notes: str = ""
    origin: str = field(default="", compare=False)
    """Where the definition was read from (file path), for messages only."""

    def drug(self, key: str) -> Drug:
        """The drug with ``key``; ArgumentError for a key the regimen has not."""
        for drug in self.drugs:
            if drug.key == key:
                return drug
        from ..arguments import describe
        from ..errors import ArgumentError

        keys = ", ".join(d.key for d in self.drugs)
        raise ArgumentError(
            f"key must be a drug key of {self.id} ({keys}), not {describe(key)}", field="key"
        )

    @property
    def open_ended(self) -> bool:
        return any(p.open_ended for p in self.phases)
