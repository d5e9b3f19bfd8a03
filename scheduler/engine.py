"""The rule engine: (regimen, plan options) -> sorted, immutable events.

Pure: no files, no clock, no environment. Bounded: an open-ended regimen expands only up to
``PlanOptions.cycles`` or ``PlanOptions.until``, and never past :data:`MAX_EVENTS`.

Times. Doses start at their *local clock time* across daylight-saving changes (09:00 stays 09:00
in both GMT and BST). A local time that does not exist on a spring-forward day (01:30 in
London on the last Sunday of March) is read with the offset before the gap, as RFC 5545
§3.3.5 requires of calendar apps, so it lands an hour later by the clock (02:30 BST); a time
that occurs twice in autumn is the first occurrence. Both are normalised here so that the JSON
view and every calendar app agree on the instant. Durations are real elapsed time: a dose that
runs over a clock change ends by the clock an hour earlier or later.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from dateutil.relativedelta import relativedelta

from .errors import PlanError
from .events import Event
from .model import CycleEventRule, DoseRule, EventKind, Phase, Precaution, Regimen
from .notation import cycle_date, format_date

__all__ = ["MAX_EVENTS", "PlanOptions", "expand"]

#: Refuse plans larger than this: a runaway --until is a mistake, not a calendar.
MAX_EVENTS = 100_000
_UID_NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-4c1e-9d3f-2a8b7c6d5e4f")
_KIND_ORDER = {EventKind.PRECAUTION: 0, EventKind.LAB: 1, EventKind.VISIT: 2, EventKind.DOSE: 3}
_NOTICE = (
    "Planned by treatment-scheduler from the regimen above. If anything here differs from "
    "what your care team told you, follow your team and let them know."
)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What a plan adds to a regimen: when, where, how far."""

    start: date
    """Cycle 1, day 1."""
    zone: tzinfo
    """The patient's time zone (a ``zoneinfo.ZoneInfo``); event times are local to it."""
    cycles: int | None = None
    """Plan this many cycles in all (across phases); required for open-ended regimens unless
    ``until`` is given."""
    until: date | None = None
    """Plan nothing after this date."""
    dose_time: time | None = None
    """Overrides the regimen's dose time of day for every dose rule."""
    plan_id: str | None = None
    """Identity of this plan within the regimen, part of every UID (default: the start date)."""

    @property
    def zone_name(self) -> str:
        return str(getattr(self.zone, "key", None) or self.zone)


def expand(regimen: Regimen, options: PlanOptions) -> tuple[Event, ...]:
    """Expand ``regimen`` into the dated events of one patient's plan, sorted by start."""
    _check_bounds(regimen, options)
    plan_id = options.plan_id or options.start.isoformat()
    events: list[Event] = []
    dose_dates: list[date] = []
    cycle_start = options.start
    planned_cycles = 0
    for phase_index, phase in enumerate(regimen.phases):
        cycle = 0
        while phase.cycles is None or cycle < phase.cycles:
            if options.cycles is not None and planned_cycles >= options.cycles:
                break
            if options.until is not None and cycle_start > options.until:
                break
            cycle += 1
            planned_cycles += 1
            ctx = _Cycle(regimen, options, plan_id, phase_index, phase, cycle, cycle_start)
            for rule in phase.doses:
                for event in ctx.doses(rule):
                    events.append(event)
                    dose_dates.append(
                        event.start.date() if isinstance(event.start, datetime) else event.start
                    )
            for event_rule in phase.events:
                events.extend(ctx.cycle_events(event_rule))
            if len(events) > MAX_EVENTS:
                raise PlanError(
                    f"the plan would have more than {MAX_EVENTS:,} events: "
                    "give a nearer --until or fewer --cycles"
                )
            cycle_start += timedelta(days=phase.cycle_days)
        else:
            continue
        break
    if dose_dates:
        first, last = min(dose_dates), max(dose_dates)
        for precaution in regimen.precautions:
            events.append(_precaution_event(regimen, options, plan_id, precaution, first, last))
    events.sort(key=lambda event: _sort_key(event, options.zone))
    return tuple(events)


def _check_bounds(regimen: Regimen, options: PlanOptions) -> None:
    if options.cycles is not None and options.cycles < 1:
        raise PlanError(f"--cycles must be at least 1, got {options.cycles}")
    if options.until is not None and options.until < options.start:
        raise PlanError(
            f"--until {options.until.isoformat()} is before --start {options.start.isoformat()}"
        )
    if regimen.open_ended and options.cycles is None and options.until is None:
        raise PlanError(
            f"regimen {regimen.id!r} repeats until stopped, so the plan needs a bound: "
            "give --cycles N or --until YYYY-MM-DD"
        )


class _Cycle:
    """Expansion of one cycle: its dates, and the wording its events share."""

    def __init__(
        self,
        regimen: Regimen,
        options: PlanOptions,
        plan_id: str,
        phase_index: int,
        phase: Phase,
        cycle: int,
        cycle_start: date,
    ) -> None:
        self.regimen = regimen
        self.options = options
        self.plan_id = plan_id
        self.phase_index = phase_index
        self.phase = phase
        self.cycle = cycle
        self.cycle_start = cycle_start
        self.phase_label = f"{phase.name}, " if len(regimen.phases) > 1 else ""

    def date_of(self, day: int) -> date:
        return cycle_date(self.cycle_start, day)

    def in_plan(self, when: date) -> bool:
        return self.options.until is None or when <= self.options.until

    def uid(self, day: int, slot: str) -> str:
        return _uid(self.regimen.id, self.plan_id, f"{self.phase_index}/{self.cycle}/{day}", slot)

    def where(self, day: int) -> str:
        return f"{self.phase_label}cycle {self.cycle}, day {day} of {self.phase.cycle_days}"

    def doses(self, rule: DoseRule) -> list[Event]:
        drug = self.regimen.drug(rule.drug)
        at = self.options.dose_time or rule.time
        slot = f"dose:{drug.key}"
        out = []
        for day in rule.days:
            when = self.date_of(day)
            if not self.in_plan(when):
                continue
            start = _local(when, at, self.options.zone)
            lines = [
                f"{drug.name}: {drug.route_words} ({drug.route}, {drug.route_abbrev}).",
                f"When: {format_date(when)} at {start.strftime('%H:%M')}, {self.where(day)}.",
            ]
            if rule.instructions:
                lines.append(rule.instructions)
            out.append(
                Event(
                    uid=self.uid(day, slot),
                    kind=EventKind.DOSE,
                    title=f"{drug.title} — cycle {self.cycle}, day {day}",
                    start=start,
                    end=_after(start, rule.duration),
                    all_day=False,
                    description=_describe(self.regimen, lines),
                    slot=slot,
                    cycle=self.cycle,
                    day=day,
                    phase=self.phase.name,
                    drug=drug.name,
                    route=drug.route,
                    timezone=self.options.zone_name,
                )
            )
        return out

    def cycle_events(self, rule: CycleEventRule) -> list[Event]:
        slot = f"{rule.kind.value}:{rule.key}"
        out = []
        for day in rule.days:
            when = self.date_of(day)
            if not self.in_plan(when):
                continue
            start: date | datetime
            end: date | datetime
            if rule.time is None or rule.duration is None:
                start, end, clock = when, when + timedelta(days=1), "(all day)"
            else:
                start = _local(when, rule.time, self.options.zone)
                end = _after(start, rule.duration)
                clock = f"at {start.strftime('%H:%M')}"
            before = " (the day before the cycle starts)" if day == -1 else ""
            if day < -1:
                before = f" ({-day} days before the cycle starts)"
            lines = [
                f"{rule.title}: {format_date(when)} {clock}.",
                f"For {self.where(day)}{before}.",
            ]
            if rule.instructions:
                lines.append(rule.instructions)
            out.append(
                Event(
                    uid=self.uid(day, slot),
                    kind=rule.kind,
                    title=f"{rule.title} — cycle {self.cycle}",
                    start=start,
                    end=end,
                    all_day=rule.time is None,
                    description=_describe(self.regimen, lines),
                    slot=slot,
                    cycle=self.cycle,
                    day=day,
                    phase=self.phase.name,
                    timezone=self.options.zone_name,
                )
            )
        return out


def _precaution_event(
    regimen: Regimen,
    options: PlanOptions,
    plan_id: str,
    precaution: Precaution,
    first: date,
    last: date,
) -> Event:
    start = first if precaution.during_treatment else last + timedelta(days=1)
    period = precaution.after_last_dose
    if period is None:
        # The source gives no figure: mark the treatment span and say so, never invent one.
        end_inclusive = last
        span = (
            f"From {format_date(start)} to your last planned dose on {format_date(last)}, and for a "
            "time afterwards that the source does not state: ask your care team how long."
        )
    else:
        # Calendar arithmetic: 29 Feb + 12 months is 28 Feb, 31 Jan + 1 month is 28/29 Feb.
        calendar_period: dict[str, Any] = {period.unit: period.amount}
        end_inclusive = last + relativedelta(**calendar_period)
        span = (
            f"From {format_date(start)} until {format_date(end_inclusive)} inclusive: {period} after "
            f"your last planned dose on {format_date(last)}."
        )
    lines = [
        f"{precaution.title}. {span}",
        precaution.instructions,
        "If your treatment dates change, this end date changes too.",
    ]
    return Event(
        uid=_uid(regimen.id, plan_id, "course", f"precaution:{precaution.key}"),
        kind=EventKind.PRECAUTION,
        title=precaution.title,
        start=start,
        end=end_inclusive + timedelta(days=1),
        all_day=True,
        description=_describe(regimen, lines),
        slot=f"precaution:{precaution.key}",
        timezone=options.zone_name,
    )


def _uid(regimen_id: str, plan_id: str, position: str, slot: str) -> str:
    name = f"{regimen_id}\x1f{plan_id}\x1f{position}\x1f{slot}"
    return f"{uuid.uuid5(_UID_NAMESPACE, name)}@treatment-scheduler"


def _local(day: date, at: time, zone: tzinfo) -> datetime:
    # Round-trip through UTC so nonexistent (spring-forward) wall times become the real
    # instant they denote under RFC 5545 §3.3.5; existing times come back unchanged.
    naive = datetime.combine(day, at)
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


def _after(start: datetime, duration: timedelta) -> datetime:
    """The end of something that lasts ``duration`` of real time (an infusion running over a
    clock change ends an hour earlier or later by the clock); Python's aware + timedelta would
    keep the clock instead."""
    zone = start.tzinfo
    assert zone is not None
    return (start.astimezone(UTC) + duration).astimezone(zone)


def _describe(regimen: Regimen, lines: list[str]) -> str:
    tail = [f"Regimen: {regimen.name} ({regimen.id}).", f"Source: {regimen.source}", _NOTICE]
    return "\n".join(line for line in [*lines, *tail] if line)


def _sort_key(event: Event, zone: tzinfo) -> tuple[datetime, int, str, str]:
    start = event.start
    if not isinstance(start, datetime):
        start = _local(start, time(0), zone)  # all-day events sort at the start of their day
    return (start.astimezone(UTC), _KIND_ORDER[event.kind], event.slot, event.uid)
