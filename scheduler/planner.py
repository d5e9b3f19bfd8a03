"""Planning as every front end does it (the CLI, and later the batch command and the feed
server): a regimen or a course file in; a calendar out — its events, its name, the default file
name, a summary in words, and its bytes as .ics or JSON. One function, so every view of one plan
comes from the same events."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .errors import PlanError
from .plan.engine import PlanOptions, expand
from .plan.events import Event
from .regimen.model import Regimen
from .words import plural

if TYPE_CHECKING:
    from .course.model import Course
    from .export.ics import Reminders
    from .plan.closures import Closures
    from .regimen.dosing import Body

__all__ = ["FORMATS", "Planned", "plan"]

FORMATS = ("ics", "json", "html", "csv", "table", "calendar", "fhir", "fhir-r4b")
#: Formats written to a file by default (ID-START.ics / .html); the others go to the terminal.
FILE_FORMATS = {"ics": ".ics", "html": ".html"}


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
        """``ID-START.ics`` or ``ID-START.html``; ``-`` (standard output) for the other formats."""
        suffix = FILE_FORMATS.get(fmt)
        return f"{self.regimen.id}-{self.start.isoformat()}{suffix}" if suffix else "-"

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
        """The calendar as ``ics`` (iCalendar; ``recurrence`` expand or rrule), ``json``,
        ``fhir``/``fhir-r4b`` (a FHIR Bundle: CarePlan, MedicationRequests, the dated tests and
        visits; validated with fhir.resources), ``html`` (a printable month calendar; ``week_start`` 0 = Monday, 6 = Sunday, default
        from the zone's country), ``csv`` (a row per event), or for a terminal ``calendar``
        (month grids) or ``table`` (a compact list), ``width`` columns wide, in ``color`` or
        not."""
        if fmt == "json":
            from .export.json import to_json

            return to_json(self).encode("utf-8")
        if fmt in ("fhir", "fhir-r4b"):
            import json

            from .fhir.mapping import validate
            from .fhir.plan import plan_to_bundle

            version = "r4b" if fmt == "fhir-r4b" else "r5"
            bundle = plan_to_bundle(self, version=version, generated=stamp)
            validate(bundle, version)
            text = json.dumps(bundle, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
            return text.encode("utf-8")
        if fmt == "html":
            from .export.html import to_html

            return to_html(self, stamp=stamp, week_start=week_start).encode("utf-8")
        if fmt == "csv":
            from .export.csv import to_csv

            return to_csv(self.events).encode("utf-8")
        if fmt in ("calendar", "table"):
            from .export import terminal

            make = terminal.to_calendar if fmt == "calendar" else terminal.to_table
            return make(self, width=width, color=color, week_start=week_start).encode("utf-8")
        if fmt != "ics":
            raise PlanError(
                f"unknown format {fmt!r} (allowed: {', '.join(FORMATS)})", field="format"
            )
        from .export.ics import RECURRENCE_FORMS, to_ics

        if recurrence not in RECURRENCE_FORMS:
            raise PlanError(
                f"unknown recurrence form {recurrence!r} (allowed: {', '.join(RECURRENCE_FORMS)})",
                field="recurrence",
            )
        return to_ics(
            self.events,
            name=self.name,
            stamp=stamp,
            zone=self.zone,
            reminders=self.reminders,
            recurrence=recurrence,
        )

    def summary(self, recurrence: str = "expand") -> str:
        """``24 events, 20 doses in 1 cycle, 2027-01-03 to 2027-01-29, times in Europe/London``.

        With ``recurrence="rrule"`` (an .ics of repeating doses as series) it also says how
        many calendar entries (VEVENTs) hold those events: ``245 events as 45 calendar entries
        (repeating doses as series), ...``, the number a calendar app's import reports."""
        doses = [e for e in self.events if e.kind == "dose" and not e.cancelled]
        cycles = len({(e.phase_number, e.cycle) for e in doses})
        span = ""
        if self.events:
            span = f", {self.events[0].start:%Y-%m-%d} to {self.events[-1].start:%Y-%m-%d}"
        entries = ""
        if recurrence == "rrule":
            from .export.series import group

            entries = (
                f" as {plural(len(group(self.events)), 'calendar entry', 'calendar entries')} "
                "(repeating doses as series)"
            )
        return (
            f"{plural(len(self.events), 'event')}{entries}, {plural(len(doses), 'dose')} in "
            f"{plural(cycles, 'cycle')}{span}{_weekdays(doses)}, times in {self.zone.key}"
        )


def _weekdays(doses: list[Event]) -> str:
    """``, Methotrexate on Wednesdays`` for each drug given once a week on one weekday: the
    weekday comes from the start date, so the summary names it."""
    from .plan.clock import day_of
    from .regimen.notation import weekday_name

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


def plan(
    source: str | Path | Regimen,
    *,
    start: date | None = None,
    zone: str | ZoneInfo | None = None,
    cycles: int | None = None,
    until: date | None = None,
    dose_time: time | None = None,
    plan_id: str | None = None,
    body: Body | None = None,
    reminders: str | None = None,
    label: str | None = None,
    closures: Closures | None = None,
) -> Planned:
    """Plan ``source``: a bundled regimen id, a regimen file, a loaded Regimen, or a course file.

    ``closures``: days the clinic is closed (public holidays, weekdays); tests, visits and
    clinic doses on them move as in a course (docs/courses.md), home doses stay.

    A regimen needs ``start`` and ``zone`` (an IANA name or a ZoneInfo); a course file sets
    those itself, and only ``reminders`` and ``label`` may be given with it. ``reminders`` is
    ``"default"``, ``"none"`` or a list such as ``"30m,1d"``. Raises SchedulerError subclasses
    only: PlanError (with ``field`` set) for bad options, RegimenError/CourseError for files.
    """
    if not isinstance(source, Regimen) and Path(str(source)).exists():
        from .course.file import is_course_file

        if is_course_file(source):
            given = [name for name, value in (("start", start), ("zone", zone), ("cycles", cycles),
                     ("until", until), ("dose_time", dose_time), ("plan_id", plan_id),
                     ("body", body), ("closures", closures)) if value is not None]  # fmt: skip
            if given:
                raise PlanError(
                    f"{source} is a course file: it sets its own {', '.join(given)} "
                    "(record changes in the course instead)",
                    field=given[0],
                )
            return _plan_course(source, reminders=reminders, label=label)
    if start is None:
        raise PlanError("a plan needs a start date (the first day of cycle 1)", field="start")
    if zone is None:
        raise PlanError(
            "a plan needs a time zone (an IANA name such as Europe/London)", field="zone"
        )
    loaded = source if isinstance(source, Regimen) else _resolve(source)
    options = PlanOptions(
        start=start,
        zone=_zone(zone),
        cycles=cycles,
        until=until,
        dose_time=dose_time,
        plan_id=plan_id,
        body=body,
        closures=closures,
    )
    assert isinstance(options.zone, ZoneInfo)
    return Planned(
        regimen=loaded,
        zone=options.zone,
        events=expand(loaded, options),
        start=start,
        reminders=parse_reminders(reminders),
        label=_label(label),
    )


def _plan_course(source: str | Path, *, reminders: str | None, label: str | None) -> Planned:
    from .course.file import load_course
    from .course.replan import plan_course

    course = load_course(source)
    regimen, zone, events = plan_course(course)
    return Planned(
        regimen=regimen,
        zone=zone,
        events=events,
        start=course.start,
        reminders=parse_reminders(reminders if reminders is not None else course.reminders),
        label=_label(label if label is not None else course.label),
        course=course,
    )


def parse_reminders(text: str | None) -> Reminders:
    """``"default"`` (or None), ``"none"``, or reminders such as ``"30m,1d"``."""
    from .export.ics import Reminders

    if text is not None and not text.strip():
        raise PlanError(
            "reminders are empty (write e.g. 30m,1d, or none, or default)", field="remind"
        )
    try:
        return Reminders.parse(text or "default")
    except ValueError as err:
        raise PlanError(str(err), field="remind") from None


def _resolve(source: str | Path) -> Regimen:
    from .regimen.catalog import resolve

    return resolve(source)


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    from .plan.zones import load_zone

    return load_zone(zone)


def _label(label: str | None) -> str:
    return " ".join((label or "").split())
