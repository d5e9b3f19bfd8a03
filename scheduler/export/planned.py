"""A planned calendar: the value every exporter reads — one regimen's or course's events, the
zone, the reminders, the label — and what it is called. It sits below the exporters (they import
it; it imports none of them at load time), so nothing imports upward."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..arguments import describe, need, need_aware, need_date, need_text
from ..errors import ArgumentError
from ..plan.events import Event, checked_events
from ..plan.reminders import Reminders, checked_reminders
from ..regimen.model import Regimen
from ..words import plural

if TYPE_CHECKING:
    from ..course.model import Course
    from ..course.records import Record

__all__ = ["Planned", "checked_planned"]


@dataclass(frozen=True)
class Planned:
    """A planned calendar: the events of one regimen or course, and how to present them."""

    regimen: Regimen
    zone: ZoneInfo
    events: tuple[Event, ...]
    start: date
    reminders: Reminders
    label: str = ""
    course: Course | None = None
    personal: bool = True
    """Whether the events' UIDs carry an identity of this patient's plan (a course's own id, or
    a plan id or label given to a plain plan). A plain plan without either shares its UIDs with
    every other plain plan of the same regimen and start, so its summary says so."""
    notices: tuple[str, ...] = ()
    """What the plan tells its reader in words besides its dates: doses a course cap left out
    (part of the summary), a start off the suggested weekday, a zone without summer time."""
    regimens: tuple[Regimen, ...] = ()
    """Every regimen the events come from, when a course switched regimen (``regimen`` is the
    one it follows now); empty otherwise."""

    def regimen_of(self, event: Event) -> Regimen:
        """The regimen that made ``event`` (its phases and rules are what the event's cycle
        and slot refer to); ArgumentError if ``event`` is not an Event."""
        need(event, Event, "event", "an Event of the plan")
        if event.regimen and event.regimen != self.regimen.id:
            for regimen in self.regimens:
                if regimen.id == event.regimen:
                    return regimen
        return self.regimen

    @property
    def records(self) -> dict[str, Record]:
        """What was recorded of the course's events (the latest record of each), by UID; none
        for a plan that is not a course."""
        if self.course is None or not self.course.records:
            return {}
        from ..course.records import current_records

        return current_records(self.course.records)

    @property
    def name(self) -> str:
        """The calendar's display name: the drugs and the regimen id, then the label if any."""
        name = " + ".join(d.name for d in self.regimen.drugs) + f" ({self.regimen.id})"
        return f"{name} — {self.label}" if self.label else name

    @property
    def default_file(self) -> str:
        """``ID-START.ics``."""
        return self.file_for("ics")

    def file_for(self, fmt: str) -> str:
        """``ID-START`` and the format's suffix for the formats written to a file by default
        (``.ics``, ``.html``); ``-`` (standard output) for the others."""
        from .formats import format_named

        chosen = format_named(fmt)
        if not chosen.file_by_default or chosen.suffix is None:
            return "-"
        return f"{self.regimen.id}-{self.start.isoformat()}{chosen.suffix}"

    def render(
        self,
        fmt: str,
        *,
        stamp: datetime,
        recurrence: str = "expand",
        week_start: int | None = None,
        width: int = 100,
        color: bool = False,
    ) -> bytes:
        """The calendar in format ``fmt`` (a name of :data:`scheduler.export.formats.FORMATS`):
        ``ics`` (``recurrence`` expand or rrule), ``json``, ``fhir``/``fhir-r4b``, ``html``
        (``week_start`` 0 = Monday, 6 = Sunday, default from the zone's country), ``csv``, or
        for a terminal ``calendar`` or ``table``, ``width`` columns wide, in ``color`` or not.
        Raises PlanError (``field="format"`` or ``"recurrence"``) for an unknown name, and
        ArgumentError for an argument of the wrong type (``stamp`` not an aware datetime...)."""
        checked_planned(self, "planned", events=False)  # each writer checks the events
        need_aware(stamp, "stamp")
        from .formats import Rendering, format_named

        return format_named(fmt).write(
            self,
            Rendering(
                stamp=stamp, recurrence=recurrence, week_start=week_start, width=width, color=color
            ),
        )

    def summary(self, recurrence: str = "expand") -> str:
        """``24 events, 20 doses in 1 cycle, 2027-01-03 to 2027-01-29, times in Europe/London``;
        a course's cancelled events are counted apart (``172 events (40 cancelled), ...``) and
        left out of the rest.

        With ``recurrence="rrule"`` (an .ics of repeating doses as series) it also says how
        many calendar entries (VEVENTs) hold those events: ``245 events as 45 calendar entries
        (repeating doses as series), ...``, the number a calendar app's import reports. A plan
        whose UIDs carry no patient identity says so at the end."""
        live = [e for e in self.events if not e.cancelled]
        doses = [e for e in live if e.kind == "dose"]
        cycles = len({(e.regimen, e.phase_number, e.cycle) for e in doses})  # a switch: both
        span = ""
        if live:
            span = f", {live[0].start:%Y-%m-%d} to {live[-1].start:%Y-%m-%d}"
        cancelled = len(self.events) - len(live)
        entries = ""
        if recurrence == "rrule":
            from .series import group

            entries = (
                f" as {plural(len(group(self.events)), 'calendar entry', 'calendar entries')} "
                "(repeating doses as series)"
            )
        anonymous = "" if self.personal else f"; {NO_IDENTITY}"
        capped = "".join(f"; {n}" for n in self.notices if n.startswith(_CAPPED))
        return (
            f"{plural(len(self.events), 'event')}{entries}"
            + (f" ({cancelled} cancelled)" if cancelled else "")
            + f", {plural(len(doses), 'dose')} in "
            f"{plural(cycles, 'cycle')}{span}{_weekdays(doses)}, times in {self.zone.key}"
            f"{capped}{anonymous}"
        )

    @property
    def warnings(self) -> tuple[str, ...]:
        """The notices that are not part of the summary: one warning line each."""
        return tuple(n for n in self.notices if not n.startswith(_CAPPED))


#: How a course cap's notice starts (plan/engine.py): it belongs in the summary.
_CAPPED = "course cap: "

NO_IDENTITY = (
    "no patient identity in its event UIDs: another patient's plan of this regimen and start "
    "would share them in one calendar (give --label or --plan-id, or make a course)"
)


def _weekdays(doses: list[Event]) -> str:
    """``, Methotrexate on Wednesdays`` for each drug given once a week on one weekday: the
    weekday comes from the start date, so the summary names it."""
    from ..plan.clock import day_of
    from ..regimen.notation import weekday_name

    days: dict[str, list[date]] = {}
    for event in doses:
        if event.drug is not None:
            days.setdefault(event.drug, []).append(day_of(event.start))
    out = []
    for drug, dates in days.items():
        weekly = len(dates) > 1 and all((b - a).days >= 7 for a, b in itertools.pairwise(dates))
        if weekly and len({d.weekday() for d in dates}) == 1:
            out.append(f", {drug} on {weekday_name(dates[0].weekday())}s")
    return "".join(out)


def checked_planned(planned: object, name: str = "planned", *, events: bool = True) -> Planned:
    """``planned`` if it is a :class:`Planned` an exporter can write: a Regimen, a ZoneInfo with
    an IANA name, well-formed events (:func:`~scheduler.plan.events.checked_events`), a start
    date, Reminders, a label and notices that are text; else an ArgumentError naming the
    argument (``planned.events[3].start ...``). ``events=False`` leaves the events to the
    writer that checks them itself (:func:`~scheduler.export.ics.write_ics`)."""
    if isinstance(planned, list | tuple):
        raise ArgumentError(
            f"{name} must be a Planned plan (scheduler.planner.plan(...)), not "
            f"{describe(planned)}: for the events alone, use to_records or to_csv",
            field=name,
        )
    checked: Planned = need(planned, Planned, name, "a Planned plan (scheduler.planner.plan(...))")
    need(checked.regimen, Regimen, f"{name}.regimen", "a Regimen")
    need(checked.zone, ZoneInfo, f"{name}.zone", "a ZoneInfo such as ZoneInfo('Europe/London')")
    need_text(checked.zone.key, f"{name}.zone.key")
    if events:
        checked_events(checked.events, f"{name}.events")
    need_date(checked.start, f"{name}.start")
    checked_reminders(checked.reminders, f"{name}.reminders")
    need_text(checked.label, f"{name}.label")
    need(checked.notices, tuple, f"{name}.notices", "a tuple of texts")
    for notice in checked.notices:
        need_text(notice, f"{name}.notices")
    return checked
