"""The rule engine: (regimen, plan options) -> sorted, immutable events.

Pure: no files, no clock, no environment. Bounded: an open-ended regimen expands only up to
``PlanOptions.cycles`` or ``PlanOptions.until``; the number of events a cycle will make is
counted *before* it is expanded, so no plan ever grows past :data:`MAX_EVENTS` (plan/bounds.py).

Day 1 is the start date the user gives. A regimen's ``start_on`` weekday on its first phase is a
suggestion shown to people, never applied over that date (it anchors only later phases).

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

Changes (plan/changes.py) and closures (plan/closures.py) are applied in this order: delays and
closed first days move cycle starts; retimes move dose times; caps; omissions; closures move what
falls on closed days; a stop cuts the plan. Then the regimen's guarantees are checked on the
result — no two doses of a drug closer than it allows (plan/spacing.py), every test placed before
a cycle still before it — and course events and precautions follow the final first and last dose.
Descriptions are written last, from the final dates, so every view of a plan says the same date.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import TYPE_CHECKING, Any, assert_never
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

from ..arguments import shown
from ..errors import PlanError
from ..regimen.dosing import Body, Dose, calculate, changed
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
from ..regimen.notation import (
    blocks,
    cycle_date,
    format_date,
    format_duration,
)
from . import wording
from .bounds import MAX_EVENTS, check_date
from .changes import Close, Delay, DoseChange, Hold, Omit, Retime, Scope, Stop
from .clock import after, day_of, instant, local
from .events import ASK_SLOT, Event
from .facts import (
    AskFacts,
    ClockMoved,
    CourseEventFacts,
    CycleEventFacts,
    CycleMoved,
    DoseFacts,
    DoseRuleFacts,
    EndFacts,
    Move,
    Place,
    PrecautionFacts,
)

if TYPE_CHECKING:
    from .changes import Change
    from .closures import Closures, Unit
    from .lifetime import Prior

__all__ = [
    "MAX_CYCLES",
    "MAX_EVENTS",
    "PlanOptions",
    "check_guarantees",
    "expand",
    "sort_events",
    "trial",
]

#: More cycles than this is a mistake (27 years of daily "cycles"), refused before any work.
MAX_CYCLES = 10_000
#: Plan identities are short labels (a start date, a patient code), part of every UID.
MAX_PLAN_ID = 200
_UID_NAMESPACE = uuid.UUID("6f1d3c2e-5b7a-4c1e-9d3f-2a8b7c6d5e4f")
_KIND_ORDER = {EventKind.PRECAUTION: 0, EventKind.LAB: 1, EventKind.VISIT: 2, EventKind.DOSE: 3}
_NOTICE = (
    "Planned by treatment-scheduler from the regimen above. If anything here differs from "
    "what your care team told you, follow your team and let them know."
)


@dataclass(frozen=True, slots=True)
class PlanOptions:
    """What a plan adds to a regimen: when, where, how far, and for whom.

    Checked when built: a wrong type or an impossible value raises
    :class:`~scheduler.errors.PlanError` naming the field, never a TypeError later.
    """

    start: date
    """Cycle 1, day 1: exactly this date (a date, not a datetime)."""
    zone: tzinfo
    """The patient's time zone, a ``zoneinfo.ZoneInfo`` (or ``datetime.UTC``); never None, so
    the machine's own zone is never used by accident."""
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
    adjustments: tuple[Change, ...] = ()
    """What changed since the plan was made, in the order it was recorded (plan/changes.py)."""
    closures: Closures | None = None
    """Closed days and what to do with events that fall on them."""
    prior: tuple[Prior, ...] = ()
    """Doses given before this plan, counted towards the drugs' lifetime limits."""

    def __post_init__(self) -> None:
        _check_options(self)

    @property
    def zone_name(self) -> str:
        return str(getattr(self.zone, "key", None) or "UTC")


def expand(regimen: Regimen, options: PlanOptions) -> tuple[Event, ...]:
    """Expand ``regimen`` into the dated events of one patient's plan, sorted by start.

    Raises:
        PlanError: (never anything else, ``err.field`` naming the option when one is at fault)
            ``regimen`` is not a :class:`Regimen` or ``options`` not :class:`PlanOptions`; no
            bound for an open-ended regimen; more than :data:`MAX_EVENTS` events; dates past the
            year 9999; a change that would bring doses closer than the regimen allows. Bad
            option values (a string start, a naive zone) are refused earlier, as a PlanError
            from :class:`PlanOptions` itself.
    """
    return expand_noting(regimen, options)[0]


def expand_noting(
    regimen: Regimen, options: PlanOptions
) -> tuple[tuple[Event, ...], tuple[str, ...]]:
    """:func:`expand`, and what the plan should tell its reader in words: doses a course cap
    left out (with the regimen's reason). Raises as :func:`expand` does."""
    if not isinstance(regimen, Regimen):
        raise PlanError(f"expand needs a Regimen (see load_regimen), got {type(regimen).__name__}")
    if not isinstance(options, PlanOptions):
        raise PlanError(f"expand needs PlanOptions, got {type(options).__name__}")
    _check_bound(regimen, options)
    try:
        plan = _Plan(regimen, options)
        return plan.events(), tuple(plan.notices)
    except OverflowError:
        raise PlanError(
            "the plan would reach past the year 9999: plan fewer cycles or an earlier end date",
            field="cycles",
        ) from None


def check_guarantees(regimen: Regimen, options: PlanOptions, events: Sequence[Event]) -> None:
    """The regimen's stated guarantees — ``min_interval``, ``at_most``, lifetime limits — on a
    plan put together from more than one expansion (a course whose past stays as it was while
    its future changed). Cancelled events do not count. Raises PlanError as :func:`expand`."""
    plan = _Plan(regimen, options)
    live = [e for e in events if not e.cancelled]
    stated = any(d.min_interval for d in regimen.drugs)
    if stated:
        from .spacing import crowding, spacing_of

        limits = {k: v for k, v in spacing_of(regimen, _doses(live)).items() if v.stated}
        if crowding(_doses(live), limits):
            plan.closures = None
            plan.check_spacing(live, live)
    if any(d.window_cap for d in regimen.drugs):
        plan.check_windows(live)
    plan.check_lifetime(live)


def _check_bound(regimen: Regimen, options: PlanOptions) -> None:
    if regimen.open_ended and options.cycles is None and options.until is None:
        raise PlanError(
            f"regimen {regimen.id!r} repeats until stopped, so the plan needs a bound: "
            "a number of cycles or an end date",
            field="bound",
        )


def sort_events(events: list[Event], zone: tzinfo) -> tuple[Event, ...]:
    """Events by start instant; all-day events at the start of their day in ``zone``."""
    return tuple(sorted(events, key=lambda event: _sort_key(event, zone)))


def trial(regimen: Regimen) -> tuple[Event, ...]:
    """Expand a regimen once, from a fixed date in UTC, to catch what only real dates show
    (a safety interval broken across two phases). Bounded: every fixed cycle plus two of an
    open-ended phase."""
    fixed = sum(p.cycles or 0 for p in regimen.phases)
    bounded = all(p.cycles is not None for p in regimen.phases)
    cycles = min(fixed if bounded else fixed + 2, MAX_CYCLES)
    options = PlanOptions(start=date(2001, 1, 1), zone=UTC, cycles=cycles, plan_id="trial")
    return expand(regimen, options)


def _check_options(o: PlanOptions) -> None:
    check_date(o.start, "start")
    if not (isinstance(o.zone, ZoneInfo) or o.zone is UTC):
        raise PlanError(
            f"zone must be an IANA time zone, zoneinfo.ZoneInfo('Europe/London'), got {o.zone!r:.80}",
            field="zone",
        )
    if o.cycles is not None:
        if isinstance(o.cycles, bool) or not isinstance(o.cycles, int):
            raise PlanError(f"cycles must be a whole number, got {o.cycles!r:.80}", field="cycles")
        if not 1 <= o.cycles <= MAX_CYCLES:
            raise PlanError(
                f"cycles must be from 1 to {MAX_CYCLES:,}, got {shown(o.cycles)}", field="cycles"
            )
    if o.until is not None:
        check_date(o.until, "until")
        if o.until < o.start:
            raise PlanError(
                f"the end date {o.until.isoformat()} is before the start {o.start.isoformat()}",
                field="until",
            )
    if o.dose_time is not None and (
        not isinstance(o.dose_time, time)
        or o.dose_time.tzinfo is not None
        or o.dose_time.second
        or o.dose_time.microsecond
    ):
        raise PlanError(
            f"dose time must be a clock time in whole minutes, time(9, 0), got {o.dose_time!r:.80}",
            field="dose_time",
        )
    if o.plan_id is not None and (
        not isinstance(o.plan_id, str)
        or not o.plan_id.strip()
        or len(o.plan_id) > MAX_PLAN_ID
        or not o.plan_id.isprintable()
    ):
        raise PlanError(
            f"plan id must be a short printable text (1 to {MAX_PLAN_ID} characters), "
            f"got {o.plan_id!r:.60}",
            field="plan_id",
        )
    if o.body is not None and not isinstance(o.body, Body):
        raise PlanError(f"body must be a Body or None, got {o.body!r:.80}", field="body")
    if not isinstance(o.adjustments, tuple):
        raise PlanError("adjustments must be a tuple of changes", field="adjustments")
    if o.adjustments:
        from .changes import CHANGES

        for change in o.adjustments:
            if not isinstance(change, CHANGES):
                raise PlanError(f"not a plan change: {change!r:.80}", field="adjustments")
    if not isinstance(o.prior, tuple):
        raise PlanError("prior must be a tuple of Prior doses", field="prior")
    if o.prior:
        from ..regimen.amounts import Amount
        from .lifetime import Prior

        for given in o.prior:
            if not (
                isinstance(given, Prior)
                and isinstance(given.drug, str)
                and isinstance(given.amount, Amount)
            ):
                raise PlanError(f"not a prior dose: {given!r:.80}", field="prior")
    if o.closures is not None:
        from .closures import Closures

        if not isinstance(o.closures, Closures):
            raise PlanError(
                f"closures must be Closures or None, got {o.closures!r:.80}", field="closures"
            )


class _Plan:
    """One expansion: the options' changes sorted by kind, and what the steps share."""

    def __init__(self, regimen: Regimen, options: PlanOptions) -> None:
        self.regimen = regimen
        self.options = options
        self.zone = options.zone
        self.plan_id = options.plan_id or options.start.isoformat()
        self.delays: dict[tuple[int, int], int] = {}
        self.shifts: list[Delay] = []
        """Day-scoped delays (a day, the rest of a cycle, a day in later cycles)."""
        self.retimes: list[Retime] = []
        self.omits: list[Omit] = []
        self.holds: list[Hold] = []
        self.dose_changes: list[DoseChange] = []
        self.stop_after: date | None = None
        self.last_cycle: tuple[int, int] | None = None
        closures = options.closures
        for change in options.adjustments:
            match change:
                case Delay(scope=Scope.LATER):
                    key = (change.phase, change.cycle)
                    self.delays[key] = self.delays.get(key, 0) + change.days
                case Delay():
                    self.shifts.append(change)
                case Retime():
                    self.retimes.append(change)
                case Omit():
                    self.omits.append(change)
                case Hold():
                    self.holds.append(change)
                case DoseChange():
                    self.dose_changes.append(change)
                case Stop(after=date() as after):
                    self.stop_after = min(self.stop_after or after, after)
                case Stop():
                    last = (change.phase or 1, change.cycle or 1)
                    self.last_cycle = min(self.last_cycle or last, last)
                case Close():
                    from .closures import Closures

                    try:
                        closures = (closures or Closures()).with_more(
                            change.dates,
                            [change.holidays] if change.holidays else [],
                            change.weekdays,
                        )
                    except ValueError as err:  # every weekday closed, an unknown region
                        raise PlanError(str(err), field="closures") from None
                case _:
                    assert_never(change)
        self.closures = closures if closures is not None and not closures.empty else None
        self.units: dict[str, Unit] = {}
        self.cycle_notes: dict[tuple[int, int], CycleMoved] = {}
        self.first_day: date | None = None
        self.counts_left: dict[tuple[int, str], int] = {}
        """Doses still to give of each counted rule ("30 fractions"), by (phase, rule key)."""
        self.last_counted: date | None = None
        self.notices: list[str] = []
        """What the reader of the plan is told in words (a course cap's dropped doses)."""
        self.extra: dict[str, str] = {}
        """A last line for some descriptions, by UID (a lifetime total after the dose)."""

    # -- the steps ---------------------------------------------------------------------------

    def events(self) -> tuple[Event, ...]:
        self.check_prior()
        events = self.keep_elapsed(self.course_caps(self.cycles()))
        planned = events
        events = self.omit(events)
        if self.closures is not None:
            events = self.close(events, self.closures)
        if self.stop_after is not None:
            events = [e for e in events if day_of(e.start) <= self.stop_after]
        events += self.end_events(events)
        if self.shifts:
            # How close the regimen itself places doses: from the plan without day-scoped
            # delays, which may move one day's doses onto another's.
            plain = tuple(c for c in self.options.adjustments if c not in self.shifts)
            planned = _Plan(self.regimen, replace(self.options, adjustments=plain)).cycles()
        self.check_spacing(planned, events)
        self.check_order(events)
        self.check_lifetime(events)
        events += self.course_level(events)
        made_by = self.regimen.id
        rendered = [replace(e, description=self.describe(e), regimen=made_by) for e in events]
        return sort_events(rendered, self.zone)

    def cycles(self) -> list[Event]:
        options = self.options
        if _most_events(self.regimen, options) > MAX_EVENTS:
            raise PlanError(
                f"the plan would have more than {MAX_EVENTS:,} events: "
                "plan fewer cycles or an earlier end date",
                field="cycles",
            )
        events: list[Event] = []
        phase_start = options.start
        planned = 0
        for phase_index, phase in enumerate(self.regimen.phases):
            if phase_index > 0 and phase.start_on is not None:
                phase_start += timedelta(days=(phase.start_on - phase_start.weekday()) % 7)
            ends_before = self.ends_before(phase, phase_start)
            for rule in phase.doses:
                if rule.count is not None:
                    self.counts_left[phase_index, rule.key] = rule.count
            cycle_start = phase_start
            # Cycles are counted from an anchor: the phase's first day, or the last cycle a
            # change moved (a delay, a closed first day). From it, calendar months are never
            # chained (31 Aug, 30 Nov, 28 Feb, 31 May); after a moved dose they count from its
            # new day, as labels say ("every 6 months from the date of the last injection").
            anchor, anchor_cycle = phase_start, 1
            phase_end: date | None = None
            cycle = 0
            stopped = False
            while phase.cycles is None or cycle < phase.cycles:
                if options.cycles is not None and planned >= options.cycles:
                    stopped = True
                    break
                if self.last_cycle is not None and (phase_index + 1, cycle + 1) > self.last_cycle:
                    stopped = True
                    break
                if planned >= MAX_CYCLES:
                    raise PlanError(
                        f"the plan would have more than {MAX_CYCLES:,} cycles: "
                        "plan fewer cycles or an earlier end date",
                        field="cycles",
                    )
                start = cycle_start + timedelta(
                    days=self.delays.get((phase_index + 1, cycle + 1), 0)
                )
                start = self.open_start(phase_index, phase, cycle + 1, start)
                if options.until is not None and start > options.until:
                    stopped = True
                    break
                if ends_before is not None and start >= ends_before:
                    break
                cycle += 1
                planned += 1
                if len(events) + _events_in(phase, cycle) > MAX_EVENTS:
                    raise PlanError(
                        f"the plan would have more than {MAX_EVENTS:,} events: "
                        "plan fewer cycles or an earlier end date",
                        field="cycles",
                    )
                self.first_day = self.first_day or start
                ctx = _Cycle(self, phase_index, phase, cycle, start)
                made = ctx.doses()
                for event_rule in phase.events:
                    made.extend(ctx.cycle_events(event_rule))
                if start != phase.nth_start(anchor, cycle - anchor_cycle + 1):
                    anchor, anchor_cycle = start, cycle
                cycle_start = phase.nth_start(anchor, cycle - anchor_cycle + 2)
                if phase.counted and self.counted_done(phase_index):
                    # The phase ends with its last counted dose ("30 fractions").
                    assert self.last_counted is not None
                    phase_end = self.last_counted + timedelta(days=1)
                if ends_before is not None and cycle_start > ends_before:
                    # "Up to 5 years" ends on the exact day, not at the end of a 28-day block.
                    phase_end = min(phase_end or ends_before, ends_before)
                if phase_end is not None:
                    made = [e for e in made if day_of(e.start) < phase_end]
                events.extend(made)
                if phase_end is not None:
                    cycle_start = phase_end
                    break
            if stopped:
                break
            phase_start = cycle_start + (
                _delta(phase.gap_after) if phase.gap_after else timedelta(0)
            )
        return events

    def end_events(self, events: list[Event]) -> list[Event]:
        """An appointment when each dose of a rule with ``end_event`` ends ("Pump
        disconnection"), from the final doses: an omitted dose has none, a moved one moves it."""
        rules = {
            (number, rule.key): rule
            for number, phase in enumerate(self.regimen.phases, start=1)
            for rule in phase.doses
            if rule.end_event
        }
        if not rules:
            return []
        out = []
        for dose in events:
            key = (dose.phase_number or 1, _rule_key(dose))
            rule = rules.get(key) if dose.kind == EventKind.DOSE else None
            if rule is None or not isinstance(dose.end, datetime):
                continue
            end = dose.end
            uid = _uid(self.regimen.id, self.plan_id,
                       f"{(dose.phase_number or 1) - 1}/{dose.cycle}/{dose.day}", f"visit:end-{rule.key}")  # fmt: skip
            started = dose.start
            assert isinstance(started, datetime)
            facts = EndFacts(rule.end_event, dose.drug or "", started, dose.cycle)
            out.append(
                replace(
                    dose,
                    uid=uid,
                    kind=EventKind.VISIT,
                    title=wording.title(facts),
                    facts=facts,
                    start=end,
                    end=after(end, timedelta(minutes=15)),
                    slot=f"visit:end-{rule.key}",
                    drug=None,
                    drug_key=None,
                    route=None,
                    amount=None,
                    amount_written=None,
                    amount_working=None,
                )
            )
        return out

    def ends_before(self, phase: Phase, phase_start: date) -> date | None:
        """The first day past the phase's ``up_to`` (counted from the phase or the course)."""
        if phase.up_to is None:
            return None
        since = (self.first_day or phase_start) if phase.up_to_course else phase_start
        return since + _delta(phase.up_to)

    def counted_done(self, phase_index: int) -> bool:
        return all(left <= 0 for (p, _), left in self.counts_left.items() if p == phase_index)

    def omitted(self, phase_number: int, cycle: int, day: int, index: int, drug: str) -> bool:
        """Whether a recorded omission or hold removes this dose (``index`` is 1-based within
        the day)."""
        return any(
            (o.phase, o.cycle, o.day) == (phase_number, cycle, day)
            and (o.slot is None or o.slot == index)
            and (o.drug is None or o.drug == drug)
            for o in self.omits
        ) or any((h.phase, h.cycle, h.drug) == (phase_number, cycle, drug) for h in self.holds)

    def shift(self, phase_number: int, cycle: int, day: int) -> int:
        """How many days day-scoped delays move cycle day ``day`` of a cycle."""
        return sum(d.days for d in self.shifts if d.moves(phase_number, cycle, day))

    def dose_change(self, phase_number: int, cycle: int, drug: str) -> DoseChange | None:
        """The dose change in force for ``drug`` in a cycle: the last recorded one from a cycle
        at or before it."""
        found = None
        for change in self.dose_changes:
            if (change.drug, change.phase) == (drug, phase_number) and change.cycle <= cycle:
                found = change
        return found

    def open_start(self, phase_index: int, phase: Phase, cycle: int, start: date) -> date:
        """``start``, or the next open day if the cycle's first dose day is closed for a dose
        that moves (the whole cycle moves with it, as a delay would)."""
        closures = self.closures
        if closures is None:
            return start
        from .closures import MOVING

        rules = [r for r in phase.doses if cycle in r.cycles]
        if not rules:
            return start
        weekday = start.weekday()
        firsts = [r.days_from(weekday)[0] for r in rules]
        # The cycle's first dose day, and (after a premedication the day before) its day 1: a
        # clinic dose on day 1 moved alone would leave the tablets of the day before, and after,
        # a day out of step with it.
        candidates = sorted({min(firsts), min((d for d in firsts if d >= 1), default=min(firsts))})
        moving: list[str] = []
        reason = None
        day = start
        for first in candidates:
            # (A counted dose on a closed day is given at the end instead.)
            moving = sorted(
                {
                    r.setting
                    for r in rules
                    if first in r.days_from(weekday)
                    and r.count is None
                    and closures.policy_for(r.setting) in MOVING
                }
            )
            day = cycle_date(start, first)
            reason = closures.reason(day) if moving else None
            if reason is not None:
                break
        if reason is None:
            return start
        try:
            target = closures.open_day(day, 1)
        except ValueError as err:
            raise PlanError(str(err)) from None
        self.cycle_notes[phase_index + 1, cycle] = CycleMoved(day, target, moving[0], reason)
        return start + (target - day)

    def course_caps(self, events: list[Event]) -> list[Event]:
        capped = {
            d.name: d.max_doses_per_course for d in self.regimen.drugs if d.max_doses_per_course
        }
        if not capped:
            return events
        keep: set[str] = set()
        for drug in self.regimen.drugs:
            cap = drug.max_doses_per_course
            if not cap:
                continue
            doses = sorted((e for e in events if e.kind == EventKind.DOSE and e.drug == drug.name),
                           key=lambda e: e.start)  # fmt: skip
            keep.update(e.uid for e in doses[:cap])
            if len(doses) > cap:
                dropped = len(doses) - cap
                if not drug.course_cap_reason:
                    raise PlanError(
                        f"drugs.{drug.key}.max_doses_per_course = {cap} would leave out "
                        f"{dropped} of the {len(doses)} {drug.name} doses this plan gives; if "
                        f"that is intended, say why in drugs.{drug.key}.course_cap_reason, "
                        "otherwise correct the cap or plan fewer cycles",
                        field="cycles",
                    )
                self.notices.append(
                    f"course cap: {drug.name}: the course allows {cap} doses, so the last {dropped} the "
                    f"schedule gives are left out ({drug.course_cap_reason})"
                )
        return [
            e for e in events if e.drug not in capped or e.kind != EventKind.DOSE or e.uid in keep
        ]

    def keep_elapsed(self, events: list[Event]) -> list[Event]:
        """A ``min_interval`` in hours is elapsed time: where a clock change alone brings a dose
        closer than that to the one before (09:00 Thursday to 09:00 Sunday across a spring-
        forward is 71 hours, under "72h"), the later dose moves later by the shortfall, on its
        own day, and says so. A shortfall the clock does not explain, or a move that would
        leave the day, is left for :meth:`check_spacing` to refuse."""
        limits = {
            d.name: d.min_interval
            for d in self.regimen.drugs
            if d.min_interval is not None and d.min_interval_elapsed
        }
        if not limits:
            return events
        from .spacing import elapsed

        out = list(events)
        by_drug: dict[str, list[int]] = {}
        for index, event in enumerate(out):
            if event.kind == EventKind.DOSE and event.drug in limits:
                by_drug.setdefault(event.drug or "", []).append(index)
        for name, indices in by_drug.items():
            limit = limits[name]
            indices.sort(key=lambda i: instant(out[i].start, self.zone))
            previous: datetime | None = None
            for i in indices:
                event = out[i]
                start = event.start
                assert isinstance(start, datetime) and isinstance(event.end, datetime)
                if previous is not None and elapsed(previous, start) < limit:
                    wall = start.replace(tzinfo=None) - previous.astimezone(start.tzinfo).replace(
                        tzinfo=None
                    )
                    moved = (previous.astimezone(UTC) + limit).astimezone(self.zone)
                    if wall >= limit and moved.date() == start.date():
                        move = ClockMoved(elapsed(start, moved), start, name, limit)
                        event = replace(
                            event,
                            start=moved,
                            end=after(moved, elapsed(start, event.end)),
                            notes=(*event.notes, wording.note(move)),
                            moves=(*event.moves, move),
                        )
                        out[i] = event
                        start = moved
                previous = start
        return out

    def omit(self, events: list[Event]) -> list[Event]:
        if not self.omits and not self.holds:
            return events

        # A rule given on another's days is not given on a day that one's dose is omitted.
        leaders = {
            (number, rule.key): next(r for r in phase.doses if r.key == rule.follows).drug
            for number, phase in enumerate(self.regimen.phases, start=1)
            for rule in phase.doses
            if rule.follows is not None
        }

        def omitted(event: Event) -> bool:
            if event.kind != EventKind.DOSE:
                return False
            assert event.phase_number and event.cycle and event.day and event.drug_key
            index = int(event.slot.rpartition("#")[2]) if "#" in event.slot else 1
            where = (event.phase_number, event.cycle, event.day)
            leader = leaders.get((event.phase_number, _rule_key(event)))
            return self.omitted(*where, index, event.drug_key) or (
                leader is not None and self.omitted(*where, 1, leader)
            )

        return [e for e in events if not omitted(e)]

    def close(self, events: list[Event], closures: Closures) -> list[Event]:
        from .closures import apply_closures

        try:
            return apply_closures(events, self.units, closures, self.zone)
        except ValueError as err:
            raise PlanError(str(err)) from None

    def check_spacing(self, planned: list[Event], final: list[Event]) -> None:
        """No two doses of a drug closer than the regimen allows (its ``min_interval``; and,
        after closures or day-scoped delays moved doses, the closest the regimen itself places
        them)."""
        capped = any(d.window_cap for d in self.regimen.drugs)
        moving = self.closures is not None or bool(self.shifts)
        if not any(d.min_interval for d in self.regimen.drugs) and not moving:
            if capped:
                self.check_windows(final)
            return
        from .spacing import crowding, spacing_of

        spacing = spacing_of(self.regimen, _doses(planned))
        if not moving:
            spacing = {k: v for k, v in spacing.items() if v.stated}
        found = crowding(_doses(final), spacing)
        if not found:
            if capped:
                self.check_windows(final)
            return
        problem = found[0]
        a, b = problem.first, problem.second
        moved = next(
            (e for e in final if e.start in (a, b) and e.drug == problem.drug and e.notes), None
        )
        pair = (f"{problem.drug} doses on {format_date(a.date())} at {a:%H:%M} and "
                f"{format_date(b.date())} at {b:%H:%M}")  # fmt: skip
        if problem.broken == "safety limit":
            message = f"{pair} are closer than the safety limit of {problem.limit.shown}"
        elif problem.broken == "spacing":
            message = (f"{pair} are closer than the regimen ever gives them (it keeps them at "
                       f"least {format_duration(problem.limit.minimum)} apart)")  # fmt: skip
        else:
            message = f"{pair} fall on consecutive days, and {problem.drug} is a weekly drug"
        if moved is not None:
            message = (
                f"a closure would move a dose so that {message}; record a delay of that cycle "
                f"instead, or change the {moved.setting} closure policy to 'skip' or "
                "'keep and flag'"
            )
        raise PlanError(message)

    def check_windows(self, events: list[Event]) -> None:
        """No more doses of a drug in any window than its ``at_most`` allows (3 in any 7 days),
        on the plan's real instants, after every change and closure."""
        from .spacing import over_cap

        found = over_cap(_doses(events), self.regimen)
        if found is None:
            return
        drug, first, last, cap = found
        moved = any(e.notes for e in events if e.drug == drug and e.start in (first, last))
        message = (
            f"{cap.doses + 1} {drug} doses from {format_date(first.date())} at {first:%H:%M} to "
            f"{format_date(last.date())} at {last:%H:%M} break the safety limit of {cap}"
        )
        if moved:
            message = (
                f"a change would move doses so that {message}; record a delay of the cycle instead"
            )
        raise PlanError(message)

    def check_prior(self) -> None:
        """Each dose given before the plan names a drug of the regimen with a lifetime limit,
        in that limit's unit (otherwise it could not be counted, and would be ignored)."""
        for given in self.options.prior:
            drug = next((d for d in self.regimen.drugs if d.key == given.drug), None)
            if drug is None:
                keys = ", ".join(d.key for d in self.regimen.drugs)
                raise PlanError(
                    f"a prior dose of {given.drug!r}: {self.regimen.id} has no such drug "
                    f"(its drugs: {keys})",
                    field="prior",
                )
            cap = drug.max_cumulative
            if cap is None:
                raise PlanError(
                    f"a prior dose of {drug.name}: {self.regimen.id} sets no lifetime limit for "
                    "it, so nothing would count it",
                    field="prior",
                )
            if given.amount.unit != cap.unit:
                raise PlanError(
                    f"a prior dose of {drug.name} of {given.amount}: give it in the unit of its "
                    f"lifetime limit, {cap} (e.g. {drug.key}=150 {str(cap).partition(' ')[2]})",
                    field="prior",
                )

    def check_lifetime(self, events: list[Event]) -> None:
        """No drug past its lifetime limit (``max_cumulative``), counting doses given before
        the plan; each counted dose's description says the total after it."""
        if not any(d.max_cumulative for d in self.regimen.drugs):
            return
        from .lifetime import lifetime

        found = lifetime(self.regimen, events, self.options.prior, self.options.body)
        if found.over is not None:
            raise PlanError(found.over)
        self.extra = found.lines
        self.notices.extend(found.unchecked)

    def check_order(self, events: list[Event]) -> None:
        """Every test or visit placed before a cycle (day -1) is still before its first dose."""
        first: dict[tuple[int | None, int | None], date] = {}
        for event in events:
            if event.kind == EventKind.DOSE and (event.day or 1) >= 1:
                key = (event.phase_number, event.cycle)
                day = day_of(event.start)
                first[key] = min(first.get(key, day), day)
        for event in events:
            if event.kind != EventKind.DOSE and event.day is not None and event.day < 1:
                starts = first.get((event.phase_number, event.cycle))
                if starts is not None and day_of(event.start) >= starts:
                    raise PlanError(
                        f"{event.title} (placed before the cycle) would fall on "
                        f"{format_date(day_of(event.start))}, not before the cycle's first dose on "
                        f"{format_date(starts)}"
                    )

    def course_level(self, events: list[Event]) -> list[Event]:
        """Course events and precautions, from the final first and last dose."""
        dose_days = [
            e.start.date()
            for e in events
            if isinstance(e.start, datetime) and e.kind == EventKind.DOSE
        ]
        if not dose_days or self.first_day is None:
            return []
        first, last = min(dose_days), max(dose_days)
        anchors = {"start": self.first_day, "first dose": first, "last dose": last}
        out = [self.course_event(rule, anchors) for rule in self.regimen.course_events]
        if out and self.closures is not None:
            out = self.close(out, self.closures)
        for precaution in self.regimen.precautions:
            if precaution.during_treatment or precaution.after_last_dose is not None:
                out.append(self.precaution(precaution, first, last))
            if precaution.after_last_dose is None:
                out.append(self.ask_after(precaution, last))
        return out

    def describe(self, event: Event) -> str:
        tail = [f"Regimen: {self.regimen.name} ({self.regimen.id}).",
                f"Source: {self.regimen.source}", _NOTICE]  # fmt: skip
        assert event.facts is not None, event.uid  # every event the engine makes has its facts
        said = wording.lines(event, event.facts)
        lines = [*event.notes, *said, self.extra.get(event.uid, ""), *tail]
        return "\n".join(line for line in lines if line)

    # -- course-level events -----------------------------------------------------------------

    def course_event(self, rule: CourseEventRule, anchors: dict[str, date]) -> Event:
        anchor = anchors[rule.anchor]
        delta = _delta(rule.offset)
        when = anchor - delta if rule.before else anchor + delta
        start, end = _timing(when, rule.time, rule.duration, self.zone)
        uid = _uid(self.regimen.id, self.plan_id, "course", f"{rule.kind.value}:{rule.key}")
        if self.closures is not None:
            from .closures import Unit

            self.units[uid] = Unit(key=("course", rule.key), before_cycle=rule.before)
        facts = CourseEventFacts(rule.title, rule.instructions, str(rule.offset), rule.before,
                                 rule.anchor, anchor)  # fmt: skip
        return Event(
            uid=uid,
            kind=rule.kind,
            title=wording.title(facts),
            facts=facts,
            start=start,
            end=end,
            all_day=rule.time is None,
            description="",
            slot=f"{rule.kind.value}:{rule.key}",
            timezone=self.options.zone_name,
        )

    def ask_after(self, precaution: Precaution, last: date) -> Event:
        """The day after the last dose of a precaution whose source gives no end ("for a time
        afterwards"): the calendar must not suggest the precaution ends with the treatment, and
        no end may be invented, so this day says to ask the care team how long it goes on."""
        day = last + timedelta(days=1)
        slot = f"precaution:{precaution.key}{ASK_SLOT}"
        uid = _uid(self.regimen.id, self.plan_id, "course", slot)
        facts = AskFacts(precaution.title, precaution.instructions, last)
        return Event(
            uid=uid,
            kind=EventKind.PRECAUTION,
            title=wording.title(facts),
            facts=facts,
            start=day,
            end=day + timedelta(days=1),
            all_day=True,
            description="",
            slot=slot,
            timezone=self.options.zone_name,
        )

    def precaution(self, precaution: Precaution, first: date, last: date) -> Event:
        start = first if precaution.during_treatment else last + timedelta(days=1)
        period = precaution.after_last_dose
        # The source gives no figure: mark the treatment span and say so, never invent one.
        end_inclusive = last if period is None else last + _delta(period)
        uid = _uid(self.regimen.id, self.plan_id, "course", f"precaution:{precaution.key}")
        facts = PrecautionFacts(precaution.title, precaution.instructions, start, last,
                                end_inclusive, str(period) if period is not None else None)  # fmt: skip
        return Event(
            uid=uid,
            kind=EventKind.PRECAUTION,
            title=wording.title(facts),
            facts=facts,
            start=start,
            end=end_inclusive + timedelta(days=1),
            all_day=True,
            description="",
            slot=f"precaution:{precaution.key}",
            timezone=self.options.zone_name,
        )


def _most_events(regimen: Regimen, options: PlanOptions) -> int:
    """An upper bound of the plan's events, from the bounds alone (no expansion): what the
    cycles the plan can hold would make. Stops counting once past :data:`MAX_EVENTS`."""
    total = 0
    left = options.cycles if options.cycles is not None else MAX_CYCLES
    days = (options.until - options.start).days if options.until is not None else None
    omissions = 0
    if options.adjustments:
        from .changes import Omit

        omissions = sum(1 for change in options.adjustments if isinstance(change, Omit))
    for phase in regimen.phases:
        count = left if phase.cycles is None else min(phase.cycles, left)
        if phase.counted:
            count = min(count, _counted_cycles(phase, omissions))
        if days is not None:
            count = min(count, days // phase.cycle_days + 1)
        if phase.up_to is not None:
            longest = {"days": 1, "weeks": 7, "months": 31, "years": 366}[phase.up_to.unit]
            count = min(count, longest * phase.up_to.amount // phase.cycle_days + 1)
        for cycle in range(1, count + 1):
            events = _events_in(phase, cycle)
            if events > MAX_EVENTS:
                raise PlanError(
                    f"one cycle of {regimen.id!r} would have {events:,} events, more than the "
                    f"{MAX_EVENTS:,} a plan may have: check the regimen's doses and intervals"
                )
            total += events
            if total > MAX_EVENTS:
                return total
        left -= count
        if left <= 0:
            break
    return total


def _counted_cycles(phase: Phase, omissions: int) -> int:
    """The most cycles a counted phase can take: each counted rule's count (plus one cycle's
    worth of doses per omission, which is not counted) at its doses per cycle."""
    most = 0
    for rule in phase.doses:
        if rule.count is not None:
            per_cycle = max(rule.doses_per_cycle(), 1)
            runs = -(-(rule.count + omissions) // per_cycle)
            most = max(most, rule.cycles.first + rule.cycles.step * runs)
    return most


def _events_in(phase: Phase, cycle: int) -> int:
    """How many events expanding this cycle makes at most (counted before expanding it)."""
    doses = sum(r.doses_per_cycle() * (2 if r.end_event else 1) for r in phase.doses
                if cycle in r.cycles)  # fmt: skip
    return doses + sum(len(e.days) for e in phase.events if cycle in e.cycles)


def _doses(events: list[Event]) -> list[tuple[str, datetime]]:
    return [
        (e.drug, e.start)
        for e in events
        if e.kind == EventKind.DOSE and e.drug is not None and isinstance(e.start, datetime)
    ]


@dataclass(frozen=True, slots=True)
class _Slot:
    day: int
    index: int
    """Position among the rule's doses on that day (0-based)."""
    start: datetime
    ordinal: int
    """Position among the rule's doses in the cycle (0-based)."""
    block: int
    """Which run of consecutive days of the rule it falls in (0-based)."""
    on: int
    """The cycle day it falls on: ``day`` itself, except for a dose timed from another one's
    day ("12h before paclitaxel" of day 1 falls on day -1); ``day`` stays its identity."""


class _Cycle:
    """Expansion of one cycle: its dates, and the wording its events share."""

    def __init__(
        self, plan: _Plan, phase_index: int, phase: Phase, cycle: int, cycle_start: date
    ) -> None:
        self.plan = plan
        self.regimen = plan.regimen
        self.options = plan.options
        self.phase_index = phase_index
        self.phase = phase
        self.cycle = cycle
        self.cycle_start = cycle_start
        self.phase_label = f"{phase.name}, " if len(self.regimen.phases) > 1 else ""
        self.phase_name = phase.name if len(self.regimen.phases) > 1 else None
        self._kinds: dict[str, tuple[bool, str | None]] = {}
        moved = plan.cycle_notes.get((phase_index + 1, cycle))
        self.moves: tuple[Move, ...] = (moved,) if moved else ()
        self.notes: tuple[str, ...] = tuple(wording.note(m) for m in self.moves)
        self.starts: dict[tuple[str, int], datetime] = {}
        self.ends: dict[tuple[str, int], datetime] = {}
        """When each rule's administration starts and ends, per day: what rules timed from it
        (``after``, ``at``) start from."""
        self.uids: dict[tuple[str, int], str] = {}
        """The UID of each rule's (last) dose on a day: what a dose timed from it belongs with."""
        self.given: dict[str, set[int]] = {}
        """The cycle days each rule's dose is given on, as made (rules given on another's
        days take them from here)."""
        self.anchor = next((r for r in phase.doses if r.after is None), None)
        """The phase's first dose rule with a clock time of its own: what ``--time`` sets."""

    def date_of(self, day: int) -> date:
        """The date of cycle day ``day``, moved by any day-scoped delay of it."""
        moved = cycle_date(self.cycle_start, day)
        if self.plan.shifts:
            moved += timedelta(days=self.plan.shift(self.phase_index + 1, self.cycle, day))
        return moved

    def first_time(self, when: date) -> time | None:
        """The day's first dose time set at plan time or by the latest retime before ``when``."""
        chosen = self.options.dose_time
        for change in self.plan.retimes:
            if change.start <= when:
                chosen = change.at
        return chosen

    def shifted(self, rule: DoseRule, when: date) -> tuple[time, ...]:
        """The rule's clock times on ``when``. ``--time`` (or a retime) sets the phase's anchor
        dose (:attr:`anchor`) to that time, and every fixed time of the phase moves by the same
        amount, so the spacing the regimen gives its doses is kept (dexamethasone at 08:00
        before docetaxel at 10:00 stays two hours before it); doses timed from another move
        with it. A time the move would push past midnight (onto another day) is refused."""
        chosen = self.first_time(when)
        if chosen is None or self.anchor is None or chosen == self.anchor.time:
            return rule.times
        shift = _clock(chosen) - _clock(self.anchor.time)
        moved = [_clock(t) + shift for t in rule.times]
        if any(not timedelta(0) <= m < timedelta(days=1) for m in moved):
            anchor = self.regimen.drug(self.anchor.drug).name
            name = self.regimen.drug(rule.drug).name
            raise PlanError(
                f"a dose time of {chosen:%H:%M} moves {anchor} from {self.anchor.time:%H:%M}, "
                f"and {name} ({', '.join(f'{t:%H:%M}' for t in rule.times)}) with it past "
                "midnight, onto another day; choose a time that keeps the day's doses on their "
                'days, or write the dose relative to the other ("12h before paclitaxel")',
                field="dose_time",
            )
        return tuple((datetime.min + m).time() for m in moved)

    def day_of(self, when: date) -> int:
        offset = (when - self.cycle_start).days
        return offset + 1 if offset >= 0 else offset

    def in_plan(self, when: date) -> bool:
        return self.options.until is None or when <= self.options.until

    def uid(self, day: int, slot: str) -> str:
        return _uid(
            self.regimen.id, self.plan.plan_id, f"{self.phase_index}/{self.cycle}/{day}", slot
        )

    def weekly(self, rule: DoseRule) -> bool:
        """A once-a-week rule: titles name its weekday ("every Wednesday, week 3")."""
        return (
            self.phase.cycle_days == 7
            and not self.phase.continuous
            and len(rule.days) == 1
            and rule.slots_per_day() == 1
        )

    def place(self, day: int, rule: DoseRule | None) -> Place:
        """Where ``day`` falls, as facts: the wording writes "cycle 2, day 3 of 35" from them."""
        weekly, weekdays = self.rule_kind(rule) if rule is not None else (False, None)
        return Place(
            self.phase_name, self.cycle, day, (self.cycle_start.weekday() + day - 1) % 7,
            self.phase.cycle_days, self.phase.cycle_months, self.phase.continuous, weekly,
            weekdays,
        )  # fmt: skip

    def rule_kind(self, rule: DoseRule) -> tuple[bool, str | None]:
        """Whether ``rule`` is given once a week, and the weekdays it is written with."""
        found = self._kinds.get(rule.key)
        if found is None:
            found = self._kinds[rule.key] = (
                self.weekly(rule),
                rule.written_as if rule.weekdays is not None else None,
            )
        return found

    def days_of(self, rule: DoseRule) -> tuple[int, ...]:
        """The rule's days in this cycle (a weekday rule's depend on the cycle's weekday)."""
        return rule.days_from(self.cycle_start.weekday())

    def slots(self, rule: DoseRule) -> list[_Slot]:
        zone = self.options.zone
        out: list[_Slot] = []
        days = self.days_of(rule)
        if rule.follows is not None:
            # "On the days of radiotherapy": the days its dose was given in this cycle (a
            # fraction on a closed day, given at the end instead, takes the tablets with it).
            given = self.given.get(rule.follows, set())
            days = tuple(d for d in days if d in given)
        if rule.every is not None:
            for number, block in enumerate(blocks(days)):
                first_day = self.date_of(block[0])
                first = local(first_day, self.shifted(rule, first_day)[0], zone).astimezone(UTC)
                # A day-scoped delay moves the series, not its days: each dose keeps the cycle
                # day (and so the identity) it has in the plan without the delay.
                moved = first_day - cycle_date(self.cycle_start, block[0])
                per_day: dict[int, int] = {}
                for k in range(int(timedelta(days=len(block)) / rule.every)):
                    start = (first + k * rule.every).astimezone(zone)
                    day = self.day_of(start.date() - moved)
                    out.append(_Slot(day, per_day.get(day, 0), start, len(out), number, day))
                    per_day[day] = per_day.get(day, 0) + 1
        else:
            block_of = _block_of(days)
            if rule.after is not None:
                for day in days:
                    base = (self.starts if rule.from_start else self.ends).get((rule.after, day))
                    if base is not None:
                        start = after(base, rule.offset)  # real elapsed time, either way
                        on = self.day_of(start.date())
                        out.append(_Slot(day, 0, start, len(out), block_of[day], on))
            else:
                for day in days:
                    when = self.date_of(day)
                    for index, at in enumerate(self.shifted(rule, when)):
                        start = local(when, at, zone)
                        if start.date() != when:
                            raise _skipped(when, zone, self.regimen.drug(rule.drug).name)
                        out.append(_Slot(day, index, start, len(out), block_of[day], day))
        if rule.max_doses_per_cycle is not None:
            out = out[: rule.max_doses_per_cycle]
        return out

    def unit(self, rule: DoseRule, slot: _Slot) -> Unit:
        """What a closure moves together with this dose: rules given ``after`` another, or on
        its days, move with the dose they follow, by its setting's policy; a series moves
        whole; a day's doses together, within their run."""
        from .closures import Unit

        leader = rule
        while leader.after is not None or leader.follows is not None:
            leader = self._rule(leader.after or leader.follows or "")
        where = (self.phase_index, self.cycle, leader.key)
        if leader.every is not None:
            return Unit(key=("series", *where, slot.block), series=True, setting=leader.setting)
        return Unit(key=("day", *where, slot.day), run=("run", *where, slot.block),
                    setting=leader.setting)  # fmt: skip

    def doses(self) -> list[Event]:
        out: list[Event] = []
        for position, rule in enumerate(self.phase.doses):
            if self.cycle not in rule.cycles:
                continue
            drug = self.regimen.drug(rule.drug)
            dose = (
                calculate(rule.amount, self.options.body, drug.max_amount) if rule.amount else None
            )
            change = (
                self.plan.dose_change(self.phase_index + 1, self.cycle, drug.key)
                if self.plan.dose_changes
                else None
            )
            if change is not None:
                dose = self.changed_dose(rule, change)
            slots = self.slots(rule)
            several = rule.every is not None or rule.slots_per_day() > 1
            relative = follows = None
            if rule.after is not None:
                relative = (
                    rule.offset,
                    rule.from_start,
                    self.regimen.drug(self._rule(rule.after).drug).name,
                )
            if rule.follows is not None:
                follows = self.regimen.drug(self._rule(rule.follows).drug).name
            shared = DoseRuleFacts(
                drug=drug.name, drug_title=drug.title, route=drug.route,
                route_words=drug.route_words, route_abbrev=drug.route_abbrev,
                amount=str(dose.amount) if dose else None,
                working=(dose.working or None) if dose else None, duration=rule.duration,
                instructions=rule.instructions, every=rule.every, of=len(slots),
                relative=relative, follows=follows,
            )  # fmt: skip
            for slot in slots:
                end = after(slot.start, rule.duration)
                self.starts[rule.key, slot.day] = slot.start
                self.ends[rule.key, slot.day] = end
                if not self.in_plan(slot.start.date()):
                    continue
                number = self.count(rule, slot, drug.key, several) if rule.count else None
                if number is not None and number <= 0:
                    continue
                key = f"dose:{rule.key}" + (f"#{slot.index + 1}" if several else "")
                counted = (number, rule.count) if number is not None and rule.count else None
                facts = DoseFacts(shared, self.place(slot.on, rule), slot.ordinal, counted)
                self.given.setdefault(rule.key, set()).add(slot.day)
                uid = self.uid(slot.day, key)
                self.uids[rule.key, slot.day] = uid
                if self.plan.closures is not None:
                    self.plan.units[uid] = self.unit(rule, slot)
                out.append(
                    Event(
                        uid=uid,
                        kind=EventKind.DOSE,
                        title=wording.title(facts),
                        facts=facts,
                        start=slot.start,
                        end=end,
                        all_day=False,
                        description="",
                        slot=key,
                        cycle=self.cycle,
                        day=slot.on,
                        phase=self.phase.name,
                        phase_number=self.phase_index + 1,
                        setting=rule.setting,
                        drug=drug.name,
                        drug_key=drug.key,
                        route=drug.route,
                        timezone=self.options.zone_name,
                        amount=dose.amount if dose else None,
                        amount_written=dose.written if dose else None,
                        amount_working=(dose.working or None) if dose else None,
                        order=position,
                        notes=self.notes,
                        moves=self.moves,
                        leader=self.leader_uid(rule, slot),
                    )
                )
        return out

    def leader_uid(self, rule: DoseRule, slot: _Slot) -> str | None:
        """The UID of the dose a dose is timed from or given on the days of (``after``,
        ``at``, ``on_days_of``): it belongs with that dose, wherever that dose goes."""
        leader = rule.after or rule.follows
        return self.uids.get((leader, slot.day)) if leader is not None else None

    def changed_dose(self, rule: DoseRule, change: DoseChange) -> Dose:
        """The rule's dose under a recorded dose change, its reason in the working."""
        drug = self.regimen.drug(rule.drug)
        if rule.amount is None:
            raise PlanError(
                f"a dose change of {drug.name}: the regimen states no amount for it in "
                f"{self.phase_label}cycle {self.cycle} to change",
                field="drug",
            )
        phase = f" of phase {change.phase}" if len(self.regimen.phases) > 1 else ""
        return changed(
            rule.amount,
            self.options.body,
            drug.max_amount,
            percent=change.percent,
            amount=change.amount,
            why=f"from cycle {change.cycle}{phase} ({change.reason})",
        )

    def count(self, rule: DoseRule, slot: _Slot, drug: str, several: bool) -> int:
        """A counted rule's number for this dose ("4" of 30); 0 once all are given, -1 for a
        dose on a closed day (left out, and given at the end). An omitted dose does not count,
        so the course still gives its 30 fractions (the omission removes the slot later)."""
        assert rule.count is not None
        counted = (self.phase_index, rule.key)
        left = self.plan.counts_left[counted]
        if left <= 0:
            return 0
        closures = self.plan.closures
        day = slot.start.date()
        if (
            closures is not None
            and closures.policy_for(rule.setting) not in ("keep", "keep and flag")
            and closures.reason(day) is not None
        ):
            # A fraction on a closed day is left out and given at the end, as radiotherapy
            # departments do: the count is of doses given, so nothing else moves.
            return -1
        index = slot.index + 1 if several else 1
        if not self.plan.omitted(self.phase_index + 1, self.cycle, slot.on, index, drug):
            self.plan.counts_left[counted] = left - 1
            self.plan.last_counted = max(self.plan.last_counted or day, day)
        return rule.count - left + 1

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
            start, end = _timing(when, rule.time, rule.duration, self.options.zone)
            uid = self.uid(day, slot)
            if self.plan.closures is not None:
                from .closures import Unit

                self.plan.units[uid] = Unit(key=("event", self.phase_index, self.cycle, rule.key, day),
                                            before_cycle=day < 1)  # fmt: skip
            facts = CycleEventFacts(rule.title, rule.instructions, self.place(day, None))
            out.append(
                Event(
                    uid=uid,
                    kind=rule.kind,
                    title=wording.title(facts),
                    facts=facts,
                    start=start,
                    end=end,
                    all_day=rule.time is None,
                    description="",
                    slot=slot,
                    cycle=self.cycle,
                    day=day,
                    phase=self.phase.name,
                    phase_number=self.phase_index + 1,
                    setting=rule.setting,
                    timezone=self.options.zone_name,
                    notes=self.notes,
                    moves=self.moves,
                )
            )
        return out


def _rule_key(dose: Event) -> str:
    """The key of the dose rule that made ``dose`` (its slot is ``dose:KEY`` or ``dose:KEY#N``)."""
    return dose.slot.removeprefix("dose:").partition("#")[0]


@lru_cache(maxsize=1024)
def _block_of(days: tuple[int, ...]) -> dict[int, int]:
    """Which run of consecutive days (0-based) each day falls in; read-only, shared."""
    return {d: n for n, block in enumerate(blocks(days)) for d in block}


def _skipped(when: date, zone: tzinfo, drug: str) -> PlanError:
    """A dose on a calendar day the zone's clocks skipped (Pacific/Apia jumped from 29 to 31
    December 2011): read as RFC 5545 reads a time in a gap it would land on the next day's
    dose, two doses at once, so the plan is refused."""
    return PlanError(
        f"{format_date(when)} does not exist in {getattr(zone, 'key', zone)} (the clocks skipped "
        f"the whole day), so the {drug} dose of that day has no time to be given; plan from "
        "another start date or in the zone's time before or after the change",
        field="start",
    )


def _clock(at: time) -> timedelta:
    """A clock time as the time since midnight."""
    return timedelta(hours=at.hour, minutes=at.minute)


def _timing(
    when: date, at: time | None, duration: timedelta | None, zone: tzinfo
) -> tuple[date | datetime, date | datetime]:
    if at is None or duration is None:
        return when, when + timedelta(days=1)
    start = local(when, at, zone)
    return start, after(start, duration)


def _delta(period: Period) -> relativedelta:
    # Calendar arithmetic: 29 Feb + 12 months is 28 Feb, 31 Jan + 1 month is 28/29 Feb.
    calendar_period: dict[str, Any] = {period.unit: period.amount}
    return relativedelta(**calendar_period)


def _uid(regimen_id: str, plan_id: str, position: str, slot: str) -> str:
    name = f"{regimen_id}\x1f{plan_id}\x1f{position}\x1f{slot}"
    return f"{uuid.uuid5(_UID_NAMESPACE, name)}@treatment-scheduler"


def _sort_key(event: Event, zone: tzinfo) -> tuple[datetime, int, int, str, str]:
    # Same instant: tests before doses, then doses in the order the regimen lists them.
    return (instant(event.start, zone), _KIND_ORDER[event.kind], event.order, event.slot, event.uid)
