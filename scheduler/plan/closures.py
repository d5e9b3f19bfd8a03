"""Closed days — public holidays (the ``holidays`` package), extra dates, closed weekdays — and
what a closure does to the events of a plan, by where each happens (home, clinic, hospital).

Policies: ``next open day`` and ``previous open day`` move the event, keeping its clock time;
``skip`` leaves it out (like an omitted dose: not replaced); ``keep and flag`` keeps it and says
so in its title; ``keep`` ignores the closure. By default clinic and hospital events move to
the next open day and home self-injections are not moved (``home = "keep"``) unless asked.

What moves together (docs/courses.md, "Closures"): a closure never moves one dose out of a
group that the regimen spaces —

- a closed first dose day of a cycle moves the **whole cycle** (and every later one) to the next
  open day, as a delay would: a cycle never starts early, and its tests stay with it;
- an interval series (every 8 hours through days 1-5) is one admission: it moves **as a whole**
  when the day of its first dose is closed, keeping its real 8-hour spacing;
- a day's doses of one rule (08:00 and 20:00) move **together**, and when they move later the
  rest of their run of consecutive dose days moves along by the same number of days;
- a blood test or visit placed before its cycle (day -1) moves to the **previous** open day, so
  it stays before the cycle;

and the engine then refuses the plan if any two doses of a drug ended up closer than the
regimen allows (plan/spacing.py), saying what to do instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import cache, cached_property
from typing import Any

from ..arguments import describe, need, need_date
from ..errors import ArgumentError, PlanError
from ..regimen.notation import format_date, weekday_name
from . import wording
from .clock import after, day_of, instant, local
from .events import Event
from .facts import Carried, ClosureMoved, KeptClosed, Move

__all__ = ["DEFAULT_POLICY", "MOVING", "POLICIES", "Closures", "Unit", "apply_closures"]


def _need_all(value: object, kind: type, item: type, name: str, wanted: str) -> None:
    if not isinstance(value, kind) or not all(
        isinstance(v, item) and not isinstance(v, bool)
        for v in value  # type: ignore[attr-defined]
    ):
        raise PlanError(f"closures.{name} must be {wanted}, not {describe(value)}",
                        field="closures")  # fmt: skip


POLICIES = ("next open day", "previous open day", "skip", "keep and flag", "keep")
MOVING = ("next open day", "previous open day")
DEFAULT_POLICY = {"home": "keep", "clinic": "next open day", "hospital": "next open day"}
#: Never search further than this for an open day: a calendar closed for months is a mistake.
MAX_SEARCH_DAYS = 60


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
        """Every field checked as the value is made: a PlanError (``field="closures"``) naming
        what is wrong, so a caller's mistake never surfaces later as a TypeError."""
        _need_all(self.regions, tuple, str, "regions", "a tuple of region codes such as 'GB-ENG'")
        _need_all(self.dates, frozenset, date, "dates", "a frozenset of dates")
        _need_all(self.weekdays, frozenset, int, "weekdays", "a frozenset of 0 (Monday) to 6")
        if any(isinstance(w, bool) or not 0 <= w <= 6 for w in self.weekdays):
            raise PlanError(
                f"closures.weekdays must be 0 (Monday) to 6 (Sunday), not "
                f"{describe(sorted(self.weekdays))}",
                field="closures",
            )
        need(self.policy, dict, "closures.policy", "a dict from setting to policy",
             error=PlanError)  # fmt: skip
        for setting, rule in self.policy.items():
            if rule not in POLICIES:
                raise PlanError(
                    f"closures.policy for {setting} must be one of: {', '.join(POLICIES)} "
                    f"(got {describe(rule)})",
                    field="closures",
                )
        for region in self.regions:
            try:
                region_calendar(region)  # fail early on an unknown region
            except ValueError as err:
                raise PlanError(str(err), field="closures") from None
        if len(self.weekdays) >= 7:
            raise PlanError(
                "every weekday is closed: nothing could ever be scheduled", field="closures"
            )

    @property
    def empty(self) -> bool:
        return not (self.regions or self.dates or self.weekdays)

    def with_more(self, dates: Iterable[date] = (), regions: Iterable[str] = (),
                  weekdays: Iterable[int] = ()) -> Closures:  # fmt: skip
        """These closures and more: PlanError as the constructor's for what they may not be."""
        for name, given in (("dates", dates), ("regions", regions), ("weekdays", weekdays)):
            if isinstance(given, str | bytes) or not isinstance(given, Iterable):
                raise PlanError(
                    f"closures.{name} must be a list or set, not {describe(given)}",
                    field="closures",
                )
        return Closures(
            regions=tuple(dict.fromkeys([*self.regions, *regions])),
            dates=self.dates | frozenset(dates),
            weekdays=self.weekdays | frozenset(weekdays),
            policy=dict(self.policy),
        )

    def policy_for(self, setting: str) -> str:
        """What a closure does to events of ``setting`` (home, clinic, hospital)."""
        need(setting, str, "setting", "home, clinic or hospital")
        return self.policy.get(setting, "keep")

    def reason(self, day: date) -> str | None:
        """Why ``day`` is closed (a holiday's name, "closed on Sundays", ...), or None if open."""
        need_date(day, "day")
        if day in self.dates:
            return "closed that day"
        if day.weekday() in self.weekdays:
            return f"closed on {weekday_name(day.weekday())}s"
        for region in self.regions:
            name = region_calendar(region).get(day)
            if name:
                return str(name)
        return None

    def open_day(self, day: date, step: int) -> date:
        """The nearest open day from ``day`` in direction ``step`` (+1 or -1); PlanError when
        none is within :data:`MAX_SEARCH_DAYS` (a calendar closed for months is a mistake)."""
        need_date(day, "day")
        if step not in (1, -1) or isinstance(step, bool):
            raise ArgumentError(f"step must be 1 or -1, not {describe(step)}", field="step")
        candidate = day
        for _ in range(MAX_SEARCH_DAYS):
            candidate += timedelta(days=step)
            if self.reason(candidate) is None:
                return candidate
        raise PlanError(f"no open day within {MAX_SEARCH_DAYS} days of {format_date(day)}")

    @cached_property
    def _hash(self) -> int:
        return hash((self.regions, self.dates, self.weekdays, tuple(sorted(self.policy.items()))))

    def __hash__(self) -> int:
        return self._hash


@dataclass(frozen=True)
class Unit:
    """What a closure moves together with an event (the engine says, when it makes events)."""

    key: tuple[Any, ...]
    """Events with the same key move together (one rule's doses of a day, or a whole series)."""
    run: tuple[Any, ...] | None = None
    """A run of consecutive dose days: when one unit of it moves later, the later ones follow."""
    series: bool = False
    """An interval series: decided by the day of its first dose, moved by real elapsed time."""
    before_cycle: bool = False
    """Placed before its cycle (day -1): moves only earlier, so it stays before the cycle."""
    setting: str | None = None
    """Whose closure policy decides for the unit (default: its first event's setting): a home
    tablet taken on the days of a clinic dose moves when the clinic dose does."""


def apply_closures(
    events: list[Event], units: Mapping[str, Unit], closures: Closures, zone: tzinfo
) -> list[Event]:
    """``events`` with the closure policies applied unit by unit (see the module docstring).

    Events without a unit (precautions) are kept as they are. Raises ValueError when no open
    day is near.
    """
    groups: dict[tuple[Any, ...], list[Event]] = {}
    loose: list[Event] = []
    for event in events:
        unit = units.get(event.uid)
        if unit is None:
            loose.append(event)
        else:
            groups.setdefault(unit.key, []).append(event)
    ordered = sorted(groups.values(), key=lambda g: min(instant(e.start, zone) for e in g))
    carried: dict[tuple[Any, ...], tuple[int, tuple[str, date, str]]] = {}
    out = list(loose)
    for group in ordered:
        group.sort(key=lambda e: (day_of(e.start), e.start.isoformat()))
        first = group[0]
        unit = units[first.uid]
        planned = day_of(first.start)
        shift, because = (
            carried.get(unit.run, (0, ("", planned, ""))) if unit.run else (0, ("", planned, ""))
        )
        day = planned + timedelta(days=shift)
        reason = closures.reason(day)
        setting = unit.setting or first.setting
        policy = closures.policy_for(setting)
        moves: tuple[Move, ...] = ()
        if shift:
            moves = (Carried(planned, day, *because),)
        if reason is not None and policy == "skip":
            continue
        if reason is not None and policy == "keep and flag":
            kept = KeptClosed(setting, day, reason)
            warning = wording.flag(kept)
            moves = (*moves, kept)
            said = tuple(wording.note(m) for m in moves)
            moved = _shifted(group, shift, unit, zone)
            out += [replace(e, title=wording.flagged(e.title, warning), flag=warning,
                            notes=(*e.notes, *said), moves=(*e.moves, *moves))
                    for e in moved]  # fmt: skip
            continue
        if reason is not None and policy in MOVING:
            step = -1 if (policy == "previous open day" or unit.before_cycle) else 1
            target = closures.open_day(day, step)
            shift = (target - planned).days
            moves = (ClosureMoved(day, target, reason),)
            if step > 0 and unit.run is not None:
                carried[unit.run] = (shift, (setting, day, reason))
        said = tuple(wording.note(m) for m in moves)
        out += [replace(e, notes=(*e.notes, *said), moves=(*e.moves, *moves))
                for e in _shifted(group, shift, unit, zone)]  # fmt: skip
    return out


def _shifted(group: list[Event], days: int, unit: Unit, zone: tzinfo) -> list[Event]:
    """The group moved by ``days`` calendar days: timed events keep their clock time (an interval
    series keeps its real spacing from its first dose); all-day events move by whole days."""
    if not days:
        return group
    delta = timedelta(days=days)
    first = group[0]
    if unit.series and isinstance(first.start, datetime):
        moved = local(first.start.date() + delta, first.start.time(), zone)
        elapsed = moved - first.start  # aware minus aware: real elapsed time
        return [replace(e, start=_later(e.start, elapsed, zone), end=_later(e.end, elapsed, zone))
                for e in group]  # fmt: skip
    out = []
    for event in group:
        if isinstance(event.start, datetime) and isinstance(event.end, datetime):
            start = local(event.start.date() + delta, event.start.time(), zone)
            out.append(replace(event, start=start, end=after(start, event.end - event.start)))
        else:
            out.append(replace(event, start=event.start + delta, end=event.end + delta))
    return out


def _later(value: date | datetime, elapsed: timedelta, zone: tzinfo) -> date | datetime:
    assert isinstance(value, datetime)
    return (value.astimezone(UTC) + elapsed).astimezone(zone)


_CALENDARS: dict[str, Any] = {}


def region_calendar(region: str) -> Any:
    """A lazily filled holidays calendar for ``COUNTRY[-SUBDIVISION]`` (expands on lookup)."""
    if region not in _CALENDARS:
        import holidays

        country, _, subdiv = region.upper().partition("-")
        if country not in _country_codes():
            raise ValueError(
                f"unknown country {country!r} for public holidays in {region!r} "
                "(use an ISO code such as GB, US, DE, optionally with a subdivision: GB-ENG, US-NY)"
            )
        # holidays' lazy loader for the code: its subdivisions import this one country's module.
        known = list(getattr(holidays, country).subdivisions)
        if subdiv and subdiv not in known:
            raise ValueError(
                f"unknown subdivision {subdiv!r} of {country} (known: {', '.join(known)})"
            )
        _CALENDARS[region] = holidays.country_holidays(country, subdiv=subdiv or None)
    return _CALENDARS[region]


@cache
def _country_codes() -> frozenset[str]:
    """The country codes holidays knows (GB, GBR, UK, ...), without importing every country.

    ``holidays.list_supported_countries()`` imports all ~250 country modules to list their
    subdivisions, and so does importing any one of them: ``holidays/countries/__init__.py``
    imports them all, and runs as the parent package of the one we need (together +40 ms on
    every course command). So the codes come from holidays' registry (a plain table), and the
    package is registered with its ``__init__`` deferred (:func:`_defer_package_init`). With a
    holidays whose registry differs from the one this was written against (0.109), everything
    is imported as before.
    """
    try:
        from holidays.registry import IMPORT_LOCK, EntityLoader

        codes = frozenset(EntityLoader.get_country_codes())
        with IMPORT_LOCK:
            _defer_package_init("holidays.countries")
    except (ImportError, AttributeError, TypeError):  # pragma: no cover - another holidays
        import holidays

        codes = frozenset(holidays.list_supported_countries())
    return codes


def _defer_package_init(name: str) -> None:
    """Register package ``name`` so that its submodules import alone; its ``__init__`` runs on
    the first use of a name that only the ``__init__`` defines (PEP 562 ``__getattr__``), so
    ``from holidays.countries import Germany`` and the like still work as before."""
    import importlib.util
    import sys

    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader

    def run_init(attribute: str) -> Any:
        del package.__dict__["__getattr__"]
        loader.exec_module(package)
        return getattr(package, attribute)

    package.__dict__["__getattr__"] = run_init
    sys.modules[name] = package
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, package)
