"""Re-planning a course over the pure engine: the plan as it is now (each event with its
revision, and the events that changes removed, as cancelled), and recording a change — checked
against the regimen and the calendar before anything is written, under a lock so that parallel
edits of one file are applied one after another and none is lost."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..arguments import (
    describe,
    need,
    need_aware,
    need_choice,
    need_date,
    need_path,
    need_text,
    need_whole,
)
from ..errors import ArgumentError, CourseConflict, CourseError, PlanError, SchedulerError
from ..plan.changes import Delay, DoseChange, Hold, Omit, Retime, Stop
from ..plan.clock import day_of, instant
from ..plan.closures import region_calendar
from ..plan.engine import check_guarantees, expand, sort_events
from ..plan.events import Event
from ..plan.lifetime import Prior, carried
from ..regimen.amounts import Amount
from ..regimen.dosing import Body
from ..regimen.model import EventKind, Regimen
from ..regimen.notation import format_date
from .file import MAX_CONTACT, MAX_HISTORY, MAX_LABEL
from .history import Entry, Recordable, Switch, Withdraw
from .kinds import allowed_drugs, refers, words
from .model import Course, Segment, is_regimen_path
from .records import (
    DOSE_STATUSES,
    MAX_RECORDS,
    Record,
    Status,
    check_record,
    current_records,
    record_words,
)
from .store import CourseStore, FileStore

__all__ = [
    "Edit",
    "Which",
    "check_change",
    "chosen_events",
    "delay_to",
    "drug_key",
    "edit_course",
    "new_course",
    "plan_course",
    "record",
    "record_event",
    "regimen_now",
    "regimen_reference",
]


def plan_course(course: Course) -> tuple[Regimen, ZoneInfo, tuple[Event, ...]]:
    """The course's events now, each with its revision (SEQUENCE), plus every event that an
    edit removed, marked cancelled with a higher revision, so calendar apps drop it.

    Each entry changes only what was still ahead when it was recorded (:func:`frozen`); a moved
    event says what moved it and from which date, a cancelled one says so in its title, and one
    with a record says first what was recorded (given at 09:20, missed: forgotten)."""
    regimen = course.regimen_model()
    check_history(course, regimen)
    zone = course.zone()
    versions = _versions(regimen, course, zone)
    _check_guarantees(regimen, course, zone, versions[-1])
    revision: dict[str, int] = {}
    last_seen: dict[str, Event] = {}
    said: dict[str, list[str]] = {}
    for number, version in enumerate(versions):
        entry = course.history[number - 1] if number else None
        current = {e.uid: e for e in version}
        for uid, event in current.items():
            before = last_seen.get(uid)
            if before is not None and (before.cancelled or _content(before) != _content(event)):
                revision[uid] = revision.get(uid, 0) + 1
                if entry is not None and not before.cancelled and before.start != event.start:
                    said.setdefault(uid, []).append(_moved(before, event, entry))
            last_seen[uid] = event
        for uid, event in last_seen.items():
            if uid not in current and not event.cancelled:
                revision[uid] = revision.get(uid, 0) + 1
                last_seen[uid] = replace(event, cancelled=True)
                if entry is not None:
                    said.setdefault(uid, []).append(_cancelled(entry))
    final = {e.uid for e in versions[-1]}
    first = {e.uid: e.start for e in versions[0]}
    events = [
        _told(replace(e, revision=revision.get(e.uid, 0), moved_from=_from(first, e)), said)
        for e in versions[-1]
    ]
    events += [
        _told(replace(e, revision=revision.get(uid, 0), title=f"Cancelled: {e.title}"), said)
        for uid, e in last_seen.items()
        if uid not in final
    ]
    if course.records:  # what happened, said at the head of the event, in every view
        happened = current_records(course.records)
        events = [_recorded(e, happened.get(e.uid), zone) for e in events]
    now = _regimen_now(course, len(course.history), regimen)
    return now, zone, sort_events(events, zone)


def _recorded(event: Event, record: Record | None, zone: ZoneInfo) -> Event:
    """``event`` with the record in force of it (``Recorded: given at 09:20, by nurse.a``)
    at the head of its description."""
    if record is None:
        return event
    line = f"Recorded {record.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC: {record_words(record, zone)}."
    return replace(event, description=f"{line}\n{event.description}")


def _from(first: dict[str, date | datetime], event: Event) -> date | datetime | None:
    planned = first.get(event.uid)
    return planned if planned is not None and planned != event.start else None


def _moved(before: Event, after: Event, entry: Entry) -> str:
    """``Moved from Mon 8 Feb 2027 09:00 to Mon 15 Feb 2027 09:00: cycle 2 and later cycles
    delayed by 7 days (recorded 2027-02-08 08:00 UTC: neutrophils 0.9).``"""
    return f"Moved from {_when(before)} to {_when(after)}: {_because(entry)}."


def _cancelled(entry: Entry) -> str:
    return f"Cancelled: {_because(entry)}. It is no longer part of the plan."


def _because(entry: Entry) -> str:
    why = f": {entry.reason}" if entry.reason else ""
    by = f" by {entry.by}" if entry.by else ""
    return f"{words(entry.change)} (recorded {entry.when()}{by}{why})"


def _when(event: Event) -> str:
    start = event.start
    if isinstance(start, datetime):
        return f"{format_date(start.date())} {start:%H:%M}"
    return format_date(start)


def _told(event: Event, said: dict[str, list[str]]) -> Event:
    """``event`` with what the course's entries did to it at the head of its description."""
    lines = said.get(event.uid)
    if not lines:
        return event
    return replace(event, description="\n".join([*lines, event.description]))


def _versions(
    regimen: Regimen, course: Course, zone: ZoneInfo, entries: int | None = None
) -> list[tuple[Event, ...]]:
    """The plan as made, then after each entry of the history (the first ``entries``): each
    entry's plan taken only from when it was recorded on (:func:`frozen`)."""
    history = course.history if entries is None else course.history[:entries]
    out = [_expand(regimen, course, zone, 0)]
    for number, entry in enumerate(history, start=1):
        out.append(frozen(out[-1], _expand(regimen, course, zone, number), entry.at, zone))
    return out


def frozen(
    before: Sequence[Event], after: Sequence[Event], at: datetime, zone: ZoneInfo
) -> tuple[Event, ...]:
    """The plan ``after`` a change recorded at ``at``, with the past as it was ``before`` it.

    A nurse decides on the day: the day −1 blood count that was yesterday stays on yesterday,
    the doses still ahead move. So an event that had started by ``at`` keeps its place and text
    (one under way, such as a precaution running to 12 months after the last dose, takes its
    new end as long as its start is the same); an event still ahead takes the change, but is
    never moved into the past (it stays as it was) nor added there.

    A dose that belongs with another (dexamethasone 12 and 6 hours before paclitaxel) whose
    time has passed, while the dose it belongs with moves ahead, is planned again before that
    dose, as its own event: the one taken stays in the record, and the moved paclitaxel is not
    given without its premedication. So is a blood test or visit whose day has passed while
    the change moves it ahead (the day −1 count that found low neutrophils is done again
    before the delayed cycle): it is what clears the cycle, and the cycle has moved."""
    old = {e.uid: e for e in before}
    new = {e.uid: e for e in after}
    out: dict[str, Event] = {}
    stuck: list[tuple[Event, Event]] = []
    for event in after:
        previous = old.get(event.uid)
        if previous is not None and _started(previous, at, zone):
            same_start = previous.start == event.start
            if same_start and _ends_after(previous, at, zone) and _ends_after(event, at, zone):
                out[event.uid] = event
                continue
            out[event.uid] = previous
            if _started(event, at, zone):
                continue
            leader = new.get(event.leader) if event.leader is not None else None
            if event.kind in (EventKind.LAB, EventKind.VISIT) or (
                leader is not None and not _started(leader, at, zone)
            ):
                again = _again(event, previous)
                while again.uid in old and _started(old[again.uid], at, zone):
                    out[again.uid] = old[again.uid]  # taken again already: planned once more
                    again = _again(again, previous)
                out[again.uid] = again
        elif _started(event, at, zone):
            if previous is not None:  # it would go back into the past: it stays ahead
                out[event.uid] = previous
                stuck.append((previous, event))
        else:
            out[event.uid] = event
    for uid, event in old.items():  # the past is never removed
        if uid not in out and _started(event, at, zone):
            out[uid] = event
    _check_stuck(stuck, out, zone)
    return tuple(out.values())


def _check_stuck(stuck: list[tuple[Event, Event]], out: dict[str, Event], zone: ZoneInfo) -> None:
    """A dose the change would move back into the past stays where it was ahead; but not on a
    day that now holds another dose of the same drug from the same rule of the regimen (a delay
    withdrawn in the middle of the delayed cycle would give two injections a day): that is
    refused, for the nurse to record what is to happen from now on instead."""
    for kept, wanted in stuck:
        if kept.kind != EventKind.DOSE or kept.cancelled:
            continue
        rule = kept.slot.partition("#")[0]
        day = day_of(kept.start)
        clash = next(
            (
                e
                for e in out.values()
                if e.uid != kept.uid and not e.cancelled and e.drug_key == kept.drug_key
                and e.slot.partition("#")[0] == rule and day_of(e.start) == day
            ),
            None,
        )  # fmt: skip
        if clash is not None:
            raise CourseError(
                f"it would move {kept.title} back to {_when(wanted)}, which has passed, so it "
                f"stays on {_when(kept)}; but {clash.title} would now fall on that day too: two "
                f"doses of {kept.drug or kept.title} where the regimen gives one. Record what is "
                "to happen from now on instead (a delay, an omission, a stop)"
            )


def _again(event: Event, first: Event) -> Event:
    """``event`` planned once more, under an identity of its own derived from its own (the
    ``first`` one stays in the past, as it was)."""
    uid = f"{uuid.uuid5(_AGAIN, event.uid)}@treatment-scheduler"
    if event.kind == EventKind.DOSE:
        note = (
            f"Planned again: {event.drug or event.title} was due {_when(first)}, and the dose "
            "it goes with has moved, so it is taken again before it."
        )
    else:
        note = (
            f"Planned again: it was due {_when(first)}, and what it comes before has moved, "
            "so it is done again before it."
        )
    return replace(event, uid=uid, description=f"{note}\n{event.description}")


#: The namespace of the identity of a dose planned again (see :func:`frozen`).
_AGAIN = uuid.UUID("0f4c6a4e-8a59-4d70-9a35-5f3d9e2b7c11")


def _started(event: Event, at: datetime, zone: ZoneInfo) -> bool:
    return instant(event.start, zone) < at


def _ends_after(event: Event, at: datetime, zone: ZoneInfo) -> bool:
    return instant(event.end, zone) > at


def _check_guarantees(
    regimen: Regimen, course: Course, zone: ZoneInfo, events: Sequence[Event]
) -> None:
    """The regimens' safety limits (min_interval, at_most, lifetime) on the plan as it stands,
    past and future together: a withdrawn delay can bring doses back close to given ones."""
    try:
        _guarantees(regimen, course, zone, events)
    except PlanError as err:
        raise course.fail("", f"the course cannot be planned: {err}") from None


def _guarantees(regimen: Regimen, course: Course, zone: ZoneInfo, events: Sequence[Event]) -> None:
    """Each regimen's limits on its own events; a lifetime limit counts what the course's other
    regimens gave of the drug too."""
    seen: set[str] = set()
    for segment in course.segments():
        model = regimen if segment.number == 0 else course.regimen_model(segment)
        if model.id in seen:
            continue
        seen.add(model.id)
        options = course.options(zone, None, segment)
        mine = [e for e in events if e.regimen in ("", model.id)]
        others = [e for e in events if e.regimen not in ("", model.id)]
        if others:
            limited = {d.key for d in model.drugs if d.max_cumulative is not None}
            prior = tuple(p for p in options.prior if p.drug in limited)
            options = replace(options, prior=(*prior, *carried(others, model, options.body)))
        check_guarantees(model, options, mine)


def _expand(
    regimen: Regimen, course: Course, zone: ZoneInfo, entries: int | None = None
) -> tuple[Event, ...]:
    """The course planned with its first ``entries`` entries: each regimen it follows in turn
    (:meth:`Course.segments`), the later ones counting what the earlier gave towards their
    lifetime limits."""
    out: list[Event] = []
    try:
        for segment in course.segments(entries):
            options = course.options(zone, entries, segment)
            model = regimen
            if segment.number:
                model = course.regimen_model(segment)
                limited = {d.key for d in model.drugs if d.max_cumulative is not None}
                prior = tuple(p for p in options.prior if p.drug in limited)
                options = replace(options, prior=(*prior, *carried(out, model, options.body)))
            out += expand(model, options)
    except PlanError as err:
        if entries is not None and entries < len(course.history):
            where = f"history[{entries - 1}]" if entries else "start"
            raise course.fail(
                where, f"this version of the course cannot be planned: {err}"
            ) from None
        raise course.fail("", f"the course cannot be planned: {err}") from None
    return tuple(out) if len(course.segments(entries)) == 1 else sort_events(out, zone)


def course_regimens(course: Course) -> tuple[Regimen, ...]:
    """The regimens the course follows in turn, the one it follows now last."""
    return tuple(course.regimen_model(segment) for segment in course.segments())


def _content(event: Event) -> tuple[Any, ...]:
    return (event.start, event.end, event.title, event.description, event.all_day)


def check_history(course: Course, regimen: Regimen) -> None:
    """Each recorded entry refers to something the regimen it was recorded under and the
    history have (a phase, a drug, a cycle day, an earlier entry to withdraw, a regimen to
    switch to)."""
    for i, entry in enumerate(course.history):
        under = _regimen_now(course, i, regimen)
        problem = check_change(entry.change, under)
        if problem is None and isinstance(entry.change, Withdraw):
            problem = _withdrawable(entry.change, course.history[:i])
        if problem is None and isinstance(entry.change, Switch):
            problem = _switchable(course, entry.change)
        if problem is not None:
            field, message = problem
            raise course.fail(f"history[{i}].{field}", message)


def _regimen_now(course: Course, entries: int, first: Regimen) -> Regimen:
    """The regimen the course follows after its first ``entries`` entries."""
    segment = course.segments(entries)[-1]
    return first if segment.number == 0 else course.regimen_model(segment)


def _switchable(course: Course, change: Switch) -> tuple[str, str] | None:
    """A switch names a regimen that loads."""
    try:
        course.regimen_model(Segment(1, change.regimen, change.start, change.cycles, ()))
    except SchedulerError as err:
        return "regimen", str(err)
    return None


def check_change(change: Recordable, regimen: Regimen) -> tuple[str, str] | None:
    """``(field, message)`` if ``change`` names a phase, day or drug the regimen does not have."""
    return refers(change, regimen)


def _withdrawable(change: Withdraw, earlier: Sequence[Entry]) -> tuple[str, str] | None:
    """A withdrawal names an earlier entry that is a change still in force (a switch only
    while nothing was recorded after it under the new regimen)."""
    if change.entry > len(earlier):
        return "entry", (f"there is no entry {change.entry} before it (entries 1 to "
                         f"{len(earlier)} can be withdrawn)" if earlier else
                         "there is no earlier entry to withdraw")  # fmt: skip
    target = earlier[change.entry - 1].change
    if isinstance(target, Withdraw):
        return "entry", (f"entry {change.entry} is itself a withdrawal: record its change again "
                         "instead")  # fmt: skip
    if any(isinstance(e.change, Withdraw) and e.change.entry == change.entry for e in earlier):
        return "entry", f"entry {change.entry} is already withdrawn"
    if isinstance(target, Switch):
        after = [n for n, e in enumerate(earlier, start=1)
                 if n > change.entry and not isinstance(e.change, Withdraw)]  # fmt: skip
        if after:
            which = (f"entry {after[0]} was" if len(after) == 1
                     else f"entries {', '.join(map(str, after))} were")  # fmt: skip
            them = "it" if len(after) == 1 else "them"
            return "entry", (f"entry {change.entry} switched regimen, and {which} recorded "
                             f"under the new one: withdraw {them} first")  # fmt: skip
    return None


def drug_key(regimen: Regimen | Sequence[Regimen], text: str) -> str:
    """The key of the drug ``text`` names: its key or its name, exactly (any case), in
    ``regimen`` (or in any of several, the first that has it: the regimens of a course that
    switched, for a record of what was given under either)."""
    regimens = (regimen,) if isinstance(regimen, Regimen) else tuple(regimen)
    wanted = text.strip().casefold()
    for model in regimens:
        for drug in model.drugs:
            if wanted and wanted in (drug.key.casefold(), drug.name.casefold()):
                return drug.key
    allowed = "; ".join(allowed_drugs(m) for m in regimens)
    raise PlanError(f"unknown drug {text!r} ({allowed})", field="drug")


def regimen_now(course: Course) -> Regimen:
    """The regimen the course follows now (after any switch): what a new change refers to."""
    return _regimen_now(course, len(course.history), course.regimen_model())


def record(course: Course, entry: Entry, *, today: date | None = None) -> Course:
    """``course`` with ``entry`` appended, if the entry is possible: it must fit the regimen
    (and the history, for a withdrawal), change something still ahead of ``entry.at`` — the
    past stays as it was (:func:`frozen`) — and still plan (no overlapping cycles, no doses
    closer than the regimen allows). ``today`` is accepted for callers of the earlier API and
    must be the day of ``entry.at`` if given."""
    return _record(course, entry)[0]


def _record(course: Course, entry: Entry) -> tuple[Course, tuple[Event, ...], tuple[Event, ...]]:
    if len(course.history) >= MAX_HISTORY:
        raise course.fail("history", f"refused: a course holds at most {MAX_HISTORY} changes "
                          "(start a new course from today for more)")  # fmt: skip
    if course.history and entry.at < course.history[-1].at:
        raise CourseError(
            f"refused: it would be recorded at {entry.when()}, before the last entry "
            f"({course.history[-1].when()}): a course's history runs forward (check the clock, "
            "or SCHEDULER_NOW)",
            file=course.origin or None,
        )
    regimen = course.regimen_model()
    change = entry.change
    problem = check_change(change, _regimen_now(course, len(course.history), regimen))
    if problem is None and isinstance(change, Withdraw):
        problem = _withdrawable(change, course.history)
    if problem is None and isinstance(change, Switch):
        problem = _switchable(course, change)
    if problem is not None:
        raise CourseError(f"refused: {problem[1]}", file=course.origin or None)
    zone = course.zone()
    today = entry.at.astimezone(zone).date()
    started = change.start if isinstance(change, Retime | Switch) else None
    if started is not None and started < today:
        raise CourseError(
            f"refused: {words(change)}: {format_date(started)} is before today "
            f"({format_date(today)}); record only changes from today on",
            file=course.origin or None,
        )
    before = _versions(regimen, course, zone)[-1]
    updated = replace(course, history=(*course.history, entry))
    try:
        unfrozen = _expand(regimen, updated, zone)
        after = frozen(before, unfrozen, entry.at, zone)
        _guarantees(regimen, updated, zone, after)
    except (PlanError, CourseError) as err:
        message = str(err).split("the course cannot be planned: ", 1)[-1]
        raise CourseError(f"refused: {message}", file=course.origin or None) from None
    old = {e.uid: _content(e) for e in before}
    new = {e.uid: _content(e) for e in after}
    changed = [uid for uid in old.keys() | new.keys() if old.get(uid) != new.get(uid)]
    if not changed and entry.action != "close":
        # A closure is a fact about the clinic, worth keeping even if nothing falls on it yet.
        raise CourseError(f"refused: {words(change)} changes nothing in the plan "
                          f"({_why_nothing(change, before, unfrozen, entry.at)})",
                          file=course.origin or None)  # fmt: skip
    return updated, before, after


def delay_to(course: Course, phase: int, cycle: int, target: date) -> int:
    """How many days later cycle ``cycle`` of ``phase`` must start to start on ``target``."""
    regimen = course.regimen_model()
    events = _versions(regimen, course, course.zone())[-1]
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
    """What recording an entry did (or, for a dry run, would do): the entry, and the plan
    before and after."""

    file: str
    """The course file written (a link's target); the version it replaced is ``file + ".bak"``."""
    entry: Entry
    before: tuple[Event, ...]
    after: tuple[Event, ...]
    written: bool = True
    """False for a dry run: nothing was written."""


def edit_course(
    path: str | Path,
    make: Callable[[Course], Recordable],
    *,
    reason: str = "",
    now: datetime | Callable[[], datetime],
    by: str = "",
    dry_run: bool = False,
    again: bool = False,
    store: CourseStore | None = None,
    expected: str | None = None,
) -> Edit:
    """Record an entry in the course file at ``path``, safely against parallel edits.

    Under an exclusive lock on the file: read the latest version, build the change from it
    (``make`` may look at the course, e.g. to turn a target date into a delay), check it with
    :func:`record` as of ``now`` (the past stays as it was), and write the new version
    atomically, keeping the version read as ``FILE.bak``. Refused edits leave the file untouched.

    ``now`` is when it is recorded: an aware datetime, or a clock (a function returning one)
    read once the lock is held, so that parallel writers record in the order they write. A
    change identical to the last one recorded (the same command typed twice) is refused unless
    ``again``; ``dry_run`` checks and returns what would change and writes nothing. ``by``
    says who recorded it. ``store`` is where the course lives (default: the course files,
    :class:`FileStore`). ``expected`` is the version the change was decided on (a page the
    nurse read): if another edit came first, CourseConflict says so and nothing is written.
    """
    need_path(path, "path")
    need_text(reason, "reason", error=PlanError, line=True)
    need_text(by, "by", error=PlanError, line=True)
    clock = _clock(now)
    if not callable(make):
        raise ArgumentError(
            f"make must be a function from the Course to a change, not {describe(make)}",
            field="make",
        )
    chosen = store if store is not None else FileStore()
    need_text(expected, "expected", optional=True, most=100)
    with chosen.editing(str(path)) as current:
        course = current.course
        if expected is not None and current.version != expected:
            last = course.history[-1] if course.history else None
            said = (
                f": {words(last.change)}, by {last.by or 'someone'} at {last.when()}"
                if last
                else ""
            )
            raise CourseConflict(
                f"changed since you read it (another edit came first{said}): nothing was "
                "written; look at the course again and redo the change if it is still needed",
                file=course.origin or None,
            )
        entry = Entry(at=clock(), change=make(course), reason=reason.strip(), by=by.strip())
        last = course.history[-1] if course.history else None
        repeated = last is not None and last.change == entry.change
        # A second withdrawal of one entry is refused by what it withdraws, in its own words.
        if last is not None and repeated and not again and not isinstance(entry.change, Withdraw):
            raise CourseError(
                f"refused: the last entry, recorded {last.when()}, is the same: "
                f"{words(entry.change)}; if it really is to be recorded twice, add --again "
                f"(to take the last one back: course withdraw --entry {len(course.history)})",
                file=course.origin or None,
            )
        updated, before, after = _record(course, entry)
        if not dry_run:
            chosen.put(current.key, updated, expected=current.version)
    return Edit(current.key, entry, before, after, written=not dry_run)


def _clock(now: datetime | Callable[[], datetime]) -> Callable[[], datetime]:
    """``now`` as a clock read under the lock: a fixed aware time, or a function giving one."""
    if not callable(now):
        fixed = need_aware(now, "now")
        return lambda: fixed

    def read() -> datetime:
        return need_aware(now(), "now()")

    return read


@dataclass(frozen=True)
class Which:
    """Which planned events a record is about: those of one cycle day, narrowed by drug, by
    the slot of a drug's several doses that day (1, 2 ... in time order), by kind, or by the
    date it falls on (a cycle day whose premedication or test was planned again after a delay
    has events on two dates)."""

    phase: int
    cycle: int
    day: int
    drug: str | None = None
    """A drug key of the regimen."""
    slot: int | None = None
    kind: EventKind | None = None
    on: date | None = None

    def __post_init__(self) -> None:
        need_whole(self.phase, "which.phase", 1, 1_000)
        need_whole(self.cycle, "which.cycle", 1, 1_000_000)
        need_whole(self.day, "which.day", -1_000_000, 1_000_000)
        need_text(self.drug, "which.drug", optional=True, most=200, line=True)
        if self.slot is not None:
            need_whole(self.slot, "which.slot", 1, 10_000)
        need(self.kind, EventKind, "which.kind", "an EventKind", optional=True)
        if self.on is not None:
            need_date(self.on, "which.on")

    def words(self) -> str:
        what = {EventKind.LAB: "blood test", EventKind.VISIT: "appointment"}.get(
            self.kind or EventKind.DOSE, "dose"
        )
        drug = f" of {self.drug}" if self.drug else ""
        slot = f" (dose {self.slot} of the day)" if self.slot else ""
        phase = f" of phase {self.phase}" if self.phase != 1 else ""
        on = f" on {format_date(self.on)}" if self.on is not None else ""
        return f"{what}{drug} on cycle {self.cycle}{phase}, day {self.day}{slot}{on}"


def chosen_events(events: Sequence[Event], which: Which, status: Status) -> list[Event]:
    """The live events ``which`` names that a record of ``status`` can be about (doses for
    given, missed ...; clinic doses, blood tests and visits for confirmed, deferred ...)."""
    dose_status = status in DOSE_STATUSES
    kinds = (
        {which.kind}
        if which.kind is not None
        else ({EventKind.DOSE} if dose_status else {EventKind.DOSE, EventKind.LAB, EventKind.VISIT})
    )
    found = [
        e
        for e in events
        if not e.cancelled
        and e.kind in kinds
        and (e.phase_number or 1, e.cycle, e.day) == (which.phase, which.cycle, which.day)
        and (which.drug is None or e.drug_key == which.drug)
        and (dose_status or e.kind != EventKind.DOSE or e.setting != "home")
        and (which.on is None or day_of(e.start) == which.on)
    ]
    if which.slot is not None:
        by_drug: dict[str | None, list[Event]] = {}
        for event in found:
            by_drug.setdefault(event.drug_key, []).append(event)
        found = [group[which.slot - 1] for group in by_drug.values() if len(group) >= which.slot]
    return found


def record_event(
    path: str | Path,
    which: Which,
    status: Status,
    *,
    now: datetime | Callable[[], datetime],
    by: str = "",
    time_given: time | datetime | None = None,
    amount: Amount | None = None,
    reason: str | None = None,
    note: str = "",
    again: bool = False,
    store: CourseStore | None = None,
) -> tuple[Record, ...]:
    """Record what happened to the planned events ``which`` names (a whole treatment day, or
    one dose), under the course's lock. The plan never moves; a later record corrects an
    earlier one. ``time_given`` is a clock time on the event's own day in the course's zone, or
    a full date and time. The same record as the one in force is refused unless ``again``.
    ``now`` is when it is recorded, as for :func:`edit_course` (a time, or a clock read under
    the lock)."""
    need_path(path, "path")
    need(which, Which, "which", "a Which (phase, cycle, day[, drug, slot, kind])")
    need_choice(status, "status", tuple(Status))
    clock = _clock(now)
    need_text(by, "by", error=PlanError, line=True)
    need_text(note, "note", error=PlanError, line=True)
    chosen_store = store if store is not None else FileStore()
    with chosen_store.editing(str(path)) as current:
        course = current.course
        now = clock()  # under the lock: records are written in the order they are made
        _regimen, zone, events = plan_course(course)
        found = chosen_events(events, which, status)
        if not found:
            raise CourseError(
                f"refused: there is no {which.words()} in the plan to record as {status.words}",
                file=course.origin or None,
            )
        days = sorted({day_of(e.start) for e in found})
        if len(days) > 1:
            raise CourseError(
                f"refused: the {which.words()} falls on {len(days)} dates "
                f"({', '.join(format_date(d) for d in days)}: planned again after a change); "
                "say which with the date (--date YYYY-MM-DD)",
                file=course.origin or None,
            )
        if amount is not None and len(found) > 1:
            names = ", ".join(sorted({e.drug or e.title for e in found}))
            raise CourseError(
                f"refused: an amount given is for one dose, and that day has {len(found)} "
                f"({names}): give the drug (and the slot) too",
                file=course.origin or None,
            )
        in_force = current_records(course.records)
        records = []
        for event in found:
            given = time_given
            if isinstance(given, time):
                given = datetime.combine(day_of(event.start), given).replace(tzinfo=zone)
            elif isinstance(given, datetime) and given.utcoffset() is None:
                given = given.replace(tzinfo=zone)  # a date and time in the course's zone
            record = Record(
                at=now, event=event.uid, status=status, what=_what(event), time=given,
                amount=amount, reason=reason, note=note.strip(), by=by.strip(),
            )  # fmt: skip
            try:
                check_record(record, event, zone)
            except CourseError as err:
                raise CourseError(f"refused: {err}", file=course.origin or None) from None
            previous = in_force.get(event.uid)
            if previous is not None and not again and _same(previous, record):
                raise CourseError(
                    f"refused: {event.title} is already recorded as {previous.status.words} "
                    f"({previous.at.astimezone(UTC):%Y-%m-%d %H:%M} UTC); add --again to record "
                    "it again",
                    file=course.origin or None,
                )
            records.append(record)
        if len(course.records) + len(records) > MAX_RECORDS:
            raise CourseError(f"refused: a course holds at most {MAX_RECORDS:,} records",
                              file=course.origin or None)  # fmt: skip
        if course.records and now < course.records[-1].at:
            raise CourseError(
                "refused: it would be recorded before the last record: records run forward "
                "(check the clock, or SCHEDULER_NOW)",
                file=course.origin or None,
            )
        chosen_store.put(
            current.key, replace(course, records=(*course.records, *records)),
            expected=current.version,
        )  # fmt: skip
    return tuple(records)


def _what(event: Event) -> str:
    return f"{event.title} ({_when(event)})"


def _same(a: Record, b: Record) -> bool:
    return (a.status, a.time, a.amount, a.reason, a.note) == (
        b.status,
        b.time,
        b.amount,
        b.reason,
        b.note,
    )


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
    contact: str = "",
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
    need_text(label, "label", error=PlanError, line=True)
    loaded = resolve(regimen)
    parse_reminders(reminders)
    load_zone(zone)
    text = " ".join(label.split())
    if len(text) > MAX_LABEL:
        raise PlanError(f"label is longer than {MAX_LABEL} characters", field="label")
    need_text(contact, "contact", error=PlanError, line=True)
    if len(contact) > MAX_CONTACT:
        raise PlanError(f"contact is longer than {MAX_CONTACT} characters", field="contact")
    course = Course(
        id=identity if identity is not None else str(uuid.uuid4()),
        regimen=regimen_reference(regimen, course_file, store),
        start=start,
        timezone=zone.strip(),
        cycles=cycles,
        until=until,
        dose_time=dose_time,
        label=text,
        body=body,
        prior=prior,
        contact=" ".join(contact.split()),
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


def regimen_reference(
    regimen: str, course_file: str | Path, store: CourseStore | None = None
) -> str:
    """How a course at ``course_file`` in ``store`` should name ``regimen`` (as the user typed
    it): a bundled id as it is, a file path as the store keeps it (relative to a course file's
    folder; absolute in a database)."""
    if not is_regimen_path(regimen) and not Path(regimen).is_file():
        return regimen
    return (store if store is not None else FileStore()).reference(Path(regimen), str(course_file))


def _why_nothing(
    change: Recordable,
    events: Sequence[Event],
    unfrozen: Sequence[Event],
    at: datetime,
) -> str:
    """Why ``change`` touched nothing, from the plan as it stands: what it would change is
    already past, the cycle it names is not in the plan, the day it names has no dose, or its
    date is on or after the last dose."""
    old = {e.uid: _content(e) for e in events}
    new = {e.uid: _content(e) for e in unfrozen}
    past = sorted(
        (e for e in (*events, *unfrozen) if old.get(e.uid) != new.get(e.uid)),
        key=lambda e: e.start.isoformat(),
    )
    if past:
        return (
            f"what it would change, from {past[0].title} on {format_date(day_of(past[0].start))}, "
            f"is before it was recorded ({at.astimezone(UTC):%Y-%m-%d %H:%M} UTC): the past stays as it was; record "
            "what happened to a dose with course given or course missed"
        )
    if isinstance(change, Withdraw):
        return f"entry {change.entry}'s change touched nothing still ahead"
    doses = [e for e in events if e.kind == EventKind.DOSE and not e.cancelled]
    held = sorted({(e.phase_number or 1, e.cycle) for e in doses if e.cycle is not None})
    named = (
        (change.phase or 1, change.cycle)
        if isinstance(change, Delay | Omit | Stop | Hold | DoseChange)
        else None
    )
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
    if isinstance(change, Hold | DoseChange):
        drugs = {e.drug_key for e in doses if (e.phase_number or 1, e.cycle) == named}
        if change.drug not in drugs:
            return f"cycle {change.cycle} has no dose of {change.drug}"
    when = change.start if isinstance(change, Retime) else getattr(change, "after", None)
    last = max((day_of(e.start) for e in doses), default=None)
    if isinstance(when, date) and last is not None and when >= last:
        return f"the last dose is on {format_date(last)}"
    if isinstance(change, Retime):
        return f"the doses from then are already at {change.at:%H:%M}"
    return "check the cycle, day or date"
