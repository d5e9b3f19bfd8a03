"""Regimens in words, the way oncology writes them, and one cycle as a grid and day by day."""

from __future__ import annotations

from datetime import date, timedelta

from ..words import plural
from . import timing
from .catalog import cycles_text
from .model import DoseRule, Phase, Regimen
from .notation import (
    cycle_date,
    format_date,
    format_day_list,
    format_duration,
    format_relative,
    weekday_name,
)

__all__ = ["cycle_grid", "cycle_summary", "describe", "one_cycle"]


def cycle_summary(regimen: Regimen) -> str:
    """``35 days until stopped`` / ``14 days × 12`` for each phase, joined by `` then ``."""
    return cycles_text(
        [(p.length, p.cycles, str(p.up_to) if p.up_to else None) for p in regimen.phases]
    )


def _followed(regimen: Regimen, phase: Phase, rule: DoseRule) -> str:
    """When a dose timed from another is given, by that one's drug name (and rule key if the
    drug has several): "after Rituximab", "12 h before Paclitaxel starts"."""
    before = next(r for r in phase.doses if r.key == rule.after)
    name = regimen.drug(before.drug).name
    if sum(r.drug == before.drug for r in phase.doses) > 1:
        name += f" ({before.key})"
    return format_relative(rule.offset, rule.from_start, name)


def _when(regimen: Regimen, phase: Phase, rule: DoseRule) -> str:
    duration = format_duration(rule.duration)
    if rule.after is not None:
        return f"{_followed(regimen, phase, rule)}, over {duration}"
    if rule.every is not None:
        text = f"every {format_duration(rule.every)} from {rule.time:%H:%M}, over {duration}"
        if rule.max_doses_per_cycle:
            text += f", max {rule.max_doses_per_cycle} per cycle"
        return text
    return f"{', '.join(t.strftime('%H:%M') for t in rule.times)}, over {duration}"


def _cycles_of(phase: Phase) -> str:
    """``35-day cycles``; ``3-month cycles (calendar months from day 1 of the first cycle)``."""
    if phase.cycle_months is None:
        return f"{phase.cycle_name}s"
    return (
        f"{phase.cycle_name}s (calendar months, each counted from day 1 of the phase's first cycle)"
    )


def _grid_length(phase: Phase, start: date | None) -> str:
    if phase.cycle_months is None:
        return f"{phase.cycle_days} days"
    if start is not None:
        return f"{phase.length}, {_days_in(phase, start)} days from {format_date(start)}"
    return f"{phase.length}, at least {phase.cycle_days} days"


def _days_in(phase: Phase, start: date | None) -> int:
    """The days of the cycle starting ``start`` (calendar-month cycles vary); undated, the
    shortest."""
    return phase.cycle_days if start is None else phase.days_from(start)


def _table(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        indent + "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    ]


def describe(regimen: Regimen, start: date | None = None) -> str:
    """The regimen in words: drug, dose, route, duration, days, cycle length, number of cycles;
    with ``start``, the date of day 1 and the weekday weekly doses fall on."""
    out = [f"{regimen.id}: {regimen.name}", f"Indication: {regimen.indication}"]
    first = regimen.phases[0]
    if start is not None:
        out.append(f"Day 1: {format_date(start)} (the start date given)")
        shown = min(first.cycles or 5, 5)
        if first.cycle_months is not None and shown > 1:
            later = ", ".join(format_date(first.nth_start(start, n)) for n in range(2, shown + 1))
            out.append(
                f"Cycles 2 to {shown} start: {later} (calendar months from day 1; a month without "
                "that day uses its last day; a delayed cycle restarts the count from its day)"
            )
    if first.cycle_days % 7 == 0:
        suggested = (
            f" (the regimen suggests {weekday_name(first.start_on)}s; the start date decides)"
            if first.start_on is not None
            else ""
        )
        if start is not None:
            out.append(
                f"Weekday: {weekday_name(start.weekday())}s, the weekday of the start date{suggested}"
            )
        elif first.start_on is not None:
            out.append(f"Weekday: the weekday of the start date{suggested}")
    for drug in regimen.drugs:
        limits = []
        if drug.max_amount:
            limits.append(f"at most {drug.max_amount} per dose")
        if drug.max_doses_per_course:
            limits.append(f"at most {plural(drug.max_doses_per_course, 'dose')} per course")
        if drug.min_interval:
            limits.append(f"never less than {format_duration(drug.min_interval)} apart")
        if drug.max_cumulative:
            limits.append(
                f"at most {drug.max_cumulative} in a lifetime, with doses before this course "
                "(plan --prior)"
            )
        out.append(
            f"Drug: {drug.name}, {drug.route} ({drug.route_abbrev})"
            + (f"; {'; '.join(limits)}" if limits else "")
        )
    for amount in sorted({f"{regimen.drug(r.drug).name} {r.amount}" for p in regimen.phases
                          for r in p.doses if r.amount is not None and r.amount.per == "gfr"}):  # fmt: skip
        target = amount.rpartition(" ")[2]
        out.append(
            f"Dose by kidney function: {amount} is {target} × (GFR + 25) mg (Calvert formula), "
            "calculated when a plan is given a GFR, or a creatinine with age, sex and weight "
            "(Cockcroft–Gault); the GFR is capped at 125 mL/min"
        )
    for number, phase in enumerate(regimen.phases, start=1):
        if phase.cycles is not None:
            count = plural(phase.cycles, "cycle")
        elif phase.up_to is not None:
            count = f"repeated for up to {phase.up_to}"
        else:
            count = "repeated until stopped (the number of cycles is set when the plan is made)"
        if phase.up_to is not None and phase.cycles is not None:
            count += f", for up to {phase.up_to}"
        if phase.up_to is not None:
            count += " from the start of the " + ("course" if phase.up_to_course else "phase")
            count += " (nothing is planned past that day)"
        counted = [r for r in phase.doses if r.count is not None]
        if counted:
            count += "; ends with the " + " and the ".join(
                f"{_ordinal(r.count or 0)} {regimen.drug(r.drug).name} dose" for r in counted
            )
        head = f"Phase {number} {phase.name!r}: {_cycles_of(phase)}, {count}"
        if phase.continuous:
            head += "; continuous daily treatment"
        if number > 1:
            head += f"; {_phase_start(regimen, number)}"
        if phase.start_on is not None and number > 1:
            head += f", on the next {weekday_name(phase.start_on)}"
        elif phase.start_on is not None:
            head += f"; the regimen suggests {weekday_name(phase.start_on)}s"
        out.append(head)
        rows: list[tuple[str, ...]] = [("DRUG", "DOSE", "ROUTE", "TIME", "DAYS", "CYCLES")]
        for rule in phase.doses:
            drug = regimen.drug(rule.drug)
            rows.append(
                (
                    drug.name,
                    str(rule.amount) if rule.amount else "(not stated)",
                    drug.route_abbrev,
                    _when(regimen, phase, rule),
                    _days(rule),
                    "all" if rule.cycles.everything else str(rule.cycles),
                )
            )
        for event in phase.events:
            at = "all day" if event.time is None else event.time.strftime("%H:%M")
            rows.append(
                (
                    f"{event.title} ({event.kind.label})",
                    "",
                    "",
                    at,
                    format_day_list(event.days),
                    "all" if event.cycles.everything else str(event.cycles),
                )
            )
        out.extend(_table(rows))
        if phase.events and any(e.setting != "home" for e in phase.events):
            out.append(
                "  On a closed clinic day (plan --holidays/--closed, or a course's closures) a "
                "test or visit before the cycle (day -1) moves to the previous open day, one in "
                "the cycle to the next open day; clinic doses move with their cycle or run (docs/courses.md), home doses stay."
            )
        if phase.gap_after is not None and phase.gap_after.amount:
            out.append(f"Then {phase.gap_after} without treatment.")
    for course_event in regimen.course_events:
        relation = "before" if course_event.before else "after"
        out.append(
            f"{course_event.kind.label}: {course_event.title}, "
            f"{course_event.offset} {relation} the {course_event.anchor}"
        )
    for precaution in regimen.precautions:
        after = (
            f"{precaution.after_last_dose} after the last dose"
            if precaution.after_last_dose
            else "an unstated time after the last dose (the calendar marks the day after the "
            "last dose: ask the team how long)"
        )
        begins = "from the first dose" if precaution.during_treatment else "after the last dose"
        out.append(f"Precaution: {precaution.title}, {begins} until {after}")
    out.append(
        f"Source: {regimen.source}" + (f" <{regimen.source_url}>" if regimen.source_url else "")
    )
    if regimen.notes:
        out.append("Notes:")
        out.extend(f"  {line}" if line else "" for line in regimen.notes.splitlines())
    return "\n".join(out)


RUNNING = "─"
"""A day in the grid on which a dose that began on an earlier day still runs (a 46-hour pump)."""


def _spans(rule: DoseRule, phase: Phase, weekday: int) -> list[tuple[int, int, timedelta]]:
    """Each dose of ``rule`` in one cycle as (the cycle day it starts on, the cycle day it ends
    on, its end as an offset from day 1 00:00): a 46-hour pump from day 1 ends on day 3."""
    out = []
    for begin in timing.offsets(rule, phase, weekday):
        end = begin + rule.duration
        out.append((_day(begin), _day(end - timedelta(microseconds=1)), end))
    return out


def _day(offset: timedelta) -> int:
    """The cycle day of an offset from day 1 00:00 (no day 0: -2 h is day -1)."""
    n = offset // timedelta(days=1)
    return n + 1 if n >= 0 else n


def _timed(rule: DoseRule) -> bool:
    """Timed at an offset from another dose ("12h before paclitaxel"): the day it falls on is
    where that offset takes it, not the day of the dose it is timed from."""
    return rule.after is not None and (rule.from_start or bool(rule.offset))


def _rule_days(rule: DoseRule, phase: Phase, weekday: int) -> tuple[int, ...]:
    if not _timed(rule):
        return rule.days_from(weekday)
    return tuple(sorted({_day(o) for o in timing.offsets(rule, phase, weekday)}))


def cycle_grid(regimen: Regimen, phase: Phase, cycle: int = 1, start: date | None = None) -> str:
    """One cycle as a grid: a row per dose rule and event, a column per day (● dose, ○ test).
    Weekday rules are placed for a cycle whose day 1 is ``start`` (default: a Monday)."""
    days = _days_in(phase, start)
    weekday = start.weekday() if start is not None else 0
    # The day numbers written downwards, a row per digit (hundreds for a 6-month cycle).
    digits = [
        "".join(str(d // 10**place % 10) if d >= 10**place else " " for d in range(1, days + 1))
        for place in range(len(str(days)) - 1, 0, -1)
    ]
    units = "".join(str(d % 10) for d in range(1, days + 1))
    rows: list[tuple[str, str]] = []
    for rule in phase.doses:
        if cycle not in rule.cycles:
            continue
        drug = regimen.drug(rule.drug)
        label = f"{drug.name} {rule.amount}" if rule.amount else drug.name
        rule_days = _rule_days(rule, phase, weekday)
        spans = _spans(rule, phase, weekday)
        running = {d for first, last, _ in spans for d in range(first + 1, last + 1)}
        running -= set(rule_days)
        marks = "".join(
            "●" if d in rule_days else RUNNING if d in running else "·" for d in range(1, days + 1)
        )
        before = [d for d in rule_days if d < 0]
        label += f" (also day {format_day_list(before)})" if before else ""
        rows.append((label, marks))
        if rule.end_event:
            ends = {last for _, last, _ in spans}
            rows.append(
                (rule.end_event, "".join("○" if d in ends else "·" for d in range(1, days + 1)))
            )
    for event in phase.events:
        if cycle not in event.cycles:
            continue
        marks = "".join("○" if d in event.days else "·" for d in range(1, days + 1))
        before = [d for d in event.days if d < 0]
        label = event.title + (f" (also day {format_day_list(before)})" if before else "")
        rows.append((label, marks))
    width = max(len(label) for label, _ in rows)
    starting = ""
    if any(r.weekdays is not None for r in phase.doses):
        starting = f", starting on a {weekday_name(weekday)}"
    key = "● dose, " + (f"{RUNNING} still running, " if any(RUNNING in m for _, m in rows) else "")
    out = [
        f"Cycle {cycle} of {phase.name!r} ({_grid_length(phase, start)}{starting}; {key}○ test or visit):",
        *(f"  {'':<{width}}  {row}" for row in digits),
        f"  {'day':>{width}}  {units}",
    ]
    out.extend(f"  {label:<{width}}  {marks}" for label, marks in rows)
    return "\n".join(out)


def one_cycle(regimen: Regimen, phase: Phase, start: date | None = None, cycle: int = 1) -> str:
    """Cycle ``cycle`` of ``phase`` day by day; runs of rest days collapse to one line."""
    entries: dict[int, list[str]] = {}
    for rule in phase.doses:
        if cycle not in rule.cycles:
            continue
        drug = regimen.drug(rule.drug)
        amount = f" {rule.amount}" if rule.amount else ""
        weekday = start.weekday() if start is not None else 0
        when = _short_when(regimen, phase, rule)
        if _timed(rule):
            for begin in timing.offsets(rule, phase, weekday):
                entries.setdefault(_day(begin), []).append(
                    f"{drug.name}{amount} {drug.route_abbrev} {_clock(begin)}, {when}"
                )
        for day in () if _timed(rule) else rule.days_from(weekday):
            entries.setdefault(day, []).append(f"{drug.name}{amount} {drug.route_abbrev} {when}")
        # A dose that runs past midnight (a 46-hour pump): the days it covers are not rest.
        for first, last, end in _spans(rule, phase, weekday):
            for day in range(first + 1, last + 1):
                entries.setdefault(day, []).append(
                    f"{drug.name} continues (until day {last} {_clock(end)})"
                )
            if rule.end_event:
                entries.setdefault(last, []).append(f"{rule.end_event} ({_clock(end)})")
    for event in phase.events:
        if cycle not in event.cycles:
            continue
        at = "all day" if event.time is None else event.time.strftime("%H:%M")
        for day in event.days:
            entries.setdefault(day, []).append(f"{event.title} ({at})")
    first = min([1, *entries])
    days = [d for d in range(first, _days_in(phase, start) + 1) if d != 0]
    out = [f"Cycle {cycle} of {phase.name!r}, day by day:"]
    i = 0
    while i < len(days):
        day = days[i]
        if day in entries:
            out.append(f"  {_label(day, start)}  {'; '.join(entries[day])}")
            i += 1
            continue
        j = i
        while j + 1 < len(days) and days[j + 1] not in entries:
            j += 1
        if i == j:
            out.append(f"  {_label(day, start)}  rest")
        else:
            out.append(f"  {_label(day, start)}  rest (days {day}-{days[j]})")
        i = j + 1
    return "\n".join(out)


def _clock(offset: timedelta) -> str:
    minutes = int(offset.total_seconds() // 60) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _days(rule: DoseRule) -> str:
    if rule.written_as == "every day":
        return "every day"
    text = rule.written_as if rule.weekdays is not None else format_day_list(rule.days)
    if rule.count is not None:
        text += f"; {rule.count} in all"
    return text


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _phase_start(regimen: Regimen, number: int) -> str:
    """When phase ``number`` (2 or later) starts, and why, in words."""
    before = regimen.phases[number - 2]
    if before.counted:
        end = f"the day after phase {number - 1}'s last counted dose"
    elif before.up_to is not None and before.cycles is None:
        end = f"the day after phase {number - 1}'s last cycle ends (or its up_to bound)"
    else:
        end = f"the day after phase {number - 1}'s last cycle ends"
    gap = before.gap_after
    if gap is None or gap.amount == 0:
        return f"starts {end}"
    return f"starts {gap} after {end.removeprefix('the day after ')} (gap_after)"


def _short_when(regimen: Regimen, phase: Phase, rule: DoseRule) -> str:
    if rule.after is not None:
        return _followed(regimen, phase, rule)
    if rule.every is not None:
        return f"every {format_duration(rule.every)} from {rule.time:%H:%M}"
    return ", ".join(t.strftime("%H:%M") for t in rule.times)


def _label(day: int, start: date | None) -> str:
    text = f"Day {day:>3}"
    if start is not None:
        text += f"  {format_date(cycle_date(start, day))}"
    return text
