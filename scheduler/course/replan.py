"""Re-planning a course over the pure engine: the plan as it is now (each event with its
revision, and the events that changes removed, as cancelled), and recording a change — checked
against the regimen and the calendar before anything is written, under a lock so that parallel
edits of one file are applied one after another and none is lost."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..arguments import describe, need_aware, need_text
from ..errors import ArgumentError, CourseError, PlanError
from ..plan.changes import Change, Delay, Omit, Retime, Stop
from ..plan.clock import day_of
from ..plan.closures import region_calendar
from ..plan.engine import expand, sort_events
from ..plan.events import Event
from ..plan.lifetime import Prior
from ..regimen.dosing import Body
from ..regimen.model import EventKind, Regimen
from ..regimen.notation import format_date
from ..words import plural
from .file import MAX_HISTORY, MAX_LABEL
from .history import Entry
from .model import Course, is_regimen_path
from .store import CourseStore, FileStore
from .wording import words

__all__ = [
    "Edit",
    "check_change",
    "delay_to",
    "drug_key",
    "edit_course",
    "new_course",
    "plan_course",
    "record",
    "regimen_reference",
]


def plan_course(course: Course) -> tuple[Regimen, ZoneInfo, tuple[Event, ...]]:
    """The course's events now, each with its revision (SEQUENCE), plus every event that an
    edit removed, marked cancelled with a higher revision, so calendar apps drop it."""
    regimen = course.regimen_model()
    check_history(course, regimen)
    zone = course.zone()
    versions = [_expand(regimen, course, zone, k) for k in range(len(course.history) + 1)]
    revision: dict[str, int] = {}
    last_seen: dict[str, Event] = {}
    for version in versions:
        current = {e.uid: e for e in version}
        for uid, event in current.items():
            before = last_seen.get(uid)
            if before is not None and (before.cancelled or _content(before) != _content(event)):
                revision[uid] = revision.get(uid, 0) + 1
            last_seen[uid] = event
        for uid, event in last_seen.items():
            if uid not in current and not event.cancelled:
                revision[uid] = revision.get(uid, 0) + 1
                last_seen[uid] = replace(event, cancelled=True)
    final = {e.uid for e in versions[-1]}
    events = [replace(e, revision=revision.get(e.uid, 0)) for e in versions[-1]]
    events += [
        replace(e, revision=revision.get(uid, 0))
        for uid, e in last_seen.items()
        if uid not in final
    ]
    return regimen, zone, sort_events(events, zone)


def _expand(
    regimen: Regimen, course: Course, zone: ZoneInfo, entries: int | None = None
) -> tuple[Event, ...]:
    try:
        return expand(regimen, course.options(zone, entries))
    except PlanError as err:
        if entries is not None and entries < len(course.history):
            where = f"history[{entries - 1}]" if entries else "start"
            raise course.fail(
                where, f"this version of the course cannot be planned: {err}"
            ) from None
        raise course.fail("", f"the course cannot be planned: {err}") from None


def _content(event: Event) -> tuple[Any, ...]:
    return (event.start, event.end, event.title, event.description, event.all_day)


def check_history(course: Course, regimen: Regimen) -> None:
    """Each recorded change refers to something the regimen has (phase, drug, cycle day)."""
    for i, entry in enumerate(course.history):
        problem = check_change(entry.change, regimen)
        if problem is not None:
            field, message = problem
            raise course.fail(f"history[{i}].{field}", message)


def check_change(change: Change, regimen: Regimen) -> tuple[str, str] | None:
    """``(field, message)`` if ``change`` names a phase, day or drug the regimen does not have."""
    phase = getattr(change, "phase", None)
    count = len(regimen.phases)
    if phase is not None and phase > count:
        return (
            "phase",
            f"the regimen {regimen.id!r} has {plural(count, 'phase')}, not {phase}",
        )
    if isinstance(change, Omit):
        days = regimen.phases[change.phase - 1].cycle_days
        if not -days <= change.day <= days:
            return "day", f"day {change.day} is outside the {days}-day cycle (allowed: 1 to {days})"
        if change.drug is not None and change.drug not in {d.key for d in regimen.drugs}:
            return "drug", f"unknown drug {change.drug!r} ({_allowed_drugs(regimen)})"
    return None


def drug_key(regimen: Regimen, text: str) -> str:
    """The key of the drug ``text`` names: its key or its name, exactly (any case)."""
    wanted = text.strip().casefold()
    for drug in regimen.drugs:
        if wanted and wanted in (drug.key.casefold(), drug.name.casefold()):
            return drug.key
    raise PlanError(f"unknown drug {text!r} ({_allowed_drugs(regimen)})", field="drug")


def _allowed_drugs(regimen: Regimen) -> str:
    return "allowed: " + ", ".join(f"{d.key} ({d.name})" if d.name.casefold() != d.key else d.key
                                   for d in regimen.drugs)  # fmt: skip


def record(course: Course, entry: Entry, *, today: date) -> Course:
    """``course`` with ``entry`` appended, if the change is possible: it must fit the regimen,
    change something, leave everything before ``today`` as it was, and still plan (no
    overlapping cycles, no doses closer than the regimen allows)."""
    return _record(course, entry, today)[0]


def _record(
    course: Course, entry: Entry, today: date
) -> tuple[Course, tuple[Event, ...], tuple[Event, ...]]:
    if len(course.history) >= MAX_HISTORY:
        raise course.fail("history", f"refused: a course holds at most {MAX_HISTORY} changes "
                          "(start a new course from today for more)")  # fmt: skip
    regimen = course.regimen_model()
    problem = check_change(entry.change, regimen)
    if problem is not None:
        raise CourseError(f"refused: {problem[1]}", file=course.origin or None)
    change = entry.change
    if isinstance(change, Retime) and change.start < today:
        raise CourseError(
            f"refused: a new dose time from {format_date(change.start)} is before today "
            f"({format_date(today)}); record only changes from today on",
            file=course.origin or None,
        )
    zone = course.zone()
    before = _expand(regimen, course, zone)
    updated = replace(course, history=(*course.history, entry))
    try:
        after = expand(regimen, updated.options(zone))
    except PlanError as err:
        raise CourseError(f"refused: {err}", file=course.origin or None) from None
    old = {e.uid: _content(e) for e in before}
    new = {e.uid: _content(e) for e in after}
    changed = [uid for uid in old.keys() | new.keys() if old.get(uid) != new.get(uid)]
    if not changed and entry.action != "close":
        # A closure is a fact about the clinic, worth keeping even if nothing falls on it yet.
        raise CourseError(f"refused: {words(change)} changes nothing in the plan "
                          f"({_why_nothing(change, before)})", file=course.origin or None)  # fmt: skip
    # An event under way today (a precaution "from the first dose until 12 months after the
    # last") may change its future part: same start, both ends still ahead.
    old_events = {e.uid: e for e in before}
    new_events = {e.uid: e for e in after}
    ongoing = {
        uid
        for uid in changed
        if uid in old_events
        and uid in new_events
        and old_events[uid].start == new_events[uid].start
        and min(day_of(old_events[uid].end), day_of(new_events[uid].end)) > today
    }
    touched = set(changed) - ongoing
    for event in sorted(
        (e for e in (*before, *after) if e.uid in touched), key=lambda e: day_of(e.start)
    ):
        if day_of(event.start) < today:
            raise CourseError(
                f"refused: this would change {event.title} on {format_date(day_of(event.start))}, "
                f"which is before today ({format_date(today)}); record only changes from today on",
                file=course.origin or None,
            )
    return updated, before, after


def delay_to(course: Course, phase: int, cycle: int, target: date) -> int:
    """How many days later cycle ``cycle`` of ``phase`` must start to start on ``target``."""
    regimen = course.regimen_model()
    events = _expand(regimen, course, course.zone())
    starts = [
        day_of(e.start) - timedelta(days=(e.day or 1) - 1)
        for e in events
        if e.phase_number == phase and e.cycle == cycle and e.day and e.day > 0 and not e.cancelled
    ]
    if not starts:
        raise PlanError(f"cycle {cycle} of phase {phase} is not in the plan", field="cycle")
    days = (target - min(starts)).days
    if days < 1:
        raise PlanError(
            f"{format_date(target)} is not after cycle {cycle}'s planned start "
            f"({format_date(min(starts))}): a delay moves a cycle later",
            field="to",
        )
    return days


@dataclass(frozen=True)
class Edit:
    """What recording a change did: the entry as recorded, and the plan before and after."""

    file: str
    """The course file written (a link's target); the version it replaced is ``file + ".bak"``."""
    entry: Entry
    before: tuple[Event, ...]
    after: tuple[Event, ...]


def edit_course(
    path: str | Path,
    make: Callable[[Course], Change],
    *,
    reason: str = "",
    now: datetime,
    store: CourseStore | None = None,
) -> Edit:
    """Record a change in the course file at ``path``, safely against parallel edits.

    Under an exclusive lock on the file: read the latest version, build the change from it
    (``make`` may look at the course, e.g. to turn a target date into a delay), check it with
    :func:`record` against the day of ``now`` in the course's zone, and write the new version
    atomically, keeping the version read as ``FILE.bak``. Refused edits leave the file untouched.
    ``store`` is where the course lives (default: the course files, :class:`FileStore`).
    """
    need_text(reason, "reason", error=PlanError)
    need_aware(now, "now")
    if not callable(make):
        raise ArgumentError(
            f"make must be a function from the Course to a change, not {describe(make)}",
            field="make",
        )
    chosen = store if store is not None else FileStore()
    with chosen.editing(str(path)) as current:
        course = current.course
        entry = Entry(at=now, change=make(course), reason=reason.strip())
        updated, before, after = _record(course, entry, now.astimezone(course.zone()).date())
        chosen.put(current.key, updated, expected=current.version)
    return Edit(current.key, entry, before, after)


def new_course(
    regimen: str,
    course_file: str | Path,
    *,
    start: date,
    zone: str,
    cycles: int | None = None,
    until: date | None = None,
    dose_time: time | None = None,
    label: str = "",
    body: Body | None = None,
    reminders: str = "default",
    holidays: tuple[str, ...] = (),
    prior: tuple[Prior, ...] = (),
    force: bool = False,
    identity: str | None = None,
    store: CourseStore | None = None,
) -> tuple[Course, tuple[Event, ...]]:
    """Create the course file ``course_file`` for a patient starting ``regimen`` on ``start``.

    The course gets a new random identity (a UUID, kept in the file as its ``id``) that every
    event UID derives from, so two patients' courses never share a calendar entry whatever their
    regimen, start and label; ``identity`` gives one instead (tests, or a clinic system's own).

    Everything is checked first — the regimen loads, the zone and reminders are real, the plan
    can be made — and the file is created exclusively (``force`` replaces a regular file).
    """
    from ..plan.reminders import parse_reminders
    from ..plan.zones import load_zone
    from ..regimen.catalog import resolve

    need_text(regimen, "regimen", error=PlanError)
    need_text(zone, "zone", error=PlanError)
    need_text(label, "label", error=PlanError)
    loaded = resolve(regimen)
    parse_reminders(reminders)
    load_zone(zone)
    text = " ".join(label.split())
    if len(text) > MAX_LABEL:
        raise PlanError(f"label is longer than {MAX_LABEL} characters", field="label")
    course = Course(
        id=identity if identity is not None else str(uuid.uuid4()),
        regimen=regimen_reference(regimen, course_file),
        start=start,
        timezone=zone.strip(),
        cycles=cycles,
        until=until,
        dose_time=dose_time,
        label=text,
        body=body,
        prior=prior,
        reminders=reminders.strip(),
        holidays=tuple(h.strip() for h in holidays),
        origin=str(course_file),
    )
    for region in course.holidays:
        try:
            region_calendar(region)
        except ValueError as err:
            raise PlanError(str(err), field="holidays") from None
    events = expand(loaded, course.options(course.zone()))
    (store if store is not None else FileStore()).create(str(course_file), course, force=force)
    return course, events


def regimen_reference(regimen: str, course_file: str | Path) -> str:
    """How a new course file at ``course_file`` should name ``regimen`` (as the user typed it):
    a bundled id as it is, a file path relative to the course file's folder."""
    if not is_regimen_path(regimen) and not Path(regimen).is_file():
        return regimen
    target = Path(regimen).resolve()
    folder = Path(os.path.abspath(course_file)).parent
    try:
        return Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:  # another drive (Windows): keep it absolute
        return str(target)


def _why_nothing(change: Change, events: Sequence[Event]) -> str:
    """Why ``change`` touched nothing, from the plan as it stands: the cycle it names is not in
    the plan, the day it names has no dose, or its date is on or after the last dose."""
    doses = [e for e in events if e.kind == EventKind.DOSE and not e.cancelled]
    held = sorted({(e.phase_number or 1, e.cycle) for e in doses if e.cycle is not None})
    named = (change.phase or 1, change.cycle) if isinstance(change, Delay | Omit | Stop) else None
    if named is not None and named[1] is not None and named not in held:
        cycles = [c for p, c in held if p == named[0]]
        if not cycles:
            return f"the plan has no doses in phase {named[0]}"
        span = (f"only cycle {cycles[0]}" if len(cycles) == 1 else
                f"cycles {cycles[0]} and {cycles[1]}" if len(cycles) == 2 else
                f"cycles {cycles[0]} to {cycles[-1]}")  # fmt: skip
        return f"the plan has {span} of phase {named[0]}"
    if isinstance(change, Stop) and named is not None and named == held[-1]:
        return f"cycle {named[1]} is already the last"
    if isinstance(change, Omit):
        days = {e.day for e in doses if (e.phase_number or 1, e.cycle) == named}
        if change.day not in days:
            return f"cycle {change.cycle} has no dose on day {change.day}"
    when = change.start if isinstance(change, Retime) else getattr(change, "after", None)
    last = max((day_of(e.start) for e in doses), default=None)
    if isinstance(when, date) and last is not None and when >= last:
        return f"the last dose is on {format_date(last)}"
    if isinstance(change, Retime):
        return f"the doses from then are already at {change.at:%H:%M}"
    return "check the cycle, day or date"
