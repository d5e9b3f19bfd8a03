"""How oncology writes schedules, read into plain values: day lists, on/off patterns, times, durations.

Each reader takes the text as a clinician wrote it and returns a value or raises ``ValueError``
whose message states the bad text and what is allowed; the loader adds file, line and field.

Day numbering (the one convention everywhere in this package): day 1 is the first day of a
cycle, day 2 the next, and day -1 the day *before* day 1 (so cycle day -1 is the last day of
the previous cycle). There is no day 0: systems that count from 0 are exactly the ambiguity a
dose calendar must not have, so 0 is refused with an explanation.
"""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from functools import lru_cache

from ..words import plural

__all__ = [
    "blocks",
    "cycle_date",
    "day_offset",
    "format_date",
    "format_day_list",
    "format_duration",
    "format_elapsed",
    "format_relative",
    "parse_cycle_set",
    "parse_day_list",
    "parse_duration",
    "parse_pattern",
    "parse_period",
    "parse_relative",
    "parse_time",
    "parse_weekday",
    "parse_weekday_set",
    "parse_window_cap",
    "weekday_name",
    "written_in_days",
]

#: No cycle is longer than a year: day numbers and pattern lengths are bounded by this before
#: anything is expanded, so "1-2000000000" is refused at once instead of filling memory.
MAX_DAY = 366
#: The longest duration (infusion, interval, reminder): a year.
MAX_DURATION = timedelta(days=366)
#: The longest calendar period (a precaution "12 months after"; a phase "up to 24 months").
MAX_PERIOD_YEARS = 100
_PERIOD_LIMITS = {"days": 36_600, "weeks": 5_220, "months": 1_200, "years": MAX_PERIOD_YEARS}

_DAY_ITEM = re.compile(r"^\s*(-?\d{1,12})\s*(?:(?:-|–|to)\s*(-?\d{1,12})\s*)?$")


def parse_day_list(text: str | int | list[object]) -> tuple[int, ...]:
    """Read ``"1-5, 8-12, 15-19, 22-26"`` (or a TOML list of such items) into sorted unique days.

    Ranges are inclusive, as oncology writes them; ``-1`` is the day before day 1. A range may
    run within the negative days (``"-3 to -1"``) but not across 0.
    """
    items: list[object]
    if isinstance(text, bool):
        raise ValueError(f'expected days like "1-5, 8", got {text!r}')
    if isinstance(text, int):
        items = [text]
    elif isinstance(text, str):
        items = [part for part in text.split(",")]
    elif isinstance(text, list):
        items = list(text)
    else:
        raise ValueError(f'expected days like "1-5, 8", got {text!r}')
    if not items or all(isinstance(i, str) and not i.strip() for i in items):
        raise ValueError('the day list is empty (write days like "1-5, 8, 15")')
    days: set[int] = set()
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int | str):
            raise ValueError(f'{item!r} is not a day (write days like "1-5, 8")')
        if isinstance(item, int):
            first = last = item
        else:
            match = _DAY_ITEM.match(item)
            if not match:
                raise ValueError(
                    f"{item.strip()!r} is not a day or a range of days "
                    '(write "1-5, 8, 15"; use "-1" for the day before day 1)'
                )
            first = int(match.group(1))
            last = int(match.group(2)) if match.group(2) is not None else first
        if max(abs(first), abs(last)) > MAX_DAY:
            raise ValueError(
                f"day {max(first, last, key=abs)} is out of range: no cycle is longer than "
                f"{MAX_DAY} days (days run from -{MAX_DAY} to {MAX_DAY})"
            )
        if first == 0 or last == 0 or (first < 0 < last):
            raise ValueError(
                "there is no day 0: day 1 is the first day of the cycle and -1 the day before it"
            )
        if last < first:
            raise ValueError(f"the range {first} to {last} runs backwards")
        days.update(range(first, last + 1))
    return tuple(sorted(days))


@lru_cache(maxsize=1024)
def blocks(days: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Runs of consecutive days: (1,2,3,5) -> ((1,2,3),(5,)); (-1,1,2) is one run, as day -1 is
    the day before day 1. Cached: rules and cycles share their day lists, and the engine asks
    once per cycle."""
    out: list[list[int]] = []
    for day in days:
        if out and day_offset(out[-1][-1]) == day_offset(day) - 1:
            out[-1].append(day)
        else:
            out.append([day])
    return tuple(tuple(block) for block in out)


def format_day_list(days: tuple[int, ...] | list[int]) -> str:
    """The inverse of :func:`parse_day_list`, collapsing runs: ``(1,2,3,5)`` -> ``"1-3, 5"``."""
    out: list[str] = []
    ordered = sorted(days)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1 and ordered[j + 1] != 0:
            j += 1
        out.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ", ".join(out)


_SEGMENT_ITEM = re.compile(r"^(\d{1,9})\s*(on|off)$")
_REPEAT = re.compile(
    r"^(?:x|×|\*)\s*(\d{1,9})$|^(\d{1,9})\s*(?:x|×|times)$|^repeat(?:ed)?\s+(\d{1,9})\s*times$"
)


def parse_pattern(text: str) -> tuple[tuple[int, ...], int]:
    """Read an on/off pattern such as ``"5 on, 2 off, x4, then 7 off"``.

    Grammar: segments joined by ``then``; a segment is a comma list of ``N on`` / ``N off``,
    optionally ended by ``x K`` (or ``×K``), which repeats that segment K times. Returns the dose
    days (1-based) and the total length in days, which the caller checks against the cycle.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError('the pattern is empty (write e.g. "5 on, 2 off, x4, then 7 off")')
    days: list[int] = []
    position = 0
    for raw_segment in re.split(r"\bthen\b", text.strip().lower()):
        parts = [p.strip() for p in raw_segment.split(",") if p.strip()]
        if not parts:
            raise ValueError(f'empty step in the pattern {text!r} (nothing between "then"s)')
        repeat = 1
        match = _REPEAT.match(parts[-1])
        if match:
            repeat = int(next(g for g in match.groups() if g is not None))
            parts = parts[:-1]
            if repeat > MAX_DAY:
                raise ValueError(f"x{repeat} repeats more than a cycle can hold ({MAX_DAY} days)")
            if repeat < 1:
                raise ValueError(f"a pattern repeat must be at least x1, got x{repeat}")
            if not parts:
                raise ValueError(f"the repeat in {raw_segment.strip()!r} has nothing to repeat")
        steps: list[tuple[int, bool]] = []
        for part in parts:
            step = _SEGMENT_ITEM.match(part)
            if not step:
                raise ValueError(
                    f'{part!r} is not a pattern step (allowed: "N on", "N off", "xK", '
                    '"then"; e.g. "5 on, 2 off, x4, then 7 off")'
                )
            length = int(step.group(1))
            if length < 1:
                raise ValueError(f"a pattern step must last at least 1 day, got {part!r}")
            if length > MAX_DAY:
                raise ValueError(f"{part!r} is longer than a cycle can be ({MAX_DAY} days)")
            steps.append((length, step.group(2) == "on"))
        if position + repeat * sum(length for length, _ in steps) > MAX_DAY:
            raise ValueError(
                f"the pattern {text.strip()!r} covers more than {MAX_DAY} days, the longest cycle"
            )
        for _ in range(repeat):
            for length, on in steps:
                if on:
                    days.extend(range(position + 1, position + length + 1))
                position += length
    if not days:
        raise ValueError(f'the pattern {text!r} has no dose days (no "N on" step)')
    return tuple(days), position


_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def parse_time(text: object) -> time:
    """Read a 24-hour clock time ``"HH:MM"`` (``"09:00"``, ``"20:30"``)."""
    if isinstance(text, time):
        if text.second or text.microsecond or text.tzinfo is not None:
            raise ValueError(
                f"{text.isoformat()} is not a time in whole minutes (write HH:MM, e.g. 09:00)"
            )
        return text
    match = _TIME.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(
            f"{text!r} is not a time of day (write HH:MM on the 24-hour clock, e.g. 09:00)"
        )
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise ValueError(
            f"{text!r} is not a time of day (hours 00-23, minutes 00-59, e.g. 09:00 or 20:30)"
        )
    return time(hour, minute)


_DURATION_UNITS = {
    "m": 1, "min": 1, "mins": 1, "minute": 1, "minutes": 1,
    "h": 60, "hr": 60, "hrs": 60, "hour": 60, "hours": 60,
    "d": 1440, "day": 1440, "days": 1440,
    "w": 10080, "wk": 10080, "week": 10080, "weeks": 10080,
}  # fmt: skip
_DURATION_PART = re.compile(r"(\d{1,9})\s*([a-z]+)")
_ISO_DURATION = re.compile(r"^P(?:(\d{1,9})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?)?$")


def parse_duration(text: object) -> timedelta:
    """Read a duration: ``"15m"``, ``"2 h"``, ``"1h30m"``, ``"46 hours"``, ``"1 day"``, ``"PT15M"``."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f'{text!r} is not a duration (write e.g. "15m", "2h", "1h30m", "46h")')
    cleaned = text.strip()
    iso = _ISO_DURATION.match(cleaned.upper())
    if iso and any(iso.groups()):
        d, h, m = (int(g) if g else 0 for g in iso.groups())
        minutes = d * 1440 + h * 60 + m  # Python ints: no overflow before the bound below
    else:
        compact = cleaned.lower().replace(" ", "")
        parts = _DURATION_PART.findall(cleaned.lower())
        if not parts or "".join(n + u for n, u in parts) != compact:
            raise ValueError(
                f'{text!r} is not a duration (write e.g. "15m", "2h", "1h30m", "46h", "1d")'
            )
        minutes = 0
        for number, unit in parts:
            if unit not in _DURATION_UNITS:
                raise ValueError(
                    f"unknown unit {unit!r} in duration {text!r} (allowed: m, min, h, hours, d, days)"
                )
            minutes += int(number) * _DURATION_UNITS[unit]
    if minutes <= 0:
        raise ValueError(f"a duration must be longer than zero, got {text!r}")
    if minutes > MAX_DURATION.total_seconds() // 60:
        raise ValueError(
            f"{text!r} is longer than {MAX_DURATION.days} days, the longest duration allowed"
        )
    return timedelta(minutes=minutes)


def format_elapsed(value: timedelta) -> str:
    """A span of real time as hours and minutes, even when it is whole days (``"72 h"``): for a
    limit written in hours, which "3 days" would misstate across a clock change."""
    minutes = int(value.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        return f"{minutes // 60} h"
    return format_duration(value)


def format_duration(value: timedelta) -> str:
    """``90 min`` -> ``"1 h 30 min"``; ``46 h`` stays ``"46 h"`` (as infusions are written);
    whole days stay days (``"6 days"``)."""
    minutes = int(value.total_seconds() // 60)
    if minutes and minutes % 1440 == 0:
        days = minutes // 1440
        return plural(days, "day")
    hours, mins = divmod(minutes, 60)
    out = []
    if hours:
        out.append(f"{hours} h")
    if mins or not hours:
        out.append(f"{mins} min")
    return " ".join(out)


_PERIOD = re.compile(r"^(\d{1,9})\s*(day|days|week|weeks|month|months|year|years)$")


def parse_period(text: object) -> tuple[int, str]:
    """Read a calendar period ``"12 months"``, ``"6 weeks"``, ``"90 days"``, ``"1 year"``.

    Returns ``(amount, unit)`` with unit one of days/weeks/months/years. Months and years are
    calendar arithmetic (31 Jan + 1 month = 28 or 29 Feb, as dateutil's relativedelta does),
    not a fixed number of days.
    """
    match = _PERIOD.match(text.strip().lower()) if isinstance(text, str) else None
    if not match:
        raise ValueError(
            f'{text!r} is not a period (write e.g. "12 months", "6 weeks", "90 days", "1 year")'
        )
    amount, unit = int(match.group(1)), match.group(2)
    if amount < 1:
        raise ValueError(f"a period must be at least 1, got {text!r}")
    unit = unit if unit.endswith("s") else unit + "s"
    if amount > _PERIOD_LIMITS[unit]:
        raise ValueError(
            f"{text!r} is longer than {MAX_PERIOD_YEARS} years, the longest period allowed"
        )
    return amount, unit


def day_offset(day: int) -> int:
    """Days from day 1 to cycle ``day``: day 1 -> 0, day 2 -> 1, day -1 -> -1 (no day 0)."""
    return day - 1 if day > 0 else day


#: Cycles of calendar months: 1 to this many months (a yearly infusion is 12).
MAX_CYCLE_MONTHS = 12


@lru_cache(maxsize=MAX_CYCLE_MONTHS)
def shortest_months(months: int) -> int:
    """The fewest days between two cycle starts ``months`` calendar months apart, anchored to
    one first day and clipped at month ends (31 Jan, 28 Feb, 31 Mar ...): 28 for 1 month,
    89 for 3, 181 for 6. Found by trying every first day of a four-year leap cycle, so it is
    the true minimum, not an estimate."""
    from dateutil.relativedelta import relativedelta

    first = date(2001, 1, 1)
    return min(
        ((anchor + relativedelta(months=months * (n + 1)))
         - (anchor + relativedelta(months=months * n))).days
        for anchor in (first + timedelta(days=k) for k in range(4 * 366))
        for n in range(2)
    )  # fmt: skip


def cycle_date(cycle_start: date, day: int) -> date:
    """The date of cycle ``day`` for a cycle whose day 1 is ``cycle_start`` (no day 0)."""
    return cycle_start + timedelta(days=day_offset(day))


_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_date(day: date) -> str:
    """``Mon 4 Jan 2027``: unambiguous in every locale (no 01/02 vs 02/01)."""
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {_MONTH_NAMES[day.month - 1]} {day.year}"


_CYCLES_RANGE = re.compile(
    r"^(\d{1,9})\s*(?:(?:-|–|to)\s*(\d{1,9})?|(\+|\s*onwards|\s*and after))?$"
)
_CYCLES_EVERY = re.compile(
    r"^every\s+(\d{1,9})(?:\s*(?:cycles?)?)?(?:\s+from\s+(?:cycle\s+)?(\d{1,9}))?$"
)


def parse_cycle_set(text: object) -> tuple[int, int | None, int]:
    """Which cycles of a phase a rule applies to, as ``(first, last or None, step)``.

    ``"all"``; ``"1"``; ``"2-6"``; ``"2-"`` or ``"2+"`` (cycle 2 onwards); ``"every 3"``
    (cycles 3, 6, 9, ...); ``"every 3 from 1"`` (cycles 1, 4, 7, ...). Cycles count from 1.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str):
        raise ValueError(
            f'{text!r} is not a set of cycles (write "all", "1", "2-6", "2-", "every 3")'
        )
    cleaned = " ".join(text.strip().lower().split())
    if cleaned == "all":
        return 1, None, 1
    every = _CYCLES_EVERY.match(cleaned)
    if every:
        step = int(every.group(1))
        first = int(every.group(2)) if every.group(2) else step
        if step < 1 or first < 1:
            raise ValueError(f"{text!r}: cycles count from 1 and a step is at least 1")
        return first, None, step
    match = _CYCLES_RANGE.match(cleaned)
    if not match:
        raise ValueError(
            f'{text!r} is not a set of cycles (write "all", "1", "2-6", "2-", "every 3", '
            '"every 3 from 1")'
        )
    first = int(match.group(1))
    open_ended = match.group(3) is not None or (match.group(2) is None and "-" in cleaned)
    last = None if open_ended else int(match.group(2) or first)
    if first < 1:
        raise ValueError(f"{text!r}: there is no cycle 0 (cycles count from 1)")
    if last is not None and last < first:
        raise ValueError(f"the cycle range {text!r} runs backwards")
    return first, last, 1


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_weekday(text: object) -> int:
    """``"Monday"`` or ``"mon"`` -> 0 (Monday) ... 6 (Sunday), as ``date.weekday()`` counts."""
    if isinstance(text, str):
        cleaned = text.strip().lower()
        for number, name in enumerate(_WEEKDAYS):
            if len(cleaned) >= 3 and name.startswith(cleaned):
                return number
    raise ValueError(f"{text!r} is not a weekday (write Monday, Tuesday, ... or Mon, Tue, ...)")


_WEEKDAY_ITEM = re.compile(r"^([a-z]{3,9})(?:\s*(?:-|–|to)\s*([a-z]{3,9}))?$")


def parse_weekday_set(text: object) -> tuple[int, ...]:
    """``"Mon-Fri"``, ``"Mon, Wed, Fri"`` or ``["Monday", "Thursday"]`` -> sorted weekdays
    (0 = Monday). A range runs forward through the week and may not wrap past Sunday."""
    items = (
        text if isinstance(text, list) else str(text).split(",") if isinstance(text, str) else None
    )
    if not items:
        raise ValueError(f'expected weekdays like "Mon-Fri" or "Mon, Wed, Fri", got {text!r}')
    days: set[int] = set()
    for item in items:
        match = _WEEKDAY_ITEM.match(item.strip().lower()) if isinstance(item, str) else None
        if match is None:
            raise ValueError(
                f'{item!r} is not a weekday or a range of weekdays (write "Mon-Fri" or "Mon, Wed, Fri")'
            )
        first = parse_weekday(match.group(1))
        last = parse_weekday(match.group(2)) if match.group(2) else first
        if last < first:
            raise ValueError(
                f"the range {weekday_name(first)} to {weekday_name(last)} wraps past Sunday "
                '(write it as two parts, e.g. "Fri-Sun, Mon")'
            )
        days.update(range(first, last + 1))
    return tuple(sorted(days))


def looks_like_weekdays(text: object) -> bool:
    """Whether a ``days`` value is written in weekdays (``"Mon-Fri"``) rather than day numbers."""
    first = text[0] if isinstance(text, list) and text else text
    return (
        isinstance(first, str)
        and first.strip()[:1].isalpha()
        and not first.strip().lower().startswith(("every", "daily"))
    )


_RELATIVE = re.compile(
    r"^(?P<span>\d.*?)\s+(?P<side>before|after)\s+(?:the\s+(?P<edge>start|end)\s+of\s+)?"
    r"(?P<key>[a-z0-9][a-z0-9-]*)$"
)


def parse_relative(text: object) -> tuple[timedelta, bool, str]:
    """``"12h before paclitaxel"`` -> ``(-12 h, True, "paclitaxel")``: the signed offset in real
    elapsed time, whether it is measured from the other dose's start (else its end), and that
    rule's key. "before X" is before X starts; "after" must say "the start of" or "the end of",
    because "30 minutes after leucovorin" is read both ways in practice."""
    cleaned = " ".join(text.strip().lower().split()) if isinstance(text, str) else ""
    match = _RELATIVE.match(cleaned)
    if match is None:
        raise ValueError(
            f'expected a time relative to another dose, e.g. "12h before paclitaxel", '
            f'"30m after the start of leucovorin" or "15m after the end of rituximab"; '
            f"got {text!r}"
        )
    span = parse_duration(match["span"])
    side, edge, key = match["side"], match["edge"], match["key"]
    if side == "after" and edge is None:
        raise ValueError(
            f'{text!r} is ambiguous: write "{match["span"]} after the start of {key}" or '
            f'"{match["span"]} after the end of {key}"'
        )
    from_start = edge != "end"
    return (-span if side == "before" else span), from_start, key


def format_relative(offset: timedelta, from_start: bool, name: str) -> str:
    """How a dose timed from another reads: ``"12 h before Paclitaxel starts"``, ``"after
    Rituximab"`` (when it ends), ``"30 min after Leucovorin starts"``."""
    edge = "starts" if from_start else "ends"
    if not offset:
        return f"with {name}" if from_start else f"after {name}"
    side = "before" if offset < timedelta(0) else "after"
    return f"{format_elapsed(abs(offset))} {side} {name} {edge}"


_WINDOW_CAP = re.compile(r"^(\d{1,6})\s+doses?\s+in\s+any\s+(.+)$")


def parse_window_cap(text: object) -> tuple[int, timedelta, bool]:
    """``"3 doses in any 7 days"`` -> ``(3, 7 days, True)``: the window, 1 hour to 366 days,
    and whether it was written in days or weeks (calendar days) rather than hours (``"24h"``:
    elapsed time)."""
    match = (
        _WINDOW_CAP.match(" ".join(text.strip().lower().split())) if isinstance(text, str) else None
    )
    if match is None:
        raise ValueError(f'expected a cap like "3 doses in any 7 days", got {text!r}')
    doses = int(match.group(1))
    if doses < 1:
        raise ValueError(f"a cap allows at least 1 dose, got {doses}")
    window = parse_duration(match.group(2))
    if window < timedelta(hours=1):
        raise ValueError(f"the window must be at least 1 hour, got {match.group(2)!r}")
    return doses, window, written_in_days(match.group(2))


def written_in_days(text: str) -> bool:
    """Whether a duration was written in whole days or weeks (``"6 days"``: calendar days in the
    patient's zone) rather than hours or minutes (``"72h"``, ``"PT11H"``: elapsed time)."""
    return not re.search(r"\d\s*(?:h|hr|hrs|hours?|m|mins?|minutes?)\b|^pt", text.strip().lower())


def weekday_name(number: int) -> str:
    return _WEEKDAYS[number].capitalize()
