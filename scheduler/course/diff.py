"""What changed between two versions of a plan, in words a nurse would say:
"Cycle 2 moves from Mon 8 Feb 2027 to Mon 15 Feb 2027: 20 doses and 2 blood tests shift by
7 days"; "the live-vaccine precaution now ends Sun 12 Mar 2028". Events are matched by UID,
which names what an event is (course, cycle, day, slot), never its date."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PlanError
from ..plan.events import Event
from ..regimen.notation import format_date
from .wording import days

if TYPE_CHECKING:
    from ..plan.closures import Closures
    from ..regimen.model import Regimen

__all__ = ["Item", "closure_moves", "describe_changes", "diff_files", "items_from_events",
           "items_from_ics"]  # fmt: skip

_PLURAL = {"Dose": "doses", "Blood test": "blood tests", "Appointment": "appointments",
           "Precaution": "precautions"}  # fmt: skip


@dataclass(frozen=True)
class Item:
    """The part of an event that a change can touch."""

    uid: str
    title: str
    category: str
    start: date | datetime
    end: date | datetime
    cycle: int | None
    cancelled: bool
    day: int | None = None


def items_from_events(events: Iterable[Event]) -> list[Item]:
    return [
        Item(e.uid, e.title, e.kind.label, e.start, e.end, e.cycle, e.cancelled, e.day)
        for e in events
    ]


def items_from_ics(path: str | Path) -> list[Item]:
    """Events of an .ics file (recurring series count as one item each)."""
    import icalendar

    from ..files import MAX_CALENDAR_BYTES, read_bytes

    data = read_bytes(path, limit=MAX_CALENDAR_BYTES, what="calendar file")
    try:
        calendar = icalendar.Calendar.from_ical(data)
        return _items(calendar)
    except Exception as err:  # icalendar reports unreadable files in many ways
        raise PlanError(
            f"{path} is neither a course file nor a readable .ics file ({err})"
        ) from None


def _items(calendar: Any) -> list[Item]:
    out = []
    vevent: Any
    for vevent in calendar.walk("VEVENT"):
        title = str(vevent.get("SUMMARY", ""))
        match = re.search(r"\bcycle (\d+)\b", title)
        categories = vevent.categories
        out.append(
            Item(
                uid=str(vevent["UID"]),
                title=title,
                category=str(categories[0]) if categories else "Event",
                start=vevent.start,
                end=vevent.end,
                cycle=int(match.group(1)) if match else None,
                cancelled=str(vevent.get("STATUS", "")).upper() == "CANCELLED",
                day=int(day.group(1)) if (day := re.search(r"\bday (-?\d+)\b", title)) else None,
            )
        )
    return out


def diff_files(old: str | Path, new: str | Path) -> list[str]:
    """What changed from ``old`` to ``new`` (two course files or two .ics files), in words.

    Refuses two files that share no event: they are not versions of one plan, and a list of
    everything "removed" and "added" would hide that.
    """
    before, after = _items_of(old), _items_of(new)
    if before and after and not {i.uid for i in before} & {i.uid for i in after}:
        raise PlanError(
            f"{old} and {new} share no event: they are not two versions of one plan "
            "(diff compares a course or calendar with an earlier version of itself)"
        )
    return describe_changes(before, after)


def _items_of(path: str | Path) -> list[Item]:
    from .file import is_course_file, load_course
    from .replan import plan_course

    if is_course_file(path):
        return items_from_events(plan_course(load_course(path))[2])
    return items_from_ics(path)


def describe_changes(old: Sequence[Item], new: Sequence[Item]) -> list[str]:
    """One line per change, in time order; ``["No changes."]`` if none."""
    before = {i.uid: i for i in old if not i.cancelled}
    after = {i.uid: i for i in new if not i.cancelled}
    moved: dict[tuple[int | None, int], list[tuple[Item, Item]]] = {}
    retimed: dict[tuple[int | None, str, str], list[Item]] = {}
    lines: list[tuple[date, str]] = []
    for uid, was in before.items():
        now = after.get(uid)
        if now is None:
            continue
        shift = (_day(now.start) - _day(was.start)).days
        if was.category == "Precaution":
            if now.end != was.end or now.start != was.start:
                lines.append((_day(now.end), f"{now.title}: now {_span(now)} (was {_span(was)})"))
            continue
        if shift:
            moved.setdefault((was.cycle, shift), []).append((was, now))
        elif _clock(now.start) != _clock(was.start):
            retimed.setdefault((was.cycle, _clock(was.start), _clock(now.start)), []).append(now)
        elif now.title != was.title or now.end != was.end:
            lines.append(
                (
                    _day(now.start),
                    f"Changed: {was.title} on {format_date(_day(now.start))} is now {now.title!r}",
                )
            )
    for (cycle, shift), pairs in moved.items():
        # A cycle "moves from" its first day: day 1 if it is among the moved, not a day -1 test.
        in_cycle = [(w, n) for w, n in pairs if w.day is not None and w.day >= 1] or pairs
        olds = sorted(_day(w.start) for w, _ in in_cycle)
        news = sorted(_day(n.start) for _, n in in_cycle)
        what = _count(n for _, n in pairs)
        direction = "later" if shift > 0 else "earlier"
        if cycle is not None and len(pairs) > 1:
            text = (f"{_part(cycle, pairs, before)} moves from {format_date(olds[0])} to "
                    f"{format_date(news[0])}: {what} shift by {days(abs(shift))}")  # fmt: skip
        else:
            (was, now), *_ = pairs
            text = (f"{was.title} moves from {format_date(_day(was.start))} to "
                    f"{format_date(_day(now.start))} ({days(abs(shift))} {direction})")  # fmt: skip
            if len(pairs) > 1:
                text = f"{what} move {days(abs(shift))} {direction}, from {format_date(olds[0])}"
        lines.append((olds[0], text))
    for (cycle, was_time, now_time), items in retimed.items():
        where = f"Cycle {cycle}: " if cycle is not None else ""
        first = min(_day(i.start) for i in items)
        lines.append(
            (
                first,
                f"{where}{_count(items)} move from {was_time} to {now_time} (from {format_date(first)})",
            )
        )
    removed = [i for uid, i in before.items() if uid not in after]
    added = [i for uid, i in after.items() if uid not in before]
    lines += _listed("Removed", removed)
    lines += _listed("Added", added)
    if not lines:
        return ["No changes."]
    return [text for _, text in sorted(lines, key=lambda pair: pair[0])]


def _part(cycle: int, pairs: list[tuple[Item, Item]], before: dict[str, Item]) -> str:
    """What of a cycle moved: ``Cycle 3`` when all of it did (its days from day 1), else
    ``Cycle 3, day 1`` (one day) or ``Cycle 2 from day 9`` (the rest of it)."""
    moved = {w.uid for w, _ in pairs}
    rest = [i for i in before.values() if i.cycle == cycle and i.category != "Precaution"
            and i.day is not None and i.day >= 1 and i.uid not in moved]  # fmt: skip
    if not rest:
        return f"Cycle {cycle}"
    on = sorted({w.day for w, _ in pairs if w.day is not None})
    if len(on) == 1:
        return f"Cycle {cycle}, day {on[0]}"
    return f"Cycle {cycle} from day {on[0]}" if on else f"Part of cycle {cycle}"


def _listed(verb: str, items: list[Item]) -> list[tuple[date, str]]:
    out = []
    by_cycle: dict[int | None, list[Item]] = {}
    for item in items:
        by_cycle.setdefault(item.cycle, []).append(item)
    for cycle, group in by_cycle.items():
        group.sort(key=lambda i: _day(i.start))
        if len(group) <= 3:
            out += [
                (_day(i.start), f"{verb}: {i.title} ({format_date(_day(i.start))})") for i in group
            ]
        else:
            where = f"Cycle {cycle}" if cycle is not None else "Events"
            out.append((_day(group[0].start), f"{where}: {_count(group)} {verb.lower()} "
                        f"({format_date(_day(group[0].start))} to {format_date(_day(group[-1].start))})"))  # fmt: skip
    return out


def _count(items: Iterable[Item]) -> str:
    counts: dict[str, int] = {}
    for item in sorted(
        items, key=lambda i: list(_PLURAL).index(i.category) if i.category in _PLURAL else 9
    ):
        counts[item.category] = counts.get(item.category, 0) + 1
    parts = [
        f"{n} {_PLURAL.get(c, c.lower() + 's') if n != 1 else c.lower()}" for c, n in counts.items()
    ]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


def _span(item: Item) -> str:
    last = _day(item.end)
    if isinstance(item.end, date) and not isinstance(item.end, datetime):
        from datetime import timedelta

        last = item.end - timedelta(days=1)
    if last == _day(item.start):
        return format_date(last)
    return f"{format_date(_day(item.start))} to {format_date(last)}"


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _clock(value: date | datetime) -> str:
    return value.strftime("%H:%M") if isinstance(value, datetime) else "all day"


def closure_moves(regimen: Regimen, start: date, closures: Closures) -> list[str]:
    """What closed clinic days do to cycle 1 starting on ``start``, in the words of a diff
    between cycle 1 planned without them and with them, then the closed days that moved
    something and why: what ``show`` prints, so that it agrees with ``plan`` given the same
    closures. Empty when nothing moves. Raises PlanError as planning does."""
    from datetime import UTC

    from ..plan.clock import day_of
    from ..plan.engine import PlanOptions, expand

    # Days, not clock times, are what closures move: any zone gives the same dates.
    open_clinic = PlanOptions(start=start, zone=UTC, cycles=1)
    before = expand(regimen, open_clinic)
    after = expand(regimen, PlanOptions(start=start, zone=UTC, cycles=1, closures=closures))
    lines = describe_changes(items_from_events(before), items_from_events(after))
    if lines == ["No changes."]:
        return []
    now = {e.uid: e for e in after}
    hit = sorted({day_of(e.start) for e in before if e.uid in now
                  and (now[e.uid].start != e.start or now[e.uid].flag)})  # fmt: skip
    why = [f"{format_date(d)} ({reason})" for d in hit if (reason := closures.reason(d))]
    return lines + ([f"Closed: {', '.join(why)}"] if why else [])
