"""Compact form: dose events that repeat at the same local time every N days become one
recurring series (RRULE:FREQ=DAILY;INTERVAL=N;COUNT=K) instead of K separate events.

Grouping is exact by construction: a series is a run of doses of the same rule slot with the
same clock time, duration and amount whose dates step by a constant number of days, so
expanding its RRULE in the patient's zone gives back exactly those doses (RFC 5545 keeps the
local time of each occurrence; a time in the spring gap is read as §3.3.5 says, which is how
the engine placed it too). A run is looked for over all of a rule's doses first (imatinib daily,
methotrexate weekly: one series) and otherwise per cycle day (aldesleukin: day 3 of every
35-day cycle is one series). What fits no run stays a single event; no EXDATE is ever needed,
and none is written (Google rejects events with many EXDATEs).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..plan.events import Event
from ..regimen.model import EventKind
from ..regimen.notation import format_date

__all__ = ["Series", "group"]


@dataclass(frozen=True, slots=True)
class Series:
    """Doses at the same clock time every ``step`` days, ``len(events)`` times."""

    events: tuple[Event, ...]
    step: int
    per_cycle_day: bool

    @property
    def first(self) -> Event:
        return self.events[0]

    @property
    def uid(self) -> str:
        return self.first.uid.replace("@", "-series@", 1)

    @property
    def revision(self) -> int:
        """SEQUENCE of the series: it changed whenever one of its doses did."""
        return max(e.revision for e in self.events)

    @property
    def rrule(self) -> str:
        return f"FREQ=DAILY;INTERVAL={self.step};COUNT={len(self.events)}"

    @property
    def title(self) -> str:
        base = self.first.title.split(" — ", 1)[0]
        title = f"{base} — cycle day {self.first.day}" if self.per_cycle_day else base
        return f"{title} [{self.first.flag}]" if self.first.flag else title

    @property
    def description(self) -> str:
        first, last = self.first, self.events[-1]
        start = first.start
        assert isinstance(start, datetime)
        cycles = sorted({e.cycle for e in self.events if e.cycle is not None})
        every = "every day" if self.step == 1 else f"every {self.step} days"
        when = (
            f"When: at {start:%H:%M}, {every}, {len(self.events)} times, from "
            f"{format_date(start.date())} to {format_date(_day(last.start))}"
        )
        if self.per_cycle_day and cycles:
            span = f"cycle {cycles[0]}" if len(cycles) == 1 else f"cycles {cycles[0]}-{cycles[-1]}"
            when += f" (day {first.day} of {span})"
        lines = [
            when + "." if line.startswith("When: ") else line
            for line in first.description.split("\n")
        ]
        return "\n".join(lines)


def group(events: Sequence[Event]) -> list[Event | Series]:
    """The events with repeating doses folded into series, in the order of their first event."""
    buckets: dict[tuple[object, ...], list[Event]] = {}
    for event in events:
        if event.kind != EventKind.DOSE or event.cancelled or not isinstance(event.start, datetime):
            continue
        # A flag or a re-planning note is text the patient must see on that dose: only doses
        # that carry the same one can share a series (which shows one text for all).
        key = (event.phase, event.slot, event.start.time(), event.end - event.start,
               event.amount, event.title.split(" — ", 1)[0], event.flag, event.notes)  # fmt: skip
        buckets.setdefault(key, []).append(event)
    placed: dict[int, Series] = {}
    for members in buckets.values():
        whole = _runs(members)
        if len(whole) == 1:
            _place(placed, Series(tuple(members), _step(members), per_cycle_day=False))
            continue
        by_day: dict[int | None, list[Event]] = {}
        for event in members:
            by_day.setdefault(event.day, []).append(event)
        for same_day in by_day.values():
            for run in _runs(same_day):
                _place(placed, Series(tuple(run), _step(run), per_cycle_day=True))
    out: list[Event | Series] = []
    for event in events:
        series = placed.get(id(event))
        if series is None:
            out.append(event)
        elif series.first is event:
            out.append(series)
    return out


def _place(placed: dict[int, Series], series: Series) -> None:
    if len(series.events) > 1:
        for event in series.events:
            placed[id(event)] = series


def _step(run: Sequence[Event]) -> int:
    return (_day(run[1].start) - _day(run[0].start)).days if len(run) > 1 else 1


def _runs(events: Sequence[Event]) -> list[list[Event]]:
    """Split date-sorted events into maximal runs with a constant step in days."""
    runs: list[list[Event]] = []
    for event in events:
        if not runs:
            runs.append([event])
            continue
        run = runs[-1]
        gap = (_day(event.start) - _day(run[-1].start)).days
        if gap <= 0:
            runs.append([event])
        elif len(run) == 1 or gap == (_day(run[1].start) - _day(run[0].start)).days:
            run.append(event)
        else:
            runs.append([event])
    return runs


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value
