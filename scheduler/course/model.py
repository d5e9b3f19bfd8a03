"""A course: one patient's plan of one regimen — start, zone, bound, dose time, body figures,
reminders, closures — and the history of what changed since (course/history.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from ..arguments import need, need_text, need_whole
from ..errors import CourseError, PlanError, SchedulerError
from ..plan.changes import Change, Stop
from ..plan.closures import DEFAULT_POLICY, Closures
from ..plan.engine import PlanOptions
from ..plan.lifetime import Prior
from ..regimen.dosing import Body
from ..regimen.model import Regimen
from ..regimen.notation import parse_weekday
from .history import Entry, Switch, Withdraw
from .records import Record

__all__ = ["Course", "Segment", "in_force", "is_regimen_path"]


def in_force(history: tuple[Entry, ...]) -> tuple[Change | Switch, ...]:
    """The entries of ``history`` that apply: every change and switch not withdrawn by a later
    entry, in the order recorded."""
    withdrawn = {e.change.entry for e in history if isinstance(e.change, Withdraw)}
    return tuple(
        e.change
        for number, e in enumerate(history, start=1)
        if number not in withdrawn and not isinstance(e.change, Withdraw)
    )


@dataclass(frozen=True)
class Segment:
    """A stretch of a course that follows one regimen: the whole course, or the part before
    or after a switch to another regimen."""

    number: int
    """0 for the regimen the course was made with, 1 after the first switch ..."""
    regimen: str
    """The regimen reference as the course names it (an id, or a file relative to the course)."""
    start: date
    cycles: int | None
    changes: tuple[Change, ...]
    """The changes recorded while this regimen was followed (they name its phases and cycles)."""
    end: date | None = None
    """The last day of this regimen, the day before a switch: nothing of it is planned after."""


def is_regimen_path(ref: str) -> bool:
    """Whether a course's ``regimen`` names a file (``x.toml``, ``../r/x.toml``), not a bundled id."""
    return ref.endswith(".toml") or "/" in ref or "\\" in ref


@dataclass(frozen=True)
class Course:
    """One patient's plan of one regimen, and its history."""

    id: str
    regimen: str
    """A bundled regimen id, or the path of a regimen file relative to the course file's folder."""
    start: date
    timezone: str
    cycles: int | None = None
    until: date | None = None
    dose_time: time | None = None
    label: str = ""
    body: Body | None = None
    """Weight, height and kidney function as entered, for calculated doses (checked when read)."""
    prior: tuple[Prior, ...] = ()
    """Doses given before this course, counted towards the drugs' lifetime limits."""
    contact: str = ""
    """How the patient reaches the care team ("Oncology day unit, 020 7946 0000"): printed on
    the dose diary."""
    reminders: str = "default"
    holidays: tuple[str, ...] = ()
    closed_dates: tuple[date, ...] = ()
    closed_weekdays: tuple[str, ...] = ()
    policy: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    history: tuple[Entry, ...] = ()
    records: tuple[Record, ...] = ()
    """What happened to planned events (given, missed ...): never moves the plan."""
    origin: str = ""
    """The file it was read from (empty for a course made in memory)."""
    line_of: Callable[[str], int | None] | None = field(default=None, compare=False, repr=False)
    """The line of a field path in the file it was read from, for messages."""

    @property
    def personal(self) -> bool:
        """Whether the id is this patient's own. Courses made before ids were random (UUIDs) have
        the id ``<regimen>-<start>``, shared by every patient on that regimen and start: their
        event UIDs collide in one calendar, and plan's summary says so."""
        return not self.id.endswith(f"-{self.start.isoformat()}")

    def fail(self, path: str, message: str) -> CourseError:
        """An error about field ``path`` of this course, pointing at its line when known."""
        line = self.line_of(path) if self.line_of else None
        return CourseError(message, file=self.origin or None, line=line, path=path or None)

    def zone(self) -> ZoneInfo:
        from ..plan.zones import load_zone

        try:
            return load_zone(self.timezone)
        except SchedulerError as err:
            raise self.fail("timezone", str(err)) from None

    def regimen_file(self) -> str:
        """The regimen reference to load: a path is relative to the course file's folder."""
        return self.reference_file(self.regimen)

    def regimen_path(self, reference: str | None = None) -> Path:
        """The file the regimen (or the regimen ``reference`` names, as the course file does)
        is read from: a bundled id's file in the package."""
        from ..regimen.catalog import bundled_path

        need_text(reference, "reference", optional=True, most=4096)
        ref = self.reference_file(reference if reference is not None else self.regimen)
        return Path(ref) if is_regimen_path(ref) or Path(ref).exists() else bundled_path(ref)

    def regimen_paths(self) -> tuple[Path, ...]:
        """Every regimen file the course's plan is read from (the first regimen and each one
        switched to): what a cache of this course's plan must also watch."""
        paths = [self.regimen_path()]
        for entry in self.history:
            if isinstance(entry.change, Switch):
                path = self.regimen_path(entry.change.regimen)
                if path not in paths:
                    paths.append(path)
        return tuple(paths)

    def regimen_model(self, segment: Segment | None = None) -> Regimen:
        """The regimen the course was made with, or the one a segment of it follows."""
        from ..regimen.catalog import resolve

        if segment is not None:
            need(segment, Segment, "segment", "a Segment of the course (Course.segments())")
        if segment is None or segment.number == 0:
            return resolve(self.regimen_file())
        return resolve(self.reference_file(segment.regimen))

    def closures(self) -> Closures:
        try:
            return Closures(
                regions=self.holidays,
                dates=frozenset(self.closed_dates),
                weekdays=frozenset(parse_weekday(w) for w in self.closed_weekdays),
                policy=dict(self.policy),
            )
        except (ValueError, PlanError) as err:
            raise self.fail("closures", str(err)) from None

    def segments(self, entries: int | None = None) -> list[Segment]:
        """The course with its first ``entries`` entries (default: all), as the regimens it
        follows in turn: each with its start, bound and the changes recorded while it was
        followed (less those withdrawn); every switch ends the regimen before it."""
        if entries is not None:
            need_whole(entries, "entries", 0, len(self.history))
        history = self.history if entries is None else self.history[:entries]
        out = [Segment(0, self.regimen, self.start, self.cycles, ())]
        for change in in_force(history):
            current = out[-1]
            if isinstance(change, Switch):
                end = change.start - timedelta(days=1)
                out[-1] = replace(
                    current, end=end if current.end is None else min(end, current.end)
                )
                out.append(Segment(len(out), change.regimen, change.start, change.cycles, ()))
            else:
                out[-1] = replace(current, changes=(*current.changes, change))
        return out

    def options(
        self, zone: ZoneInfo, entries: int | None = None, segment: Segment | None = None
    ) -> PlanOptions:
        """The plan options of one segment of the course (default: the first, its only one
        when the course never switched regimen) with its first ``entries`` entries (default:
        all): its changes in the order recorded, less those a later entry withdrew."""
        if segment is None:
            segment = self.segments(entries)[0]
        need(segment, Segment, "segment", "a Segment of the course (Course.segments())")
        changes = segment.changes
        if segment.end is not None:
            changes = (*changes, Stop(after=segment.end))
        first = segment.number == 0
        return PlanOptions(
            start=segment.start,
            zone=zone,
            cycles=segment.cycles,
            until=self.until,
            dose_time=self.dose_time if first else None,
            plan_id=self.id if first else f"{self.id}~{segment.number}",
            body=self.body,
            adjustments=changes,
            closures=self.closures(),
            prior=self.prior,
        )

    def reference_file(self, ref: str) -> str:
        """A regimen reference to load: a path is relative to the course file's folder."""
        if self.origin and is_regimen_path(ref) and not Path(ref).is_absolute():
            return str(Path(self.origin).parent / ref)
        return ref
