"""A course's history: each change to the plan (plan/changes.py: a typed, validated value) with
when it was recorded and why; and how each kind of change is written in the course file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from ..errors import CourseError
from ..plan.changes import Change, Close, Delay, Omit, Retime, Stop
from ..regimen.notation import weekday_name

__all__ = ["ACTIONS", "FIELDS", "Entry", "fields_of"]

#: The action word of each kind of change, as the course file and the commands say it.
ACTIONS: dict[str, type[Change]] = {
    "delay": Delay,
    "omit": Omit,
    "stop": Stop,
    "retime": Retime,
    "close": Close,
}
_ACTION_OF = {kind: name for name, kind in ACTIONS.items()}
#: The fields each action has in the course file, in the order they are written.
FIELDS: dict[str, tuple[str, ...]] = {
    "delay": ("phase", "cycle", "days"),
    "omit": ("phase", "cycle", "day", "slot", "drug"),
    "stop": ("after", "phase", "cycle"),
    "retime": ("from", "time"),
    "close": ("dates", "holidays", "weekdays"),
}
#: Reasons are a sentence or two, not documents.
MAX_REASON = 1000


@dataclass(frozen=True)
class Entry:
    """One recorded change: what, when it was recorded (an aware time, kept in UTC), and why."""

    at: datetime
    change: Change
    reason: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.at, datetime) or self.at.utcoffset() is None:
            raise CourseError(
                f"a change needs the time it was recorded, with its zone: {self.at!r}"
            )
        if type(self.change) not in _ACTION_OF:
            raise CourseError(f"not a change to a plan: {self.change!r}")
        if not isinstance(self.reason, str) or len(self.reason) > MAX_REASON:
            raise CourseError(f"a reason is a text of at most {MAX_REASON} characters")

    @property
    def action(self) -> str:
        return _ACTION_OF[type(self.change)]

    def when(self) -> str:
        """When it was recorded, as the file and the history show it (UTC, to the minute)."""
        return self.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def fields_of(change: Change) -> list[tuple[str, date | int | str | list[date] | list[str]]]:
    """The course-file fields of ``change`` (those that are set), in :data:`FIELDS` order."""
    if isinstance(change, Delay):
        return [("phase", change.phase), ("cycle", change.cycle), ("days", change.days)]
    if isinstance(change, Omit):
        out: list[tuple[str, date | int | str | list[date] | list[str]]] = [
            ("phase", change.phase), ("cycle", change.cycle), ("day", change.day)]  # fmt: skip
        if change.slot is not None:
            out.append(("slot", change.slot))
        if change.drug is not None:
            out.append(("drug", change.drug))
        return out
    if isinstance(change, Stop):
        if change.after is not None:
            return [("after", change.after)]
        assert change.cycle is not None
        return [("phase", change.phase or 1), ("cycle", change.cycle)]
    if isinstance(change, Retime):
        return [("from", change.start), ("time", _clock(change.at))]
    out = []
    if change.dates:
        out.append(("dates", list(change.dates)))
    if change.holidays:
        out.append(("holidays", change.holidays))
    if change.weekdays:
        out.append(("weekdays", [weekday_name(w) for w in change.weekdays]))
    return out


def _clock(at: time) -> str:
    return at.strftime("%H:%M")
