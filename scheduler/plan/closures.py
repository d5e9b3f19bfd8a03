"""Closed days — public holidays (the ``holidays`` package), extra dates, closed weekdays —
and what a closure does to an event, by where it happens (home, clinic, hospital).

Policies: ``next open day`` and ``previous open day`` move the event, keeping its clock time;
``skip`` leaves it out (like an omitted dose: not replaced); ``keep and flag`` keeps it and says
so in its title; ``keep`` ignores the closure. By default clinic and hospital events move to
the next open day and home self-injections are not moved (``home = "keep"``) unless asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from ..regimen.notation import weekday_name

__all__ = ["DEFAULT_POLICY", "POLICIES", "Closures"]

POLICIES = ("next open day", "previous open day", "skip", "keep and flag", "keep")
DEFAULT_POLICY = {"home": "keep", "clinic": "next open day", "hospital": "next open day"}
#: Never search further than this for an open day: a calendar closed for months is a mistake.
_MAX_SEARCH_DAYS = 60


@dataclass(frozen=True)
class Closures:
    """When the places of care are closed, and what to do about it."""

    regions: tuple[str, ...] = ()
    """Public-holiday regions, ``COUNTRY`` or ``COUNTRY-SUBDIVISION`` (``GB-ENG``, ``US-NY``)."""
    dates: frozenset[date] = frozenset()
    weekdays: frozenset[int] = frozenset()
    """0 = Monday ... 6 = Sunday."""
    policy: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICY))

    def __post_init__(self) -> None:
        for setting, rule in self.policy.items():
            if rule not in POLICIES:
                raise ValueError(
                    f"closure policy for {setting} must be one of: {', '.join(POLICIES)} (got {rule!r})"
                )
        for region in self.regions:
            _region_calendar(region)  # fail early on an unknown region
        if len(self.weekdays) >= 7:
            raise ValueError("every weekday is closed: nothing could ever be scheduled")

    @property
    def empty(self) -> bool:
        return not (self.regions or self.dates or self.weekdays)

    def with_more(self, dates: Iterable[date] = (), regions: Iterable[str] = (),
                  weekdays: Iterable[int] = ()) -> Closures:  # fmt: skip
        return Closures(
            regions=tuple(dict.fromkeys([*self.regions, *regions])),
            dates=self.dates | frozenset(dates),
            weekdays=self.weekdays | frozenset(weekdays),
            policy=dict(self.policy),
        )

    def reason(self, day: date) -> str | None:
        """Why ``day`` is closed (a holiday's name, "closed on Sundays", ...), or None if open."""
        if day in self.dates:
            return "closed that day"
        if day.weekday() in self.weekdays:
            return f"closed on {weekday_name(day.weekday())}s"
        for region in self.regions:
            name = _region_calendar(region).get(day)
            if name:
                return str(name)
        return None

    def open_day(self, day: date, step: int) -> date:
        """The nearest open day from ``day`` in direction ``step`` (+1 or -1)."""
        candidate = day
        for _ in range(_MAX_SEARCH_DAYS):
            candidate += timedelta(days=step)
            if self.reason(candidate) is None:
                return candidate
        raise ValueError(f"no open day within {_MAX_SEARCH_DAYS} days of {day.isoformat()}")

    @cached_property
    def _hash(self) -> int:
        return hash((self.regions, self.dates, self.weekdays, tuple(sorted(self.policy.items()))))

    def __hash__(self) -> int:
        return self._hash


_CALENDARS: dict[str, Any] = {}


def _region_calendar(region: str) -> Any:
    """A lazily filled holidays calendar for ``COUNTRY[-SUBDIVISION]`` (expands on lookup)."""
    if region not in _CALENDARS:
        import holidays

        country, _, subdiv = region.upper().partition("-")
        supported = holidays.list_supported_countries()
        if country not in supported:
            raise ValueError(
                f"unknown country {country!r} for public holidays in {region!r} "
                "(use an ISO code such as GB, US, DE, optionally with a subdivision: GB-ENG, US-NY)"
            )
        if subdiv and subdiv not in supported[country]:
            raise ValueError(
                f"unknown subdivision {subdiv!r} of {country} (known: {', '.join(supported[country])})"
            )
        _CALENDARS[region] = holidays.country_holidays(country, subdiv=subdiv or None)
    return _CALENDARS[region]
