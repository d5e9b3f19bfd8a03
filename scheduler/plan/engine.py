"""The rule engine: (regimen, plan options) -> sorted, immutable events.

Pure: no files, no clock, no environment. Bounded: an open-ended regimen expands only up to
``PlanOptions.cycles`` or ``PlanOptions.until``, and never past :data:`MAX_EVENTS`.

Times. Doses at fixed times start at their *local clock time* across daylight-saving changes
(09:00 stays 09:00 in both GMT and BST). Interval doses ("every 8 hours from the first dose")
keep *elapsed* time instead: across a clock change the clock readings shift by an hour, because
the patient's body does not. A local time that does not exist on a spring-forward day (01:30 in
London on the last Sunday of March) is read with the offset before the gap, as RFC 5545 §3.3.5
requires of calendar apps, so it lands an hour later by the clock (02:30 BST); a time that
occurs twice in autumn is the first occurrence. Both are normalised here so that the JSON view
and every calendar app agree on the instant. Durations are real elapsed time: a dose that runs
over a clock change ends by the clock an hour earlier or later.

Caps. ``max_doses_per_cycle`` keeps a rule's first N doses of each cycle (HD aldesleukin's 15th
eight-hour slot is dropped); a drug's ``max_doses_per_course`` keeps its first N doses of the
whole plan, in time order.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from dateutil.relativedelta import relativedelta

from ..errors import PlanError
from ..regimen.dosing import Body, calculate
from ..regimen.model import (
    CourseEventRule,
    CycleEventRule,
    DoseRule,
    EventKind,
    Period,
    Phase,
    Precaution,
    Regimen,
)
from ..regimen.notation import blocks, cycle_date, format_date, format_duration
from .events import Event

if TYPE_CHECKING:
    from .adjustments import Adjustment, Close, Delay, Omit, Retime, Stop
    from .closures import Closures

__all__ = ["MAX_EVENTS", "PlanOptions", "expand", "sort_events", "trial"]

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
    """What a plan adds to a regimen: when, where, how far, and for whom."""

    start: date
    """Cycle 1, day 1 (a phase with ``start_on`` moves to the next such weekday)."""
    zone: tzinfo
    """The patient's time zone (a ``zoneinfo.ZoneInfo``); event times are local to it."""
    cycles: int | None = None
    """Plan this many cycles in all (across phases); required for open-ended regimens unless
    ``until`` is given."""
    until: date | None = None
    """Plan no cycle days after this date."""
    dose_time: time | None = None
    """Moves every dose rule's first time of day to this time (later times keep their spacing)."""
    plan_id: str | None = None
    """Identity of this plan within the regimen, part of every UID (default: the start date)."""
    body: Body | None = None
    """Weight and height, to calculate per-kg and per-m² amounts."""
    adjustments: tuple[Adjustment, ...] = ()
    """What changed since the plan was made, in the order it was recorded (docs/courses.md)."""
    closures: Closures | None = None
    """Closed days and what to do with events that fall on them."""

    @property
    def zone_name(self) -> str:
        return str(getattr(self.zone, "key", None) or self.zone)


def expand(regimen: Regimen, options: PlanOptions) -> tuple[Event, ...]:
    """Expand ``regimen`` into the dated events of one patient's plan, sorted by start."""
    _check_bounds(regimen, options)
    plan_id = options.plan_id or options.start.isoformat()
    changes = _Changes.of(options.adjustments)
    delays, stops = changes.delays, changes.stops
    last_cycle = min(((s.phase or 1, s.cycle) for s in stops if s.cycle is not None), default=None)
    events: list[Event] = []
    phase_start = options.start
    first_day: date | None = None
    planned_cycles = 0
    stopped = False
    for phase_index, phase in enumerate(regimen.phases):
        if phase.start_on is not None:
            phase_start += timedelta(days=(phase.start_on - phase_start.weekday()) % 7)
        first_day = first_day or phase_start
        ends_before = phase_start + _delta(phase.up_to) if phase.up_to else None
        cycle_start = phase_start
        cycle = 0
        while phase.cycles is None or cycle < phase.cycles:
            if options.cycles is not None and planned_cycles >= options.cycles:
                stopped = True
                break
            if options.until is not None and cycle_start > options.until:
                stopped = True
                break
            if ends_before is not None and cycle_start >= ends_before:
                break
            if last_cycle is not None and (phase_index + 1, cycle + 1) > last_cycle:
                stopped = True
                break
            cycle += 1
            planned_cycles += 1
            shift = sum(d.days for d in delays if (d.phase, d.cycle) == (phase_index + 1, cycle))
            if shift < 0:
                raise PlanError(
                    f"cycle {cycle} cannot start {-shift} day(s) early: it would overlap the "
                    "cycle before it (delays only move cycles later)"
                )
            cycle_start += timedelta(days=shift)
            ctx = _Cycle(regimen, options, plan_id, phase_index, phase, cycle, cycle_start)
            ctx.retimes = changes.retimes
            events.extend(ctx.doses())
            for event_rule in phase.events:
                events.extend(ctx.cycle_events(event_rule))
            if len(events) > MAX_EVENTS:
                raise PlanError(
                    f"the plan would have more than {MAX_EVENTS:,} events: "
                    "give a nearer --until or fewer --cycles"
                )
            cycle_start += timedelta(days=phase.cycle_days)
        if stopped:
            break
        phase_start = cycle_start + (_delta(phase.gap_after) if phase.gap_after else timedelta(0))
    events = _apply_course_caps(regimen, events)
    events = _apply_omissions(changes.omits, events)
    events = _apply_closures(options, changes.closes, events)
    stop_dates = [s.after for s in stops if s.after is not None]
    if stop_dates:
        events = [e for e in events if _day_of(e.start) <= min(stop_dates)]
    _check_min_intervals(regimen, events)
    dose_dates = [
        e.start.date() for e in events if isinstance(e.start, datetime) and e.kind == EventKind.DOSE
    ]
    if dose_dates and first_day is not None:
        first, last = min(dose_dates), max(dose_dates)
        anchors = {"start": first_day, "first dose": first, "last dose": last}
        for rule in regimen.course_events:
            events.append(_course_event(regimen, options, plan_id, rule, anchors))
        for precaution in regimen.precautions:
            events.append(_precaution_event(regimen, options, plan_id, precaution, first, last))
    return sort_events(events, options.zone)


def sort_events(events: list[Event], zone: tzinfo) -> tuple[Event, ...]:
    """Events by start instant; all-day events at the start of their day in ``zone``."""
    return tuple(sorted(events, key=lambda event: _sort_key(event, zone)))


def trial(regimen: Regimen) -> tuple[Event, ...]:
    """Expand a regimen once, from a fixed date in UTC, to catch what only real dates show
    (a safety interval broken across two phases). Bounded: every fixed cycle plus two of an
    open-ended phase."""
    fixed = sum(p.cycles or 0 for p in regimen.phases)
    options = PlanOptions(start=date(2001, 1, 1), zone=UTC, cycles=fixed + 2, plan_id="trial")
    return expand(regimen, options)


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


@dataclass(frozen=True, slots=True)
class _Slot:
    day: int
    index: int
    """Position among the rule's doses on that day (0-based)."""
    start: datetime
    ordinal: int
    """Position among the rule's doses in the cycle (0-based)."""


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
        self.retimes: list[Retime] = []
        self.ends: dict[tuple[str, int], datetime] = {}
        """When each rule's administration ends, per day: what ``after`` rules start from."""

    def date_of(self, day: int) -> date:
        return cycle_date(self.cycle_start, day)

    def first_time(self, when: date) -> time | None:
        """The day's first dose time set at plan time or by the latest retime before ``when``."""
        chosen = self.options.dose_time
        for change in self.retimes:
            if change.start <= when:
                chosen = change.at
        return chosen

    def day_of(self, when: date) -> int:
        offset = (when - self.cycle_start).days
        return offset + 1 if offset >= 0 else offset

    def in_plan(self, when: date) -> bool:
        return self.options.until is None or when <= self.options.until

    def uid(self, day: int, slot: str) -> str:
        return _uid(self.regimen.id, self.plan_id, f"{self.phase_index}/{self.cycle}/{day}", slot)

    def where(self, day: int) -> str:
        if self.phase.continuous:
            return f"day {(self.cycle - 1) * self.phase.cycle_days + day} of continuous treatment"
        return f"{self.phase_label}cycle {self.cycle}, day {day} of {self.phase.cycle_days}"

    def label(self, day: int) -> str:
        if self.phase.continuous:
            return f"day {(self.cycle - 1) * self.phase.cycle_days + day}"
        return f"cycle {self.cycle}, day {day}"

    def slots(self, rule: DoseRule) -> list[_Slot]:
        zone = self.options.zone
        out: list[_Slot] = []
        if rule.every is not None:
            for block in blocks(rule.days):
                first_day = self.date_of(block[0])
                first_time = self.first_time(first_day) or rule.time
                first = _local(first_day, first_time, zone).astimezone(UTC)
                per_day: dict[int, int] = {}
                for k in range(int(timedelta(days=len(block)) / rule.every)):
                    start = (first + k * rule.every).astimezone(zone)
                    day = self.day_of(start.date())
                    out.append(_Slot(day, per_day.get(day, 0), start, len(out)))
                    per_day[day] = per_day.get(day, 0) + 1
        elif rule.after is not None:
            for day in rule.days:
                end = self.ends.get((rule.after, day))
                if end is not None:
                    out.append(_Slot(day, 0, end, len(out)))
        else:
            for day in rule.days:
                when = self.date_of(day)
                for index, at in enumerate(_shifted(rule.times, self.first_time(when))):
                    out.append(_Slot(day, index, _local(when, at, zone), len(out)))
        if rule.max_doses_per_cycle is not None:
            out = out[: rule.max_doses_per_cycle]
        return out

    def doses(self) -> list[Event]:
        out: list[Event] = []
        for position, rule in enumerate(self.phase.doses):
            if self.cycle not in rule.cycles:
                continue
            drug = self.regimen.drug(rule.drug)
            dose = (
                calculate(rule.amount, self.options.body, drug.max_amount) if rule.amount else None
            )
            slots = self.slots(rule)
            several = rule.every is not None or rule.slots_per_day() > 1
            for slot in slots:
                end = _after(slot.start, rule.duration)
                self.ends[rule.key, slot.day] = end
                if not self.in_plan(slot.start.date()):
                    continue
                key = f"dose:{rule.key}" + (f"#{slot.index + 1}" if several else "")
                title = drug.title + (f" {dose.amount}" if dose else "")
                title += f" — {self.label(slot.day)}"
                if rule.every is not None:
                    title += f", dose {slot.ordinal + 1} of {len(slots)}"
                lines = [f"{drug.name}: {drug.route_words} ({drug.route}, {drug.route_abbrev})."]
                if dose:
                    lines.append(f"Dose: {dose.amount}.")
                    if dose.working:
                        lines.append(f"Working: {dose.working}")
                timing = f"over {format_duration(rule.duration)}"
                if rule.every is not None:
                    timing += f"; every {format_duration(rule.every)}, dose {slot.ordinal + 1} of {len(slots)} this cycle"
                if rule.after is not None:
                    timing += f", after {self.regimen.drug(self._rule(rule.after).drug).name}"
                lines.append(
                    f"When: {format_date(slot.start.date())} at {slot.start.strftime('%H:%M')}, "
                    f"{timing}; {self.where(slot.day)}."
                )
                if rule.instructions:
                    lines.append(rule.instructions)
                out.append(
                    Event(
                        uid=self.uid(slot.day, key),
                        kind=EventKind.DOSE,
                        title=title,
                        start=slot.start,
                        end=end,
                        all_day=False,
                        description=_describe(self.regimen, lines),
                        slot=key,
                        cycle=self.cycle,
                        day=slot.day,
                        phase=self.phase.name,
                        phase_number=self.phase_index + 1,
                        setting=rule.setting,
                        drug=drug.name,
                        route=drug.route,
                        timezone=self.options.zone_name,
                        amount=dose.amount if dose else None,
                        amount_written=dose.written if dose else None,
                        amount_working=(dose.working or None) if dose else None,
                        order=position,
                    )
                )
        return out

    def _rule(self, key: str) -> DoseRule:
        return next(r for r in self.phase.doses if r.key == key)

    def cycle_events(self, rule: CycleEventRule) -> list[Event]:
        if self.cycle not in rule.cycles:
            return []
        slot = f"{rule.kind.value}:{rule.key}"
        out = []
        for day in rule.days:
            when = self.date_of(day)
            if not self.in_plan(when):
                continue
            start, end, clock = _timing(when, rule.time, rule.duration, self.options.zone)
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
                    phase_number=self.phase_index + 1,
                    setting=rule.setting,
                    timezone=self.options.zone_name,
                )
            )
        return out


def _shifted(times: tuple[time, ...], first: time | None) -> tuple[time, ...]:
    """Move a day's dose times so the first is ``first``, keeping the spacing (08:00/20:00 with
    --time 07:00 becomes 07:00/19:00); times that would pass midnight are refused."""
    if first is None or first == times[0]:
        return times
    base = datetime.combine(date(2000, 1, 1), times[0])
    shift = datetime.combine(date(2000, 1, 1), first) - base
    moved = [(datetime.combine(date(2000, 1, 1), t) + shift) for t in times]
    if any(m.date() != date(2000, 1, 1) for m in moved):
        raise PlanError(
            f"--time {first.strftime('%H:%M')} would move the day's later doses "
            f"({', '.join(t.strftime('%H:%M') for t in times[1:])}) past midnight"
        )
    return tuple(m.time() for m in moved)


def _timing(
    when: date, at: time | None, duration: timedelta | None, zone: tzinfo
) -> tuple[date | datetime, date | datetime, str]:
    if at is None or duration is None:
        return when, when + timedelta(days=1), "(all day)"
    start = _local(when, at, zone)
    return start, _after(start, duration), f"at {start.strftime('%H:%M')}"


@dataclass
class _Changes:
    """A plan's adjustments by kind (the module is only imported when there are some)."""

    delays: list[Delay]
    stops: list[Stop]
    omits: list[Omit]
    retimes: list[Retime]
    closes: list[Close]

    @classmethod
    def of(cls, adjustments: tuple[Adjustment, ...]) -> _Changes:
        if not adjustments:
            return cls([], [], [], [], [])
        from .adjustments import Close, Delay, Omit, Retime, Stop

        def kind(of: type[Any]) -> list[Any]:
            return [a for a in adjustments if isinstance(a, of)]

        return cls(kind(Delay), kind(Stop), kind(Omit), kind(Retime), kind(Close))


def _apply_omissions(omits: list[Omit], events: list[Event]) -> list[Event]:
    if not omits:
        return events

    def omitted(event: Event) -> bool:
        if event.kind != EventKind.DOSE:
            return False
        index = int(event.slot.rpartition("#")[2]) if "#" in event.slot else 1
        return any(
            (o.phase, o.cycle, o.day) == (event.phase_number, event.cycle, event.day)
            and (o.slot is None or o.slot == index)
            and (o.drug is None or o.drug.lower() in (event.drug or "").lower())
            for o in omits
        )

    return [e for e in events if not omitted(e)]


def _apply_closures(options: PlanOptions, closes: list[Close], events: list[Event]) -> list[Event]:
    if (options.closures is None or options.closures.empty) and not closes:
        return events
    from .closures import Closures

    closures = options.closures or Closures()
    for change in closes:
        regions = [change.holidays] if change.holidays else []
        closures = closures.with_more(change.dates, regions, change.weekdays)
    if closures.empty:
        return events
    out = []
    for event in events:
        if event.kind == EventKind.PRECAUTION:
            out.append(event)
            continue
        day = _day_of(event.start)
        reason = closures.reason(day)
        policy = closures.policy.get(event.setting, "keep")
        if reason is None or policy == "keep":
            out.append(event)
        elif policy == "skip":
            continue
        elif policy == "keep and flag":
            flag = f"{event.setting.capitalize()} closed ({reason})"
            note = f"Note: the {event.setting} is closed on {format_date(day)} ({reason}); this was kept as planned: check with your care team."
            out.append(replace(event, title=f"{event.title} [{flag}]", flag=flag,
                               description=f"{note}\n{event.description}"))  # fmt: skip
        else:
            try:
                moved_to = closures.open_day(day, 1 if policy == "next open day" else -1)
            except ValueError as err:
                raise PlanError(str(err)) from None
            out.append(_moved(event, moved_to, reason, options.zone))
    return out


def _moved(event: Event, to: date, reason: str, zone: tzinfo) -> Event:
    """``event`` on day ``to`` instead, at the same clock time and for the same real duration."""
    note = f"Moved from {format_date(_day_of(event.start))} ({reason}) to {format_date(to)}."
    if isinstance(event.start, datetime):
        start = _local(to, event.start.time(), zone)
        assert isinstance(event.end, datetime)
        end = _after(start, event.end - event.start)
        return replace(event, start=start, end=end, description=f"{note}\n{event.description}")
    length = event.end - event.start  # type: ignore[operator]
    return replace(event, start=to, end=to + length, description=f"{note}\n{event.description}")


def _day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _apply_course_caps(regimen: Regimen, events: list[Event]) -> list[Event]:
    capped = {d.name: d.max_doses_per_course for d in regimen.drugs if d.max_doses_per_course}
    if not capped:
        return events
    keep: set[int] = set()
    for name, cap in capped.items():
        doses = [e for e in events if e.kind == EventKind.DOSE and e.drug == name]
        doses.sort(key=lambda e: e.start)
        keep.update(id(e) for e in doses[:cap])
    return [e for e in events if e.drug not in capped or e.kind != EventKind.DOSE or id(e) in keep]


def _check_min_intervals(regimen: Regimen, events: list[Event]) -> None:
    for drug in regimen.drugs:
        if drug.min_interval is None:
            continue
        starts = sorted(
            e.start for e in events if e.drug == drug.name and isinstance(e.start, datetime)
        )
        for a, b in itertools.pairwise(starts):
            if b - a < drug.min_interval:
                raise PlanError(
                    f"{drug.name} doses on {format_date(a.date())} and {format_date(b.date())} are "
                    f"closer than the safety limit of {format_duration(drug.min_interval)}"
                )


def _course_event(
    regimen: Regimen,
    options: PlanOptions,
    plan_id: str,
    rule: CourseEventRule,
    anchors: dict[str, date],
) -> Event:
    anchor = anchors[rule.anchor]
    delta = _delta(rule.offset)
    when = anchor - delta if rule.before else anchor + delta
    start, end, clock = _timing(when, rule.time, rule.duration, options.zone)
    relation = "before" if rule.before else "after"
    lines = [
        f"{rule.title}: {format_date(when)} {clock}.",
        f"{rule.offset} {relation} the {rule.anchor} ({format_date(anchor)}).",
        rule.instructions,
    ]
    return Event(
        uid=_uid(regimen.id, plan_id, "course", f"{rule.kind.value}:{rule.key}"),
        kind=rule.kind,
        title=rule.title,
        start=start,
        end=end,
        all_day=rule.time is None,
        description=_describe(regimen, lines),
        slot=f"{rule.kind.value}:{rule.key}",
        timezone=options.zone_name,
    )


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
        end_inclusive = last + _delta(period)
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


def _delta(period: Period) -> relativedelta:
    # Calendar arithmetic: 29 Feb + 12 months is 28 Feb, 31 Jan + 1 month is 28/29 Feb.
    calendar_period: dict[str, Any] = {period.unit: period.amount}
    return relativedelta(**calendar_period)


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


def _sort_key(event: Event, zone: tzinfo) -> tuple[datetime, int, int, str, str]:
    start = event.start
    if not isinstance(start, datetime):
        start = _local(start, time(0), zone)  # all-day events sort at the start of their day
    # Same instant: tests before doses, then doses in the order the regimen lists them.
    return (start.astimezone(UTC), _KIND_ORDER[event.kind], event.order, event.slot, event.uid)
