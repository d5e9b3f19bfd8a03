"""Regimens in words, the way oncology writes them, and one cycle day by day."""

from __future__ import annotations

from datetime import date

from .model import Phase, Regimen
from .notation import cycle_date, format_date, format_day_list, format_duration

__all__ = ["cycle_summary", "describe", "one_cycle"]


def cycle_summary(regimen: Regimen) -> str:
    """``35 days, until stopped`` / ``14 days × 12`` for each phase, joined by `` then ``."""
    parts = []
    for phase in regimen.phases:
        count = "until stopped" if phase.cycles is None else f"× {phase.cycles}"
        parts.append(f"{phase.cycle_days} days {count}")
    return " then ".join(parts)


def describe(regimen: Regimen) -> str:
    """The regimen in words: what, how, when, for how long, and from which source."""
    out = [f"{regimen.id}: {regimen.name}", f"Indication: {regimen.indication}"]
    for drug in regimen.drugs:
        out.append(f"Drug: {drug.name}, {drug.route} ({drug.route_abbrev}): {drug.route_words}")
    for phase in regimen.phases:
        count = (
            "repeated until stopped (the number of cycles is set when the plan is made)"
            if phase.cycles is None
            else f"{phase.cycles} cycle" + ("s" if phase.cycles != 1 else "")
        )
        out.append(f"Phase {phase.name!r}: {phase.cycle_days}-day cycles, {count}")
        for rule in phase.doses:
            drug = regimen.drug(rule.drug)
            out.append(
                f"  {drug.name} {drug.route_abbrev}, days {format_day_list(rule.days)} "
                f"(written: {rule.written_as}) at {rule.time.strftime('%H:%M')}, "
                f"over {format_duration(rule.duration)}"
            )
        for event in phase.events:
            at = "all day" if event.time is None else event.time.strftime("%H:%M")
            out.append(
                f"  {event.title} ({event.kind.label}), day {format_day_list(event.days)}, {at}"
            )
    for precaution in regimen.precautions:
        after = (
            f"{precaution.after_last_dose} after the last dose"
            if precaution.after_last_dose
            else "an unstated time after the last dose (ask the team)"
        )
        start = "from the first dose" if precaution.during_treatment else "after the last dose"
        out.append(f"Precaution: {precaution.title}, {start} until {after}")
    out.append(
        f"Source: {regimen.source}" + (f" <{regimen.source_url}>" if regimen.source_url else "")
    )
    if regimen.notes:
        out.append("Notes:")
        out.extend(f"  {line}" if line else "" for line in regimen.notes.splitlines())
    return "\n".join(out)


def one_cycle(regimen: Regimen, phase: Phase, start: date | None = None) -> str:
    """Cycle 1 of ``phase`` day by day; runs of rest days collapse to one line."""
    entries: dict[int, list[str]] = {}
    for rule in phase.doses:
        drug = regimen.drug(rule.drug)
        for day in rule.days:
            entries.setdefault(day, []).append(
                f"{drug.name} {drug.route_abbrev} {rule.time.strftime('%H:%M')}"
            )
    for event in phase.events:
        at = "all day" if event.time is None else event.time.strftime("%H:%M")
        for day in event.days:
            entries.setdefault(day, []).append(f"{event.title} ({at})")
    first = min([1, *entries])
    days = [d for d in range(first, phase.cycle_days + 1) if d != 0]
    out = [f"Cycle 1 of {phase.name!r}, day by day:"]
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


def _label(day: int, start: date | None) -> str:
    text = f"Day {day:>3}"
    if start is not None:
        text += f"  {format_date(cycle_date(start, day))}"
    return text
