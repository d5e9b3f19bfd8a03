"""Month grids: which day a week starts on, and the weeks of a month.

The default first day of the week comes from the patient's zone: its country (tzdata's
zone.tab) where that country's calendars start weeks on Sunday (the United States, Canada,
Japan, Brazil, Israel ...), Monday otherwise (ISO 8601, most of Europe, Africa and Asia). A
zone with no country (UTC) starts on Monday.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from ..arguments import need_whole

if TYPE_CHECKING:
    from ..plan.events import Event

__all__ = [
    "MONDAY",
    "SUNDAY",
    "default_week_start",
    "delayed_days",
    "month_weeks",
    "months_between",
    "need_week_start",
]

MONDAY = 0
SUNDAY = 6
#: Countries whose printed calendars start the week on Sunday (CLDR firstDay "sun").
_SUNDAY_CODES = (
    "AG AS BD BR BS BT BW BZ CA CO DM DO ET GT GU HK HN ID IL IN JM JP KE KH KR LA MH MM "
    "MO MT MX MZ NI NP PA PE PH PK PR PT PY SA SG SV TH TT TW UM US VE VI WS YE ZA ZW"
)
_SUNDAY_COUNTRIES = frozenset(_SUNDAY_CODES.split())


def need_week_start(value: object) -> int | None:
    """``value`` as a first day of the week, 0 (Monday) to 6 (Sunday), or None (by the zone);
    an ArgumentError naming ``week_start`` otherwise."""
    return None if value is None else need_whole(value, "week_start", MONDAY, SUNDAY)


def default_week_start(zone_key: str) -> int:
    """0 (Monday) or 6 (Sunday) for an IANA zone name, by its country."""
    return SUNDAY if _country(zone_key) in _SUNDAY_COUNTRIES else MONDAY


@lru_cache(maxsize=1)
def _countries() -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return out
    for row in text.splitlines():
        if row and not row.startswith("#"):
            parts = row.split("\t")
            if len(parts) >= 3:
                out[parts[2]] = parts[0]
    return out


def _country(zone_key: str) -> str | None:
    return _countries().get(zone_key)


def month_weeks(year: int, month: int, week_start: int) -> list[list[date]]:
    """The weeks (7 dates each, from ``week_start``) that show ``month`` in a grid; days of the
    neighbouring months fill the first and last week."""
    first = date(year, month, 1)
    start = first - timedelta(days=(first.weekday() - week_start) % 7)
    last = date(year, month, calendar.monthrange(year, month)[1])
    weeks = []
    day = start
    while day <= last:
        weeks.append([day + timedelta(days=i) for i in range(7)])
        day += timedelta(days=7)
    return weeks


def months_between(first: date, last: date) -> list[tuple[int, int]]:
    """Every (year, month) from ``first``'s month to ``last``'s, in order."""
    out = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        out.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def delayed_days(events: Sequence[Event]) -> dict[date, str]:
    """The days a course's changes made a delay, each with what to call it (``Cycle 2, day 1
    delayed to Tue 2 Feb 2027``): what the calendars show there is a delay, never rest.

    They are the days a dose was moved away from, to a later day (also where a dose taken
    before the decision still stands, such as the dexamethasone of the morning a delay was
    decided, and in the middle of a cycle), and the days without a dose between such a day and
    the dose's new day while the cycle it belongs to is waiting: the last dose before them is
    of that same cycle. The rest at the end of the cycle before stays rest."""
    from bisect import bisect_left

    from ..plan.clock import day_of
    from ..regimen.notation import format_date

    live = sorted(
        (day_of(e.start), (e.phase_number or 1, e.cycle))
        for e in events
        if e.kind == "dose" and not e.cancelled
    )
    dosed = {day for day, _ in live}
    out: dict[date, tuple[tuple[int, int], str]] = {}
    spans: dict[tuple[date, date, tuple[int, int | None]], str] = {}
    for event in events:
        if event.kind != "dose" or event.cancelled or event.moved_from is None:
            continue
        was, now = day_of(event.moved_from), day_of(event.start)
        if was >= now:
            continue
        where = "Treatment"
        if event.cycle is not None:
            where = f"Cycle {event.cycle}"
            if event.day is not None:
                where += f", day {event.day}".replace("-", "\N{MINUS SIGN}")
        label = f"{where} delayed to {format_date(now)}"
        order = (event.cycle or 0, event.day or 0)  # the first cycle day that left it names it
        if was not in out or order < out[was][0]:
            out[was] = (order, label)
        spans.setdefault((was, now, (event.phase_number or 1, event.cycle)), label)
    for (was, now, cycle), label in spans.items():
        day = was + timedelta(days=1)
        while day < now:
            if day not in dosed and day not in out:
                before = bisect_left(live, (day,)) - 1
                if before < 0 or live[before][1] != cycle:
                    break  # the cycle before is resting, not this one waiting
                out[day] = ((0, 0), label)
            day += timedelta(days=1)
    return {day: label for day, (_, label) in sorted(out.items())}
