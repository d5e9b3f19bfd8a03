"""Where a phase's doses fall within its cycles, as offsets from day 1 at 00:00, before any
date or time zone is known: what the loader checks a drug's safety limits against.

Offsets are nominal local time (a day is 24 hours, no clock changes). The engine checks the
same limits again on the plan's real dates and instants (plan/spacing.py), so the two
together catch both a wrong file and a wrong plan.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta

from .model import DoseRule, Phase, WindowCap
from .notation import blocks, day_offset

__all__ = ["MAX_OFFSETS", "Budget", "closest", "crowded_window", "offsets", "timeline"]

_DAY = timedelta(days=1)
#: The nominal checks of one file look at this many doses in all; past that the engine's check
#: on real dates is the only one (a file is never refused for being expensive to pre-check).
MAX_OFFSETS = 200_000


class Budget:
    """How many more dose offsets the checks of one file may build."""

    def __init__(self, left: int = MAX_OFFSETS) -> None:
        self.left = left

    def take(self, n: int) -> bool:
        self.left -= n
        return self.left >= 0


#: Cycles looked at when rules apply to different cycles ("1", "2-", "every 3").
_HORIZON = 120


def offsets(rule: DoseRule, phase: Phase, weekday: int = 0) -> tuple[timedelta, ...]:
    """The rule's dose starts in one cycle, from day 1 00:00, after its per-cycle cap; for a
    weekday rule, in a cycle whose day 1 is ``weekday`` (0 = Monday). A rule timed from
    another starts when that one ends, or at its offset from that one's start or end, along the
    whole chain (followed in a loop, so a chain of
    a thousand rules is no deeper than one)."""
    by_key = {r.key: r for r in phase.doses}
    chain = [rule]
    while chain[-1].after is not None:
        chain.append(by_key[chain[-1].after])
    leader = chain.pop()
    out = _capped(leader, _own_offsets(leader, weekday))
    while chain:
        follower = chain.pop()
        starts = dict(zip(leader.days_from(weekday), out, strict=False))
        days = follower.days_from(weekday)
        edge = timedelta(0) if follower.from_start else leader.duration
        out = _capped(follower, [starts[d] + edge + follower.offset for d in days if d in starts])
        leader = follower
    return tuple(out)


def _own_offsets(rule: DoseRule, weekday: int) -> list[timedelta]:
    """Offsets of a rule timed by itself (clock times, or every N hours)."""
    days = rule.days_from(weekday)
    if rule.every is not None:
        out: list[timedelta] = []
        for block in blocks(days):
            first = day_offset(block[0]) * _DAY + _since_midnight(rule)
            count = int(len(block) * _DAY / rule.every)
            out.extend(first + k * rule.every for k in range(count))
        return out
    clock = [timedelta(hours=t.hour, minutes=t.minute) for t in rule.times]
    return [day_offset(d) * _DAY + c for d in days for c in clock]


def _capped(rule: DoseRule, out: list[timedelta]) -> list[timedelta]:
    return out if rule.max_doses_per_cycle is None else out[: rule.max_doses_per_cycle]


def timeline(
    phase: Phase, drug: str, budget: Budget, weekday: int = 0, span: int = 2
) -> Iterator[list[timedelta]]:
    """The drug's dose offsets over each run of ``span`` consecutive cycles the phase can hold
    (cycle 1-2, 2-3, ...), each run's offsets from day 1 of its first cycle, sorted. Runs with
    the same rules in force are given once. Stops when the ``budget`` runs out."""
    rules = [r for r in phase.doses if r.drug == drug]
    last = min(phase.cycles or _HORIZON + span, _HORIZON + span)
    seen: set[tuple[tuple[bool, ...], ...]] = set()
    per_cycle: dict[tuple[bool, ...], list[timedelta]] = {}
    for first in range(1, max(last - span + 1, 1) + 1):
        cycles = range(first, min(first + span - 1, last) + 1)
        signature = tuple(tuple(c in r.cycles for r in rules) for c in cycles)
        if signature in seen:
            continue
        seen.add(signature)
        if not budget.take(sum(r.slots_per_cycle() for r in rules) * len(signature)):
            return
        run: list[timedelta] = []
        for n, active in enumerate(signature):
            if active not in per_cycle:
                per_cycle[active] = sorted(
                    o
                    for r, on in zip(rules, active, strict=True)
                    if on
                    for o in offsets(r, phase, weekday)
                )
            shift = n * phase.cycle_days * _DAY
            run.extend(o + shift for o in per_cycle[active])
        yield sorted(run)


def closest(run: list[timedelta]) -> timedelta | None:
    """The smallest gap between two consecutive doses of a sorted run."""
    return min((b - a for a, b in itertools.pairwise(run)), default=None)


def crowded_window(run: list[timedelta], cap: WindowCap) -> tuple[timedelta, timedelta] | None:
    """The first and last of ``cap.doses + 1`` doses that fall within one window, if any (a
    window written in days counts calendar days, as plan/spacing.py does)."""
    n = cap.doses
    whole_days = cap.calendar_days
    for i in range(len(run) - n):
        a, b = run[i], run[i + n]
        close = (b // _DAY - a // _DAY) < cap.window // _DAY if whole_days else b - a < cap.window
        if close:
            return a, b
    return None


def _since_midnight(rule: DoseRule) -> timedelta:
    t = rule.time
    return datetime.combine(datetime.min, t) - datetime.min
