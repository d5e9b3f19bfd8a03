"""Planning as every front end does it (the CLI, the batch command, the feed server, publish):
a regimen or a course in; a calendar out (:class:`~scheduler.export.planned.Planned`: its
events, its name, the default file name, a summary in words, and its bytes in any format of
:mod:`scheduler.export.formats`). One function, so every view of one plan comes from the same
events."""

from __future__ import annotations

import hashlib
import os
from datetime import date, time
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .arguments import describe, need, need_text
from .errors import PlanError
from .export.planned import Planned
from .plan.engine import PlanOptions, expand_noting
from .plan.notices import body_warnings, start_and_zone_warnings
from .plan.reminders import parse_reminders
from .regimen.model import Regimen

if TYPE_CHECKING:
    from .course.model import Course
    from .plan.closures import Closures
    from .plan.lifetime import Prior
    from .regimen.dosing import Body

__all__ = ["MAX_LABEL", "Planned", "parse_reminders", "plan", "plan_stored"]

#: The longest label (e.g. the patient's initials) a plan takes: a course file's limit
#: (scheduler.course.file.MAX_LABEL, not imported here: planning a regimen imports no course code).
MAX_LABEL = 200


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
    prior: tuple[Prior, ...] = (),
) -> Planned:
    """Plan ``source``: a bundled regimen id, a regimen file, a loaded Regimen, or a course file.

    ``closures``: days the clinic is closed (public holidays, weekdays); tests, visits and
    clinic doses on them move as in a course (docs/courses.md), home doses stay. ``prior``:
    doses given before this plan, counted towards the drugs' lifetime limits.

    A regimen needs ``start`` and ``zone`` (an IANA name or a ZoneInfo); a course file sets
    those itself, and only ``reminders`` and ``label`` may be given with it. ``reminders`` is
    ``"default"``, ``"none"`` or a list such as ``"30m,1d"``. Raises SchedulerError subclasses
    only: PlanError (with ``field`` set) for bad options, RegimenError/CourseError for files.
    """
    _check_source(source)
    _label(label)
    need(zone, (str, ZoneInfo), "zone", "an IANA name such as 'Europe/London' or a ZoneInfo",
         error=PlanError, optional=True)  # fmt: skip
    if not isinstance(source, Regimen) and Path(str(source)).exists():
        from .course.file import is_course_file

        if is_course_file(source):
            given = [name for name, value in (("start", start), ("zone", zone), ("cycles", cycles),
                     ("until", until), ("dose_time", dose_time), ("plan_id", plan_id),
                     ("body", body), ("closures", closures), ("prior", prior or None))
                     if value is not None]  # fmt: skip
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
    text = _label(label)
    options = PlanOptions(
        start=start,
        zone=_zone(zone),
        cycles=cycles,
        until=until,
        dose_time=dose_time,
        plan_id=plan_id if plan_id is not None else labelled_identity(start, text),
        body=body,
        closures=closures,
        prior=prior,
    )
    assert isinstance(options.zone, ZoneInfo)
    events, notices = expand_noting(loaded, options)
    return Planned(
        regimen=loaded,
        zone=options.zone,
        events=events,
        notices=(
            *notices,
            *start_and_zone_warnings(loaded, start, options.zone_name, cycles),
            *body_warnings(loaded, body),
        ),
        start=start,
        reminders=parse_reminders(reminders),
        label=text,
        personal=options.plan_id is not None,
    )


def labelled_identity(start: date, label: str) -> str | None:
    """The plan id of a plain plan given a label but no plan id: the start and a digest of the
    label, so that two patients' plans of one regimen and start, told apart by their labels, never
    share event UIDs, and the same plan made again gets the same ones. None without a label (the
    plan id is then the start date: the same UIDs as every other such plan)."""
    if not label:
        return None
    return f"{start.isoformat()}~{hashlib.sha256(label.encode('utf-8')).hexdigest()[:24]}"


def _plan_course(source: str | Path, *, reminders: str | None, label: str | None) -> Planned:
    from .course.store import FileStore

    return plan_stored(FileStore().get(str(source)).course, reminders=reminders, label=label)


def plan_stored(
    course: Course, *, reminders: str | None = None, label: str | None = None
) -> Planned:
    """Plan a course read from a store (:mod:`scheduler.course.store`) as ``plan(COURSE_FILE)``
    plans the file: its own start, zone, bound and history; ``reminders`` and ``label`` may
    be given instead of the course's."""
    from .course.model import Course
    from .course.replan import course_regimens, plan_course

    need(course, Course, "course", "a Course (scheduler.course.store.FileStore().get(...).course)")
    _label(label)

    regimen, zone, events = plan_course(course)
    regimens = course_regimens(course) if any(e.regimen != regimen.id for e in events) else ()
    return Planned(
        regimen=regimen,
        zone=zone,
        events=events,
        start=course.start,
        reminders=parse_reminders(reminders if reminders is not None else course.reminders),
        label=_label(label if label is not None else course.label),
        course=course,
        personal=course.personal,
        notices=tuple(body_warnings(regimen, course.body)),
        regimens=regimens,
    )


def _check_source(source: object) -> None:
    if isinstance(source, Regimen | os.PathLike):
        return
    if not isinstance(source, str):
        raise PlanError(
            "source must be a regimen id (aldesleukin-sc), a regimen or course file name, or a "
            f"Regimen, not {describe(source)}",
            field="source",
        )
    # No check of the text itself: a file's name may be any bytes (not UTF-8: surrogates).
    if "\x00" in source:
        raise PlanError(f"source contains a NUL character: {describe(source)}", field="source")


def _resolve(source: str | Path) -> Regimen:
    from .regimen.catalog import resolve

    return resolve(source)


def _zone(zone: str | ZoneInfo) -> ZoneInfo:
    if isinstance(zone, ZoneInfo):
        return zone
    from .plan.zones import load_zone

    return load_zone(zone)


def _label(label: str | None) -> str:
    """The label with its whitespace made single spaces (so it stays one line everywhere)."""
    need_text(label, "label", error=PlanError, optional=True)
    text = " ".join((label or "").split())
    if len(text) > MAX_LABEL:
        raise PlanError(f"label is longer than {MAX_LABEL} characters", field="label")
    return text
