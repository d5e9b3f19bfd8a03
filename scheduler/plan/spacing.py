"""How close two doses of one drug may be, and finding doses that are closer.

A regimen's own spacing for a drug is the closest it ever places two of its doses in a plan —
8 hours for HD aldesleukin, 12 hours for a twice-daily tablet — but never more than one day,
so a weekly drug may move by a day without being "too close"; a drug's ``min_interval``
(weekly methotrexate: 6 days) is a hard limit on top. A drug the regimen never gives more
often than weekly must also never fall on two consecutive days.

Gaps are measured as the larger of elapsed time and wall-clock time, so that 09:00 on two
consecutive days is one day apart across a clock change (23 or 25 real hours) — except against
a ``min_interval`` written in hours (``"72h"``), which is elapsed time only: the body does not
see the clock change, so 09:00 Thursday to 09:00 Sunday across a spring-forward is 71 hours,
closer than 72.

The engine uses this to refuse any re-planning rule (a closure moving doses) that would bring
doses closer than the regimen allows; ``scheduler check --regimen`` uses it on any .ics file.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ..regimen.model import Regimen, WindowCap
from ..regimen.notation import format_duration, format_elapsed

__all__ = ["Crowding", "Spacing", "crowding", "elapsed", "gap", "over_cap", "spacing_of"]

_DAY = timedelta(days=1)
#: A drug given at most once in this long is "weekly-only" (weekly, three-weekly, monthly...).
_WEEKLY = timedelta(days=6)


def gap(first: datetime, second: datetime) -> timedelta:
    """The gap from ``first`` to ``second``: elapsed or by the clock, whichever is larger."""
    wall = second.replace(tzinfo=None) - first.astimezone(second.tzinfo).replace(tzinfo=None)
    return max(elapsed(first, second), wall)


def elapsed(first: datetime, second: datetime) -> timedelta:
    """Real time from ``first`` to ``second``, whatever the clocks did in between."""
    return second.astimezone(UTC) - first.astimezone(UTC)


@dataclass(frozen=True)
class Spacing:
    """The closest two doses of one drug may be."""

    drug: str
    minimum: timedelta
    """Never closer than this (the regimen's own spacing, at most a day, or min_interval)."""
    stated: bool
    """True when ``minimum`` is the regimen's stated ``min_interval`` (a safety limit)."""
    weekly_only: bool
    """The regimen never gives it more often than weekly: never on consecutive days."""
    elapsed: bool = False
    """``minimum`` is a stated ``min_interval`` in hours: measured in elapsed time only."""

    @property
    def shown(self) -> str:
        """The limit in words: ``"72 h"`` for one in elapsed hours, else ``"6 days"``."""
        return format_elapsed(self.minimum) if self.elapsed else format_duration(self.minimum)

    def gap(self, first: datetime, second: datetime) -> timedelta:
        """The gap from ``first`` to ``second`` as this limit measures it."""
        return elapsed(first, second) if self.elapsed else gap(first, second)


def spacing_of(regimen: Regimen, doses: Iterable[tuple[str, datetime]]) -> dict[str, Spacing]:
    """Each drug's spacing, from ``doses`` (drug name, start) of a plan made as the regimen
    writes it: before any closure moved anything."""
    starts: dict[str, list[datetime]] = {}
    for name, start in doses:
        starts.setdefault(name, []).append(start)
    out: dict[str, Spacing] = {}
    for drug in regimen.drugs:
        times = sorted(starts.get(drug.name, ()))
        closest = min((gap(a, b) for a, b in itertools.pairwise(times)), default=None)
        own = _DAY if closest is None else min(closest, _DAY)
        stated = drug.min_interval is not None and drug.min_interval >= own
        minimum = drug.min_interval if stated and drug.min_interval is not None else own
        weekly = (closest is None or closest >= _WEEKLY) or (
            drug.min_interval is not None and drug.min_interval >= _WEEKLY
        )
        out[drug.name] = Spacing(
            drug.name, minimum, stated, weekly, stated and drug.min_interval_elapsed
        )
    return out


@dataclass(frozen=True)
class Crowding:
    """Two doses of one drug closer than its spacing allows."""

    drug: str
    first: datetime
    second: datetime
    limit: Spacing

    @property
    def gap(self) -> timedelta:
        return self.limit.gap(self.first, self.second)

    @property
    def broken(self) -> str:
        """Which rule the pair breaks: ``"safety limit"`` (min_interval), ``"spacing"`` (closer
        than the regimen ever places them) or ``"weekly"`` (a weekly drug on consecutive days)."""
        if self.gap >= self.limit.minimum:
            return "weekly"
        return "safety limit" if self.limit.stated else "spacing"


def crowding(doses: Iterable[tuple[str, datetime]], spacing: dict[str, Spacing]) -> list[Crowding]:
    """Pairs of consecutive doses of a drug that break its spacing, in time order."""
    starts: dict[str, list[datetime]] = {}
    for name, start in doses:
        if name in spacing:
            starts.setdefault(name, []).append(start)
    found: list[Crowding] = []
    for name, times in starts.items():
        limit = spacing[name]
        times.sort()
        for a, b in itertools.pairwise(times):
            close = limit.gap(a, b) < limit.minimum
            consecutive = limit.weekly_only and (b.date() - a.astimezone(b.tzinfo).date()).days < 2
            if close or consecutive:
                found.append(Crowding(name, a, b, limit))
    return sorted(found, key=lambda c: c.second)


def over_cap(
    doses: Iterable[tuple[str, datetime]], regimen: Regimen
) -> tuple[str, datetime, datetime, WindowCap] | None:
    """The first run of more doses of a drug than its ``at_most`` allows in one window: (drug
    name, first and last dose of the run, the cap).

    A window written in days counts calendar days in the patient's zone: "3 doses in any 7 days"
    is any 7 consecutive days, so a 12-hourly series that an hour's clock change shifts to
    09:00 is still in its own week. A window in hours is measured as :func:`gap` measures.
    """
    caps = {d.name: d.window_cap for d in regimen.drugs if d.window_cap is not None}
    starts: dict[str, list[datetime]] = {}
    for name, start in doses:
        if name in caps:
            starts.setdefault(name, []).append(start)
    found: list[tuple[str, datetime, datetime, WindowCap]] = []
    for name, times in starts.items():
        cap = caps[name]
        times.sort(key=lambda t: t.astimezone(UTC))
        n = cap.doses
        for i in range(len(times) - n):
            if _within(times[i], times[i + n], cap):
                found.append((name, times[i], times[i + n], cap))
                break
    return min(found, key=lambda f: f[2]) if found else None


def _within(first: datetime, last: datetime, cap: WindowCap) -> bool:
    if cap.calendar_days:
        days = (last.date() - first.astimezone(last.tzinfo).date()).days
        return days < cap.window // _DAY
    return gap(first, last) < cap.window
