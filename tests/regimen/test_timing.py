"""Nominal dose offsets (regimen/timing.py): what the loader checks safety limits against."""

from __future__ import annotations

from datetime import timedelta

from scheduler import parse_regimen
from scheduler.regimen.timing import offsets


def chain(length: int) -> str:
    """``length`` drugs on day 1, each given for one minute after the one before, from 08:00."""
    lines = ['id = "chain"', 'name = "A chain"', 'indication = "Test"', 'source = "Test"']
    for n in range(length):
        lines += [f"[drugs.d{n}]", f'name = "D{n}"', 'route = "oral"']
    lines += ["[[phases]]", "cycle_days = 7", "cycles = 1"]
    for n in range(length):
        lines += ["[[phases.doses]]", f'key = "k{n}"', f'drug = "d{n}"', 'days = "1"',
                  'time = "08:00"' if n == 0 else f'after = "k{n - 1}"', 'duration = "1m"']  # fmt: skip
    return "\n".join(lines) + "\n"


def test_a_rule_after_another_starts_when_it_ends() -> None:
    phase = parse_regimen(chain(3)).phases[0]
    assert [offsets(rule, phase) for rule in phase.doses] == [
        (timedelta(hours=8),),
        (timedelta(hours=8, minutes=1),),
        (timedelta(hours=8, minutes=2),),
    ]


def test_a_chain_of_a_thousand_rules_is_followed_without_recursion() -> None:
    """The 1,000th drug starts 999 minutes after 08:00: at 00:39 the next day. (Followed by
    recursion, the chain ended in a RecursionError that `show` reported as an internal error.)"""
    phase = parse_regimen(chain(1000)).phases[0]
    assert offsets(phase.doses[-1], phase) == (timedelta(days=1, minutes=39),)
