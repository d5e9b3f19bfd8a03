"""Terminal views of a plan, drawn with rich: month grids (``--format calendar``) and a compact
list (``--format table``).

Every mark is a symbol or a word first and a colour second, so both views read the same without
colour (``NO_COLOR``, a pipe, a black-and-white printer): ``●`` dose, ``○`` blood test, ``◆``
appointment, ``·`` rest day, ``░`` rest week, ``×`` cancelled, ``!`` a warning to read (by
the day's number in a grid, listed under the grids).
"""

from __future__ import annotations

import io
import textwrap
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ..arguments import need, need_whole
from ..plan.clock import day_of, later_days
from ..plan.events import Event
from ..regimen.model import EventKind
from ..regimen.notation import format_date
from .planned import checked_planned
from .weeks import (
    default_week_start,
    delayed_days,
    month_weeks,
    months_between,
    need_week_start,
)

if TYPE_CHECKING:
    from .planned import Planned

__all__ = ["MARKS", "MAX_WIDTH", "MIN_WIDTH", "REST_DAY", "REST_WEEK", "to_calendar", "to_table"]

#: What each kind of event looks like in a cell or a row.
MARKS = {
    EventKind.DOSE: "●",
    EventKind.LAB: "○",
    EventKind.VISIT: "◆",
    EventKind.PRECAUTION: "△",
}
CANCELLED = "×"
DELAYED = "»"
FLAG = "!"
REST_DAY = "·"
RUNNING = "─"
REST_WEEK = "░"
#: A run of this many days or more without a dose is a rest week, not a rest day.
REST_WEEK_DAYS = 7
#: Narrower requests are drawn this wide: seven cells of three characters and their borders.
MIN_WIDTH = 36
#: The widest a terminal view is made: wider than any screen, and the bound keeps a caller's
#: mistake (a width of 10**9) from filling memory.
MAX_WIDTH = 1_000
#: The narrowest "What" column of a table: a mark and a few letters.
_MIN_WHAT = 8
#: Cells wider than this only add blank space.
_MAX_CELL = 24
#: Lines of events in one day's cell before the rest are counted as "+N more".
_MAX_LINES = 6

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_SHORT = {
    EventKind.DOSE: "dose",
    EventKind.LAB: "Test",
    EventKind.VISIT: "Visit",
    EventKind.PRECAUTION: "Note",
}
_STYLES = {
    EventKind.DOSE: "bold green",
    EventKind.LAB: "bold cyan",
    EventKind.VISIT: "bold magenta",
    EventKind.PRECAUTION: "yellow",
}


@dataclass(frozen=True)
class _Cycle:
    """Where one cycle lies on the calendar: ``first`` is its day 1, ``last`` its last day."""

    phase: int
    number: int
    first: date
    last: date


@dataclass(frozen=True)
class _Days:
    """A plan laid out by calendar day: what the grid and the legend need to know."""

    events: dict[date, list[Event]]
    """Doses, tests and appointments (cancelled ones too) by the day they start on."""
    running: dict[date, list[str]]
    """Drugs whose dose began on an earlier day and still runs that day (a 46-hour pump)."""
    precautions: list[Event]
    cycles: list[_Cycle]
    dosed: frozenset[date]
    """Days with a dose that still stands."""
    rest_days: frozenset[date]
    rest_weeks: frozenset[date]
    delayed: dict[date, str]
    """Days a course's delay left without their doses: a delay, never rest."""
    first: date | None
    last: date | None

    def label(self, day: date) -> str:
        """``C2 D1`` on a cycle's first day, ``D8`` on its other days, ``C1 D-1`` on a day
        before a cycle with events of that cycle, else empty."""
        for cycle in self.cycles:
            if cycle.first <= day <= cycle.last:
                offset = (day - cycle.first).days + 1
                return f"C{cycle.number} D1" if offset == 1 else f"D{offset}"
        for event in self.events.get(day, ()):
            if event.cycle is not None and event.day is not None:
                return f"C{event.cycle} D{event.day}"
        return ""


def _lay_out(planned: Planned) -> _Days:
    events: dict[date, list[Event]] = {}
    precautions = []
    for event in planned.events:
        if event.kind == EventKind.PRECAUTION:
            precautions.append(event)
        else:
            events.setdefault(day_of(event.start), []).append(event)
    cycles = _cycles(planned)
    running: dict[date, list[str]] = {}
    for event in planned.events:
        # A dose that runs past its day (a 46-hour pump) covers the days after it too.
        if event.kind != EventKind.DOSE or event.cancelled:
            continue
        for day in later_days(event.start, event.end):
            running.setdefault(day, []).append(event.drug or event.title)
    dosed = frozenset(
        day
        for day, todays in events.items()
        if any(e.kind == EventKind.DOSE and not e.cancelled for e in todays)
    ) | frozenset(running)
    rest_days: set[date] = set()
    rest_weeks: set[date] = set()
    if cycles:
        # Rest is any day without a dose from the first cycle's day 1 to the last cycle's last
        # day, gaps between phases included; a long enough run of it is a rest week.
        run: list[date] = []
        day = cycles[0].first
        end = max(c.last for c in cycles)
        while day <= end + timedelta(days=1):
            if day in dosed or day > end:
                (rest_weeks if len(run) >= REST_WEEK_DAYS else rest_days).update(run)
                run = []
            else:
                run.append(day)
            day += timedelta(days=1)
    delayed = delayed_days(planned.events)
    rest_days -= delayed.keys()
    rest_weeks -= delayed.keys()
    days = sorted(events)
    spans = [d for c in cycles for d in (c.first, c.last)]
    bounds = days + spans or [day_of(e.start) for e in precautions]
    return _Days(
        events=events,
        running=running,
        precautions=precautions,
        cycles=cycles,
        dosed=dosed,
        rest_days=frozenset(rest_days),
        rest_weeks=frozenset(rest_weeks),
        delayed=delayed,
        first=min(bounds) if bounds else None,
        last=max(bounds) if bounds else None,
    )


def _cycles(planned: Planned) -> list[_Cycle]:
    """Each cycle's day 1, found from its events' cycle days (the date most of them agree on:
    a dose moved off a closed day keeps its cycle day), and its last day: the day before the
    next cycle, or the end of the cycle's length."""
    votes: dict[tuple[int, int, str], Counter[date]] = {}
    phases_of = {}
    for event in planned.events:
        if event.cycle is None or event.day is None or event.cancelled:
            continue
        # Day -1 is the day before day 1: there is no day 0.
        offset = event.day - 1 if event.day > 0 else event.day
        regimen = planned.regimen_of(event)
        phases_of[regimen.id] = regimen.phases
        key = (event.phase_number or 1, event.cycle, regimen.id)
        votes.setdefault(key, Counter())[day_of(event.start) - timedelta(days=offset)] += 1
    starts = sorted(
        (min(counts.items(), key=lambda item: (-item[1], item[0]))[0], key)
        for key, counts in votes.items()
    )
    out = []
    for i, (first, (phase, number, made_by)) in enumerate(starts):
        phases = phases_of[made_by]
        length = phases[phase - 1].days_from(first) if 0 < phase <= len(phases) else 1
        last = first + timedelta(days=length - 1)
        if i + 1 < len(starts):
            last = min(last, starts[i + 1][0] - timedelta(days=1))
        out.append(_Cycle(phase=phase, number=number, first=first, last=max(first, last)))
    return out


def _console(width: int, color: bool) -> tuple[Console, io.StringIO]:
    """A console drawing into a string: ANSI styles only with ``color``, and no environment
    variable (``FORCE_COLOR``, ``COLUMNS``, ``TERM``) second-guessing the caller."""
    out = io.StringIO()
    console = Console(
        file=out,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        legacy_windows=False,
        _environ={},
    )
    return console, out


def _finish(out: io.StringIO, color: bool) -> str:
    text = out.getvalue()
    if not color:
        text = "\n".join(line.rstrip() for line in text.splitlines())
    return text.rstrip("\n") + "\n"


def _fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, ending in ``…`` when cut."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return text[:width]
    while cell_len(text) > width - 1:
        text = text[:-1]
    return text + "…"


def _abbreviations(names: Iterable[str]) -> dict[str, str]:
    """``Aldesleukin`` -> ``ALD``: the shortest capitalised prefix (at least three letters)
    that tells each drug of the plan apart."""
    unique = sorted(set(names))
    out = {}
    for name in unique:
        letters = "".join(ch for ch in name if ch.isalnum()) or name
        size = min(3, len(letters))
        while size < len(letters) and any(
            other != name and "".join(ch for ch in other if ch.isalnum())[:size] == letters[:size]
            for other in unique
        ):
            size += 1
        out[name] = letters[:size].upper()
    return out


@dataclass(frozen=True)
class _Look:
    """How much a cell of ``width`` characters can say, decided once for the whole calendar so
    every cell says it the same way."""

    width: int
    names: dict[str, str]
    """Drug name -> what a cell writes for it (the name, its abbreviation, or nothing)."""
    times: bool
    abbreviated: bool

    @classmethod
    def choose(cls, width: int, drugs: Sequence[str]) -> _Look:
        full = {name: name for name in drugs}
        short = _abbreviations(drugs)
        longest = max((cell_len(n) for n in drugs), default=0)
        longest_short = max((cell_len(n) for n in short.values()), default=0)
        mark = 2
        if width >= mark + 6 + longest:  # "● 09:00 Aldesleukin"
            return cls(width, full, times=True, abbreviated=False)
        if width >= mark + 6 + longest_short:  # "● 09:00 ALD"
            return cls(width, short, times=True, abbreviated=True)
        if width >= mark + longest_short:  # "● ALD"
            return cls(width, short, times=False, abbreviated=True)
        return cls(width, {}, times=False, abbreviated=False)


def _event_line(event: Event, look: _Look, color: bool) -> Text:
    mark = CANCELLED if event.cancelled else MARKS[event.kind]
    at = [f"{event.start:%H:%M}"] if look.times and isinstance(event.start, datetime) else []
    if event.kind == EventKind.DOSE:
        name = look.names.get(event.drug or "", "")
        choices = [[mark, *at, name] if name else [mark, *at]]
    else:
        # "Blood test" where it fits, else the short word, else the mark alone.
        choices = [[mark, *at, event.kind.label], [mark, *at, _SHORT[event.kind]],
                   [mark, _SHORT[event.kind]], [mark]]  # fmt: skip
    text = next(
        (" ".join(c) for c in choices if cell_len(" ".join(c)) <= look.width),
        " ".join(choices[-1]),
    )
    style = ""
    if color:
        style = "red strike" if event.cancelled else _STYLES[event.kind]
    return Text(_fit(text, look.width), style=style)


def _rest_line(kind: str, width: int, color: bool) -> Text:
    if kind == "week":
        # A band of shading as well as the words, so a rest week reads as one block.
        words = f"{REST_WEEK} rest week"
        if width >= cell_len(words) + 2:
            text = words + " " + REST_WEEK * (width - cell_len(words) - 1)
        else:
            text = words if width >= cell_len(words) else f"{REST_WEEK} rest"
            text = text if width >= 6 else REST_WEEK * width
    else:
        text = f"{REST_DAY} rest" if width >= 6 else REST_DAY
    return Text(text, style="dim" if color else "")


def _cell(day: date, month: int, days: _Days, look: _Look, color: bool) -> Text:
    if day.month != month:
        return Text("")
    width = look.width
    todays = days.events.get(day, [])
    # A warning marks the day, next to its number; the list under the grids says what it is.
    number = f"{day.day:>2}" + (FLAG if any(e.flag for e in todays) else "")
    label = days.label(day)
    if label and cell_len(number) + 1 + cell_len(label) > width:
        label = label.split()[0] if label.startswith("C") else ""
        if cell_len(number) + 1 + cell_len(label) > width:
            label = ""
    cell = Text(number, style="bold" if color else "")
    if color and FLAG in number:
        cell.stylize("bold red", 2)
    if label:
        gap = width - cell_len(number) - cell_len(label)
        cell.append(" " * gap + label, style="bold" if color and " D1" in label else "")
    shown = todays if len(todays) <= _MAX_LINES else todays[: _MAX_LINES - 1]
    for event in shown:
        cell.append("\n")
        cell.append_text(_event_line(event, look, color))
    if len(shown) < len(todays):
        cell.append("\n" + _fit(f"+{len(todays) - len(shown)} more", width))
    for drug in dict.fromkeys(days.running.get(day, ())):
        name = look.names.get(drug, "")
        choices = [f"{RUNNING} {name} runs", f"{RUNNING} {name}"] if name else [f"{RUNNING} runs"]
        text = next((c for c in choices if cell_len(c) <= width), RUNNING)
        cell.append("\n")
        cell.append(_fit(text, width), style=_STYLES[EventKind.DOSE] if color else "")
    if day in days.delayed:  # also beside a dose taken before the delay was decided
        cell.append("\n")
        text = f"{DELAYED} delayed" if width >= 9 else DELAYED
        cell.append(_fit(text, width), style="bold yellow" if color else "")
    elif day in days.rest_weeks or day in days.rest_days:
        cell.append("\n")
        cell.append_text(_rest_line("week" if day in days.rest_weeks else "day", width, color))
    return cell


def _month(year: int, month: int, week_start: int, days: _Days, look: _Look, pad: int,
           color: bool) -> Table:  # fmt: skip
    table = Table(
        title=Text(f"{_MONTHS[month - 1]} {year}", style="bold" if color else ""),
        box=box.SQUARE,
        show_lines=True,
        padding=(0, pad),
        expand=False,
    )
    for i in range(7):
        name = _WEEKDAYS[(week_start + i) % 7]
        table.add_column(
            name if look.width >= 3 else name[:2],
            width=look.width,
            no_wrap=True,
            overflow="ellipsis",
        )
    for week in month_weeks(year, month, week_start):
        table.add_row(*(_cell(day, month, days, look, color) for day in week))
    return table


def _heading(planned: Planned, days: _Days, week_start: int) -> list[str]:
    lines = [planned.name]
    starts = []
    for cycle in days.cycles:
        if cycle.number == 1:
            phase = ""
            if len(planned.regimen.phases) > 1 and 0 < cycle.phase <= len(planned.regimen.phases):
                phase = f" of {planned.regimen.phases[cycle.phase - 1].name!r}"
            starts.append(f"Cycle 1{phase} day 1: {format_date(cycle.first)}")
    starts.append(f"times in {planned.zone.key}")
    starts.append(f"weeks start on {'Sunday' if week_start == 6 else 'Monday'}")
    lines.append(" · ".join(starts))
    return lines


def _precaution_lines(precautions: Sequence[Event]) -> list[str]:
    out = []
    for event in precautions:
        first, last = day_of(event.start), day_of(event.end) - timedelta(days=1)
        when = (
            format_date(first)
            if first == last
            else f"every day from {format_date(first)} to {format_date(last)}"
        )
        out.append(f"{MARKS[EventKind.PRECAUTION]} {event.title}: {when}")
    return out


def _flag_lines(events: Iterable[Event]) -> list[str]:
    return [
        f"{FLAG} {format_date(day_of(e.start))}, {_what(e)}: {e.flag}" for e in events if e.flag
    ]


def _checked(
    planned: object, width: object, color: object, week_start: object
) -> tuple[Planned, int, int | None]:
    need(color, bool, "color", "True or False")
    return (
        checked_planned(planned),
        need_whole(width, "width", 1, MAX_WIDTH),
        need_week_start(week_start),
    )


def to_calendar(planned: Planned, *, width: int, color: bool, week_start: int | None) -> str:
    """The plan as month grids, one per month from its first event (or cycle) to its last, at
    most ``width`` columns wide (at least :data:`MIN_WIDTH`); ``week_start`` 0 = Monday,
    6 = Sunday, None = by the zone's country. Each day's cell shows its date and cycle day,
    its doses (time, drug), tests and appointments, and whether it is a rest day or part of a
    rest week; a legend, the precautions and any warnings follow the grids. Without ``color``
    the text has no escape codes and says everything with symbols and words. ArgumentError for
    an argument of the wrong type or value (``width`` above :data:`MAX_WIDTH`), naming it."""
    planned, width, week_start = _checked(planned, width, color, week_start)
    width = max(width, MIN_WIDTH)
    first_day = week_start if week_start is not None else default_week_start(planned.zone.key)
    days = _lay_out(planned)
    pad = 1 if (width - 8) // 7 >= 7 else 0
    cell = min((width - 8) // 7 - 2 * pad, _MAX_CELL)
    drugs = [e.drug for e in planned.events if e.kind == EventKind.DOSE and e.drug]
    look = _Look.choose(cell, list(dict.fromkeys(drugs)))
    console, out = _console(width, color)
    for line in _heading(planned, days, first_day):
        console.print(Text(line, style="bold" if color and line == planned.name else ""))
    if days.first is None or days.last is None:
        console.print("Nothing is planned.")
        return _finish(out, color)
    for year, month in months_between(days.first, days.last):
        console.print()
        console.print(_month(year, month, first_day, days, look, pad, color))
    console.print()
    legend = [
        f"{MARKS[EventKind.DOSE]} dose"
        + (" (time, drug)" if look.times else " (drug)" if look.names else ""),
        f"{MARKS[EventKind.LAB]} blood test",
        f"{MARKS[EventKind.VISIT]} appointment",
        *([f"{RUNNING} a dose still running"] if days.running else []),
        f"{REST_DAY} rest day",
        f"{REST_WEEK} rest week ({REST_WEEK_DAYS} or more days without a dose)",
        *([f"{DELAYED} delayed (a course change moved its doses later)"] if days.delayed else []),
        "C2 D1 cycle 2, day 1",
    ]
    if any(e.cancelled for e in planned.events):
        legend.append(f"{CANCELLED} cancelled")
    if any(e.flag for e in planned.events):
        legend.append(f"{FLAG} see the warnings below")
    console.print("Key: " + "  ".join(legend))
    if look.abbreviated:
        names = ", ".join(f"{short} {name}" for name, short in look.names.items())
        console.print(f"Drugs: {names}")
    if days.precautions:
        console.print("Precautions (not drawn in the grid):")
        for line in _precaution_lines(days.precautions):
            console.print(textwrap.fill(line, console.width, initial_indent="  ",
                                        subsequent_indent="    "))  # fmt: skip
    warnings = _flag_lines(planned.events)
    if warnings:
        console.print("Warnings:")
        for line in warnings:
            console.print("  " + line)
    return _finish(out, color)


def _what(event: Event) -> str:
    """The event's title without the ``— cycle 1, day 1`` the cycle column already says."""
    return event.title.split(" — ")[0] if event.cycle is not None else event.title


def _cycle_text(event: Event, phases: int) -> str:
    if event.cycle is None or event.day is None:
        return ""
    text = f"C{event.cycle} D{event.day}"
    return f"P{event.phase_number} {text}" if phases > 1 and event.phase_number else text


def to_table(planned: Planned, *, width: int, color: bool, week_start: int | None) -> str:
    """The plan as a list, one line per event in date order: the date with its weekday, the
    time or ``all day``, what happens, and the cycle and cycle day (``P2 C1 D5`` when the
    regimen has several phases); precautions are one line each, from their first day, with
    their last day (inclusive) before their title.
    At most ``width`` columns wide, or as wide as the date, time and cycle columns and eight
    characters of the rest need (about 44; they are never cut); ``week_start`` is accepted
    for symmetry with :func:`to_calendar` and not needed by a list. ArgumentError as
    :func:`to_calendar`."""
    planned, width, week_start = _checked(planned, width, color, week_start)
    del week_start
    width = max(width, MIN_WIDTH)
    phases = len(planned.regimen.phases)
    rows: list[tuple[str, str, Text, str]] = []
    for event in planned.events:
        start = day_of(event.start)
        at = "all day" if event.all_day or not isinstance(event.start, datetime) else ""
        at = at or f"{event.start:%H:%M}"
        mark = CANCELLED if event.cancelled else MARKS[event.kind]
        what = f"{mark} {_what(event)}"
        if event.kind == EventKind.PRECAUTION and day_of(event.end) - start > timedelta(days=1):
            # The last day first, so a narrow table cuts the title rather than the date.
            last = format_date(day_of(event.end) - timedelta(days=1))
            what = f"{mark} until {last}: {_what(event)}"
        if event.cancelled and not event.title.startswith("Cancelled"):
            what += " (cancelled)"
        if event.moved_from is not None and not event.cancelled:
            what += f" (moved from {format_date(day_of(event.moved_from))})"
        if event.flag:
            what += f" {FLAG} {event.flag}"
        style = ("red strike" if event.cancelled else _STYLES[event.kind]) if color else ""
        rows.append((format_date(start), at, Text(what, style=style), _cycle_text(event, phases)))
    date_width = max((len(r[0]) for r in rows), default=4)
    time_width = max((len(r[1]) for r in rows), default=4)
    cycle_width = max([len(r[3]) for r in rows] + [len("Cycle")])
    # Dates, times and cycle days are never cut: a narrower request gets a wider table.
    width = max(width, date_width + time_width + cycle_width + 6 + _MIN_WHAT)
    what_width = width - date_width - time_width - cycle_width - 6
    table = Table(
        box=None,
        padding=(0, 2, 0, 0),
        pad_edge=False,
        show_edge=False,
        header_style="bold" if color else "",
        expand=False,
    )
    table.add_column("Date", width=date_width, no_wrap=True)
    table.add_column("Time", width=time_width, no_wrap=True)
    table.add_column("What", width=what_width, no_wrap=True, overflow="ellipsis")
    table.add_column("Cycle", width=cycle_width, no_wrap=True)
    for row in rows:
        table.add_row(*row)
    console, out = _console(width, color)
    console.print(Text(planned.name, style="bold" if color else ""))
    console.print(table)
    if phases > 1:
        console.print(
            "  ".join(f"P{i} {phase.name}" for i, phase in enumerate(planned.regimen.phases, 1))
        )
    return _finish(out, color)
