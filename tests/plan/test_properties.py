"""Invariants over many random plans (hypothesis): sorted, inside the plan's bounds, complete,
deterministic, at the local clock time asked for, and unchanged through an .ics round trip."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler.export.ics import to_ics
from scheduler.plan.events import Event
from scheduler.regimen.notation import parse_day_list, parse_pattern
from tests.helpers import doses, plan

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "America/Santiago",
         "Asia/Kolkata", "Pacific/Auckland", "UTC"]  # fmt: skip
# Whole hours from 05:00 to 22:00 exist on every day in these zones (no change happens then).
TIMES = st.builds(time, st.integers(5, 22), st.sampled_from([0, 15, 30, 45]))
STARTS = st.dates(date(2000, 1, 1), date(2090, 12, 31))


@settings(max_examples=60, deadline=None)
@given(start=STARTS, cycles=st.integers(1, 6), zone=st.sampled_from(ZONES), at=TIMES)
def test_random_plans_keep_the_invariants(start: date, cycles: int, zone: str, at: time) -> None:
    events = plan(start=start, cycles=cycles, zone=zone, dose_time=at)
    given_doses = doses(events)
    assert len(given_doses) == 20 * cycles
    # Every dose at the requested local clock time, within the planned cycles.
    last_day = start + timedelta(days=35 * cycles - 1)
    for event in given_doses:
        assert isinstance(event.start, datetime)
        assert (event.start.hour, event.start.minute) == (at.hour, at.minute)
        assert start <= event.start.date() <= last_day
        assert event.end - event.start == timedelta(minutes=15)
    assert_sorted(events, zone)
    # Deterministic, unique identities.
    assert [e.uid for e in events] == [e.uid for e in plan(start=start, cycles=cycles, zone=zone,
                                                           dose_time=at)]  # fmt: skip
    assert len({e.uid for e in events}) == len(events)


@settings(max_examples=25, deadline=None)
@given(start=STARTS, cycles=st.integers(1, 3), zone=st.sampled_from(ZONES), at=TIMES)
def test_ics_round_trip_through_icalendar(start: date, cycles: int, zone: str, at: time) -> None:
    events = plan(start=start, cycles=cycles, zone=zone, dose_time=at)
    stamp = datetime(2026, 11, 22, tzinfo=UTC)
    data = to_ics(events, name="Round trip", stamp=stamp, zone=ZoneInfo(zone))
    read = icalendar.Calendar.from_ical(data).walk("VEVENT")
    assert [(v["UID"], v.start, v.end) for v in read] == [(e.uid, e.start, e.end) for e in events]


def assert_sorted(events: tuple[Event, ...], zone: str) -> None:
    """Sorted by instant, all-day events at their local midnight."""
    tz = ZoneInfo(zone)
    instants = [
        e.start.astimezone(UTC)
        if isinstance(e.start, datetime)
        else datetime.combine(e.start, time(0), tzinfo=tz).astimezone(UTC)
        for e in events
    ]
    assert instants == sorted(instants)


STEPS = st.lists(st.tuples(st.integers(1, 9), st.booleans()), min_size=1, max_size=6)


@given(steps=STEPS, repeat=st.integers(1, 4), tail=st.integers(0, 9))
def test_pattern_and_day_list_forms_agree(
    steps: list[tuple[int, bool]], repeat: int, tail: int
) -> None:
    if not any(on for _, on in steps):
        steps = [*steps, (1, True)]
    pattern = ", ".join(f"{n} {'on' if on else 'off'}" for n, on in steps) + f", x{repeat}"
    if tail:
        pattern += f", then {tail} off"
    ranges, position = [], 0
    for _ in range(repeat):
        for n, on in steps:
            if on:
                ranges.append(f"{position + 1}-{position + n}")
            position += n
    days, length = parse_pattern(pattern)
    assert days == parse_day_list(", ".join(ranges))
    assert length == position + tail


@st.composite
def regimens(draw: st.DrawFn) -> tuple[str, int, list[dict[str, object]]]:
    """Random valid regimen text: 1-3 dose rules (one drug each), fixed times, several times a
    day, or intervals with caps, on random days, in random cycles."""
    cycle_days = draw(st.integers(7, 42))
    rules: list[dict[str, object]] = []
    lines = [
        'id = "random"', 'name = "Random"', 'indication = "Property test"', 'source = "hypothesis"',
    ]  # fmt: skip
    drugs = draw(st.integers(1, 3))
    for n in range(drugs):
        lines += [f"[drugs.d{n}]", f'name = "Drug {n}"', 'route = "oral"']
    lines += ["[[phases]]", f"cycle_days = {cycle_days}", 'cycles = "until stopped"']
    for n in range(drugs):
        days = sorted(draw(st.sets(st.integers(1, cycle_days), min_size=1, max_size=cycle_days)))
        kind = draw(st.sampled_from(["time", "times", "every"]))
        rule: dict[str, object] = {"n": n, "days": days, "kind": kind, "cap": None}
        lines += ["[[phases.doses]]", f'drug = "d{n}"', f"days = {days}", 'duration = "10m"']
        if kind == "time":
            lines.append(f'time = "{draw(st.integers(6, 21)):02d}:00"')
        elif kind == "times":
            hours = sorted(draw(st.sets(st.integers(6, 22), min_size=2, max_size=3)))
            lines.append("times = [" + ", ".join(f'"{h:02d}:00"' for h in hours) + "]")
        else:
            every = draw(st.sampled_from([6, 8, 12]))
            rule["every"] = every
            lines += [f'time = "{draw(st.integers(6, 10)):02d}:00"', f'every = "{every}h"']
            cap = draw(st.one_of(st.none(), st.integers(1, 5)))
            if cap is not None:
                rule["cap"] = cap
                lines += [f"max_doses_per_cycle = {cap}", 'cap_reason = "property test"']
        cycles = draw(st.sampled_from(["all", "1", "2-", "every 2"]))
        rule["cycles"] = cycles
        lines.append(f'cycles = "{cycles}"')
        rules.append(rule)
    return "\n".join(lines) + "\n", cycle_days, rules


@settings(max_examples=60, deadline=None)
@given(spec=regimens(), start=STARTS, cycles=st.integers(1, 4), zone=st.sampled_from(ZONES))
def test_random_valid_regimens_expand_sorted_bounded_capped_and_deterministic(
    spec: tuple[str, int, list[dict[str, object]]], start: date, cycles: int, zone: str
) -> None:
    from scheduler import PlanOptions, expand, parse_regimen
    from scheduler.errors import RegimenError

    text, cycle_days, rules = spec
    try:
        regimen = parse_regimen(text)
    except RegimenError as err:
        # The only refusal a random rule may earn: a cap that never applies (it is not dropping
        # anything), which the format reports rather than ignores.
        assert "never applies" in str(err)
        assume(False)
    options = PlanOptions(start=start, zone=ZoneInfo(zone), cycles=cycles)
    events = expand(regimen, options)
    assert events == expand(regimen, options)
    assert len({e.uid for e in events}) == len(events)
    assert_sorted(events, zone)
    # Inside the plan: from the start to the end of the last cycle (an interval series that
    # starts late on a cycle's last day may run into the next morning).
    end = start + timedelta(days=cycles * cycle_days)
    for event in doses(events):
        assert start <= event.start.date() <= end  # type: ignore[union-attr]
    # Caps hold, per rule and cycle.
    for rule in rules:
        for cycle in range(1, cycles + 1):
            count = sum(
                1 for e in doses(events) if e.drug == f"Drug {rule['n']}" and e.cycle == cycle
            )
            if rule["cap"] is not None:
                assert count <= rule["cap"]  # type: ignore[operator]


WEEKDAY_REGIMEN = """
id = "weekdays"
name = "Weekday fractions"
indication = "Test fixture"
source = "test suite"

[drugs.rt]
name = "Radiotherapy"
route = "radiotherapy"

[[phases]]
cycle_days = 7
cycles = "until stopped"

[[phases.doses]]
days = "DAYS"
count = COUNT
time = "09:00"
duration = "15m"
"""


@settings(max_examples=60, deadline=None)
@given(
    weekdays=st.sets(st.integers(0, 6), min_size=1),
    count=st.integers(1, 40),
    start=STARTS,
    zone=st.sampled_from(ZONES),
)
def test_weekday_rules_start_on_the_start_date_and_give_their_count(
    weekdays: set[int], count: int, start: date, zone: str
) -> None:
    from scheduler import PlanOptions, expand, parse_regimen
    from scheduler.regimen.notation import weekday_name

    days = ", ".join(weekday_name(w)[:3] for w in sorted(weekdays))
    regimen = parse_regimen(WEEKDAY_REGIMEN.replace("DAYS", days).replace("COUNT", str(count)))
    given_doses = doses(expand(regimen, PlanOptions(start=start, zone=ZoneInfo(zone))))
    dates = [e.start.date() for e in given_doses if isinstance(e.start, datetime)]
    assert len(dates) == count
    assert all(d.weekday() in weekdays for d in dates)
    assert dates == sorted(set(dates))
    # The first dose is the first listed weekday on or after the start: never a week later.
    assert (dates[0] - start).days < 7 and dates[0] >= start
    # No listed weekday is skipped between the first and the last dose.
    every = [start + timedelta(days=n) for n in range((dates[-1] - start).days + 1)]
    assert dates == [d for d in every if d.weekday() in weekdays]


@settings(max_examples=40, deadline=None)
@given(start=STARTS, zone=st.sampled_from(ZONES), cycles=st.integers(1, 60))
def test_divided_weekly_methotrexate_keeps_its_own_limits_in_every_zone(
    start: date, zone: str, cycles: int
) -> None:
    """The regimen as written never trips its own safety limits, across clock changes."""
    given_doses = doses(plan("methotrexate-weekly-divided", start=start, zone=zone, cycles=cycles))
    assert len(given_doses) == 3 * cycles


@settings(max_examples=60, deadline=None)
@given(
    start=STARTS,
    cycles=st.integers(1, 4),
    zone=st.sampled_from(ZONES),
    delay=st.tuples(st.integers(1, 4), st.integers(1, 21)),
    omit=st.tuples(st.integers(1, 4), st.sampled_from([1, 5, 8, 22, 26])),
)
def test_the_precaution_with_no_stated_end_ends_at_the_last_dose_and_asks_the_day_after(
    start: date, cycles: int, zone: str, delay: tuple[int, int], omit: tuple[int, int]
) -> None:
    """Whatever delays and omissions do to the last dose, contraception (no stated end) runs
    from the first dose to the last inclusive, and the one day to ask is the day after it;
    the live-vaccine precaution (12 months stated) has no such day."""
    from scheduler.plan.changes import Delay, Omit

    changes = (Delay(phase=1, cycle=min(delay[0], cycles), days=delay[1]),
               Omit(phase=1, cycle=min(omit[0], cycles), day=omit[1], slot=None, drug=None))  # fmt: skip
    events = plan(start=start, cycles=cycles, zone=zone, adjustments=changes)
    days = [e.start.date() for e in doses(events) if isinstance(e.start, datetime)]
    span = next(e for e in events if e.slot == "precaution:contraception")
    (ask,) = [e for e in events if e.slot.endswith(":ask")]
    assert (span.start, span.end) == (min(days), max(days) + timedelta(days=1))
    assert (ask.start, ask.end) == (max(days) + timedelta(days=1), max(days) + timedelta(days=2))
    assert ask.slot == "precaution:contraception:ask"
