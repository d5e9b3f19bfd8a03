"""The compact RRULE form (scheduler/export/series.py): repeating doses folded into series.

A series is a run of doses of one rule slot at one clock time whose dates step by a constant
number of days. group() looks for one run over all of a rule's doses first (imatinib daily: one
series); otherwise it looks per cycle day (aldesleukin: day 3 of every cycle is one series).
Expected dates and RRULEs below are written by hand from the published schedules.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from dateutil.rrule import rrulestr

from scheduler.export.ics import Reminders, to_ics
from scheduler.export.series import Series, group
from scheduler.plan.closures import Closures
from scheduler.plan.events import Event
from scheduler.regimen.model import EventKind
from tests.helpers import plan

LONDON = ZoneInfo("Europe/London")
STAMP = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def _series(items: Sequence[Event | Series]) -> list[Series]:
    return [item for item in items if isinstance(item, Series)]


def _dose_starts(events: Sequence[Event]) -> Counter[datetime]:
    """The start of every (timed, not cancelled) dose, as a multiset."""
    return Counter(
        e.start
        for e in events
        if e.kind == EventKind.DOSE and not e.cancelled and isinstance(e.start, datetime)
    )


def _expand(series: Series) -> list[datetime]:
    """The series' occurrences by dateutil (not by our code): RRULE from the first start."""
    start = series.first.start
    assert isinstance(start, datetime)
    return list(rrulestr(f"RRULE:{series.rrule}", dtstart=start))


def _local(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _ics(events: Sequence[Event], recurrence: str) -> bytes:
    return to_ics(
        events,
        name="Series test",
        stamp=STAMP,
        zone=LONDON,
        recurrence=recurrence,
        reminders=Reminders.none(),
    )


def _read_dose_instants(data: bytes) -> Counter[int]:
    """Dose start instants (UTC seconds) as icalendar + recurring-ical-events expand them."""
    calendar = icalendar.Calendar.from_ical(data)
    window = recurring_ical_events.of(calendar).between(date(2026, 1, 1), date(2029, 1, 1))
    return Counter(int(e.start.timestamp()) for e in window if "Dose" in e.categories)


# --- aldesleukin-sc: 5 on, 2 off, x4, then 7 off; 35-day cycles; 09:00 ----------------------

# Cycle 1 from Monday 4 January 2027: doses on cycle days 1-5, 8-12, 15-19, 22-26, i.e.
# Mon-Fri 4-8, 11-15, 18-22 and 25-29 January. Cycle 2 starts 35 days later: 4 Jan + 35 days
# = 4 Jan + 27 (to 31 Jan) + 8 = Monday 8 February; its doses are 8-12, 15-19, 22-26 February
# and (February 2027 has 28 days) 1-5 March.
ALDESLEUKIN_CYCLE_1 = [
    (1, date(2027, 1, 4)), (2, date(2027, 1, 5)), (3, date(2027, 1, 6)), (4, date(2027, 1, 7)),
    (5, date(2027, 1, 8)),
    (8, date(2027, 1, 11)), (9, date(2027, 1, 12)), (10, date(2027, 1, 13)),
    (11, date(2027, 1, 14)), (12, date(2027, 1, 15)),
    (15, date(2027, 1, 18)), (16, date(2027, 1, 19)), (17, date(2027, 1, 20)),
    (18, date(2027, 1, 21)), (19, date(2027, 1, 22)),
    (22, date(2027, 1, 25)), (23, date(2027, 1, 26)), (24, date(2027, 1, 27)),
    (25, date(2027, 1, 28)), (26, date(2027, 1, 29)),
]  # fmt: skip
ALDESLEUKIN_CYCLE_2 = [
    date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 2, 11), date(2027, 2, 12),
    date(2027, 2, 15), date(2027, 2, 16), date(2027, 2, 17), date(2027, 2, 18), date(2027, 2, 19),
    date(2027, 2, 22), date(2027, 2, 23), date(2027, 2, 24), date(2027, 2, 25), date(2027, 2, 26),
    date(2027, 3, 1), date(2027, 3, 2), date(2027, 3, 3), date(2027, 3, 4), date(2027, 3, 5),
]  # fmt: skip


def test_aldesleukin_one_cycle_has_no_series() -> None:
    """The documented rule for one cycle. Over the whole rule the 20 doses do not step evenly
    (1 day inside a week, 3 days over a weekend), so group() looks per cycle day; with one
    cycle every cycle day has one dose, which is no series. So the compact form of one cycle is
    the 20 doses as single events (no RRULE, no EXDATE), exactly the expanded form."""
    events = plan(cycles=1)
    grouped = group(events)
    assert _series(grouped) == []
    assert grouped == list(events)
    doses = [e for e in grouped if isinstance(e, Event) and e.kind == EventKind.DOSE]
    assert [(e.day, e.start) for e in doses] == [
        (day, _local(when)) for day, when in ALDESLEUKIN_CYCLE_1
    ]
    compact = _ics(events, "rrule")
    # (The VTIMEZONE has its own yearly RRULEs; no VEVENT has a daily one.)
    assert b"RRULE:FREQ=DAILY" not in compact and b"EXDATE" not in compact
    assert compact == _ics(events, "expand")


def test_aldesleukin_two_cycles_is_one_series_per_cycle_day() -> None:
    """Two cycles: each of the 20 dose days becomes a series of 2 doses 35 days apart
    (FREQ=DAILY;INTERVAL=35;COUNT=2), titled by its cycle day, in the order of its first dose.
    The blood tests (days -1 and 15) and precautions stay single events."""
    events = plan(cycles=2)
    grouped = group(events)
    series = _series(grouped)
    assert [s.rrule for s in series] == ["FREQ=DAILY;INTERVAL=35;COUNT=2"] * 20
    assert [(s.first.day, [e.start for e in s.events]) for s in series] == [
        (day, [_local(first), _local(second)])
        for (day, first), second in zip(ALDESLEUKIN_CYCLE_1, ALDESLEUKIN_CYCLE_2, strict=True)
    ]
    assert all(s.per_cycle_day and s.step == 35 for s in series)
    assert series[0].title == "Aldesleukin injection — cycle day 1"
    assert series[-1].title == "Aldesleukin injection — cycle day 26"
    assert series[0].uid == series[0].first.uid.replace("@", "-series@")
    assert series[2].description.split("\n")[1] == (
        "When: at 09:00, every 35 days, 2 times, from Wed 6 Jan 2027 to Wed 10 Feb 2027 "
        "(day 3 of cycles 1-2)."
    )
    singles = [item for item in grouped if isinstance(item, Event)]
    assert all(e.kind != EventKind.DOSE for e in singles)
    # Two blood tests per cycle, the two precautions and the day to ask how long contraception
    # goes on.
    assert sorted(e.kind.value for e in singles) == ["lab"] * 4 + ["precaution"] * 3

    data = _ics(events, "rrule")
    assert data.count(b"RRULE:FREQ=DAILY;INTERVAL=35;COUNT=2\r\n") == 20
    assert data.count(b"RRULE:FREQ=DAILY") == 20  # the VTIMEZONE's rules are FREQ=YEARLY
    assert b"DTSTART;TZID=Europe/London:20270104T090000\r\nDTEND;TZID=Europe/London:" in data


def test_aldesleukin_series_keep_nine_o_clock_across_the_clock_change() -> None:
    """Three cycles: cycle 3 starts 8 Feb + 35 days = 8 Feb + 20 (to 28 Feb) + 15 = Mon 15 March,
    and London goes to summer time on Sunday 28 March 2027. The cycle day 15 series is 18 Jan,
    22 Feb and 29 March at 09:00 local: 09:00 UTC twice, then 08:00 UTC."""
    series = _series(group(plan(cycles=3)))
    assert len(series) == 20
    day_15 = next(s for s in series if s.first.day == 15)
    assert day_15.rrule == "FREQ=DAILY;INTERVAL=35;COUNT=3"
    assert [e.start for e in day_15.events] == [
        _local(date(2027, 1, 18)),
        _local(date(2027, 2, 22)),
        _local(date(2027, 3, 29)),
    ]
    assert [e.start.astimezone(UTC).hour for e in day_15.events] == [9, 9, 8]  # type: ignore[union-attr]
    assert _expand(day_15) == [e.start for e in day_15.events]


# --- imatinib-daily: continuous, one dose a day at 09:00 ------------------------------------


def test_imatinib_two_blocks_is_one_daily_series() -> None:
    """Continuous daily imatinib for two 28-day blocks = 56 doses a day apart: one series,
    FREQ=DAILY;INTERVAL=1;COUNT=56, from Mon 4 Jan 2027 to 4 Jan + 55 days = 28 Feb 2027
    (4-31 January is 28 days, 1-28 February the other 28). Not per cycle day: the title has no
    day."""
    events = plan("imatinib-daily", cycles=2)
    grouped = group(events)
    assert len(grouped) == 1
    (series,) = grouped
    assert isinstance(series, Series)
    assert series.rrule == "FREQ=DAILY;INTERVAL=1;COUNT=56"
    assert series.step == 1 and not series.per_cycle_day
    assert series.first.start == _local(date(2027, 1, 4))
    assert series.events[-1].start == _local(date(2027, 2, 28))
    assert series.title == "Imatinib tablets 400 mg"
    assert "When: at 09:00, every day, 56 times, from Mon 4 Jan 2027 to Sun 28 Feb 2027." in (
        series.description
    )
    data = _ics(events, "rrule")
    assert data.count(b"BEGIN:VEVENT") == 1
    assert b"RRULE:FREQ=DAILY;INTERVAL=1;COUNT=56\r\n" in data
    assert b"SUMMARY:Imatinib tablets 400 mg\r\n" in data


# --- expansion gives back exactly the doses --------------------------------------------------

PLANS: list[tuple[str, dict[str, Any]]] = [
    ("aldesleukin-sc", {"cycles": 1}),
    ("aldesleukin-sc", {"cycles": 3}),
    ("aldesleukin-sc-18-9", {"cycles": 2}),
    ("imatinib-daily", {"cycles": 2}),
    ("capecitabine-q21d", {"cycles": 2}),
    ("mfolfox6", {"cycles": 3}),
    ("methotrexate-weekly", {"cycles": 10}),
    # A closed Monday 18 Jan moves mFOLFOX6 cycle 2 (and every later cycle) a day later, so the
    # day 1 steps are 15 days then 14: the runs split.
    ("mfolfox6", {"cycles": 4, "closures": Closures(dates=frozenset({date(2027, 1, 18)}))}),
]


@pytest.mark.parametrize(("regimen", "options"), PLANS, ids=lambda v: str(v))
def test_every_series_expands_to_exactly_the_doses_it_replaced(
    regimen: str, options: dict[str, Any]
) -> None:
    """For each series, dateutil's expansion of its RRULE from its first start (first start +
    k × INTERVAL days at the same local clock time) is exactly the starts of its events; and
    the series' expansions plus the single events are exactly the plan's doses (a multiset:
    nothing lost, nothing doubled)."""
    events = plan(regimen, **options)
    grouped = group(events)
    seen: Counter[datetime] = Counter()
    for item in grouped:
        if isinstance(item, Series):
            starts = [e.start for e in item.events]
            expanded = _expand(item)
            assert expanded == starts
            first = item.first.start
            assert isinstance(first, datetime)
            assert all(
                (s.date() - first.date()).days == k * item.step and s.time() == first.time()
                for k, s in enumerate(expanded)
            )
            seen.update(expanded)
        elif item.kind == EventKind.DOSE:
            assert isinstance(item.start, datetime)
            seen[item.start] += 1
    assert seen == _dose_starts(events)
    # Every event of the plan appears once: in a series or as itself.
    placed = [e for item in grouped for e in (item.events if isinstance(item, Series) else [item])]
    assert sorted(map(id, placed)) == sorted(map(id, events))


def test_closure_splits_the_runs_where_the_step_changes() -> None:
    """mFOLFOX6, 4 cycles of 14 days from Mon 4 Jan 2027, with Mon 18 Jan closed: cycle 2 moves
    to Tue 19 Jan and cycles 3 and 4 follow it (Tue 2 Feb, Tue 16 Feb). Cycle 2's doses carry a
    note saying why they moved, so they stay single events; oxaliplatin at 09:00 on the other
    days is a series 29 days apart (4 Jan, 2 Feb), then 16 Feb on its own: every step constant."""
    closed = Closures(dates=frozenset({date(2027, 1, 18)}))
    items = group(plan("mfolfox6", cycles=4, closures=closed))
    oxaliplatin = [s for s in _series(items) if s.first.slot == "dose:oxaliplatin"]
    assert [(s.rrule, [e.start for e in s.events]) for s in oxaliplatin] == [
        ("FREQ=DAILY;INTERVAL=29;COUNT=2", [_local(date(2027, 1, 4)), _local(date(2027, 2, 2))]),
    ]
    singles = [e.start for e in items if isinstance(e, Event) and e.slot == "dose:oxaliplatin"]
    assert singles == [_local(date(2027, 1, 19)), _local(date(2027, 2, 16))]


# --- what never shares a series --------------------------------------------------------------


def _dose(slot: str, day: date, hour: int = 9, amount: str = "400 mg") -> Event:
    start = _local(day, hour)
    return Event(
        uid=f"{slot}-{day.isoformat()}-{hour}@test",
        kind=EventKind.DOSE,
        title=f"Drug {slot} — day {day.day}",
        start=start,
        end=start + timedelta(minutes=15),
        all_day=False,
        description="When: placeholder.",
        slot=slot,
        cycle=1,
        day=day.day,
        phase="Treatment",
        amount=amount,
        timezone="Europe/London",
    )


def test_different_clock_times_never_share_a_series() -> None:
    """Slot "dose:a" at 09:00 on 4, 5, 6 January and at 10:00 on 7, 8 January: two series (the
    dates alone would step by one day throughout, but the clock time differs)."""
    nine = [_dose("dose:a", date(2027, 1, d)) for d in (4, 5, 6)]
    ten = [_dose("dose:a", date(2027, 1, d), hour=10) for d in (7, 8)]
    series = _series(group([*nine, *ten]))
    assert [(s.rrule, s.events) for s in series] == [
        ("FREQ=DAILY;INTERVAL=1;COUNT=3", tuple(nine)),
        ("FREQ=DAILY;INTERVAL=1;COUNT=2", tuple(ten)),
    ]


def test_different_rules_never_share_a_series() -> None:
    """Rule a on 4 and 6 January, rule b on 5 and 7 January, all at 09:00 with the same amount:
    together they would be a daily run, but each rule is its own series, every 2 days."""
    a4, b5, a6, b7 = (
        _dose("dose:a", date(2027, 1, 4)),
        _dose("dose:b", date(2027, 1, 5)),
        _dose("dose:a", date(2027, 1, 6)),
        _dose("dose:b", date(2027, 1, 7)),
    )
    series = _series(group([a4, b5, a6, b7]))
    assert [(s.rrule, s.events) for s in series] == [
        ("FREQ=DAILY;INTERVAL=2;COUNT=2", (a4, a6)),
        ("FREQ=DAILY;INTERVAL=2;COUNT=2", (b5, b7)),
    ]


def test_different_amounts_never_share_a_series() -> None:
    """One slot, 09:00 daily on 4-7 January, but 18 MIU on 4-5 and 9 MIU on 6-7: two series."""
    full = [_dose("dose:a", date(2027, 1, d), amount="18 MIU") for d in (4, 5)]
    half = [_dose("dose:a", date(2027, 1, d), amount="9 MIU") for d in (6, 7)]
    series = _series(group([*full, *half]))
    assert [s.events for s in series] == [tuple(full), tuple(half)]


def test_capecitabine_morning_and_evening_are_separate_series() -> None:
    """Capecitabine twice daily (08:00 and 20:00) on days 1-14 of cycle 1, from Mon 4 Jan 2027
    to Sun 17 Jan 2027: one daily series of 14 at 08:00 and one of 14 at 20:00."""
    series = _series(group(plan("capecitabine-q21d", cycles=1)))
    assert [(s.rrule, s.first.start, s.events[-1].start) for s in series] == [
        ("FREQ=DAILY;INTERVAL=1;COUNT=14", _local(date(2027, 1, 4), 8), _local(date(2027, 1, 17), 8)),
        ("FREQ=DAILY;INTERVAL=1;COUNT=14", _local(date(2027, 1, 4), 20), _local(date(2027, 1, 17), 20)),
    ]  # fmt: skip


@pytest.mark.parametrize(("regimen", "options"), PLANS, ids=lambda v: str(v))
def test_a_series_is_one_slot_at_one_clock_time(regimen: str, options: dict[str, Any]) -> None:
    """In every bundled plan above, each series has one rule slot, one clock time, one
    duration and one amount."""
    for series in _series(group(plan(regimen, **options))):
        assert len({e.slot for e in series.events}) == 1
        assert len({e.start.time() for e in series.events if isinstance(e.start, datetime)}) == 1
        assert len({e.end - e.start for e in series.events}) == 1  # type: ignore[operator]
        assert len({e.amount for e in series.events}) == 1


def test_mfolfox6_drugs_at_the_same_time_are_separate_series() -> None:
    """mFOLFOX6 every 14 days, 3 cycles from Mon 4 Jan 2027 (day 1: 4 Jan, 18 Jan, 1 Feb):
    oxaliplatin and leucovorin both start at 09:00 on the same days but are two series; the
    fluorouracil bolus (11:00, after the 2-hour leucovorin) and the 46-hour infusion (11:05,
    after the 5-minute bolus) are two more."""
    series = _series(group(plan("mfolfox6", cycles=3)))
    days = [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1)]
    assert [(s.first.slot, [e.start for e in s.events]) for s in series] == [
        ("dose:oxaliplatin", [_local(d) for d in days]),
        ("dose:leucovorin", [_local(d) for d in days]),
        ("dose:fluorouracil-bolus", [_local(d, 11) for d in days]),
        ("dose:fluorouracil-infusion", [_local(d, 11, 5) for d in days]),
    ]
    assert {s.rrule for s in series} == {"FREQ=DAILY;INTERVAL=14;COUNT=3"}


def test_time_option_moves_every_series() -> None:
    """--time 07:30 for aldesleukin (2 cycles): still 20 series, now all at 07:30."""
    series = _series(group(plan(cycles=2, dose_time=time(7, 30))))
    assert len(series) == 20
    assert {e.start.time() for s in series for e in s.events} == {time(7, 30)}  # type: ignore[union-attr]


# --- read back by parsers we did not write ---------------------------------------------------


@pytest.mark.parametrize(("regimen", "options"), PLANS, ids=lambda v: str(v))
def test_rrule_form_reads_back_as_the_expanded_form(regimen: str, options: dict[str, Any]) -> None:
    """icalendar parses the .ics and recurring-ical-events expands its RRULEs: the compact form
    gives exactly the dose instants of the expanded form (which has one VEVENT per dose)."""
    events = plan(regimen, **options)
    compact, expanded = (
        _read_dose_instants(_ics(events, "rrule")),
        _read_dose_instants(_ics(events, "expand")),
    )
    assert compact == expanded
    assert sum(expanded.values()) == sum(_dose_starts(events).values())


def test_rrule_form_read_back_has_the_hand_written_aldesleukin_instants() -> None:
    """Aldesleukin, 3 cycles, compact form read back: 60 doses at 09:00 London. Cycle 3 is
    15-19, 22-26 March, 29 March-2 April and 5-9 April: Friday 26 March is still GMT
    (09:00 UTC), Monday 29 March is BST (08:00 UTC)."""
    instants = _read_dose_instants(_ics(plan(cycles=3), "rrule"))
    assert sum(instants.values()) == 60
    assert set(instants.values()) == {1}
    assert int(datetime(2027, 1, 4, 9, tzinfo=UTC).timestamp()) in instants
    assert int(datetime(2027, 3, 26, 9, tzinfo=UTC).timestamp()) in instants
    assert int(datetime(2027, 3, 29, 8, tzinfo=UTC).timestamp()) in instants
    assert int(datetime(2027, 4, 9, 8, tzinfo=UTC).timestamp()) in instants
    assert int(datetime(2027, 3, 29, 9, tzinfo=UTC).timestamp()) not in instants
    # Mon 1 Feb is cycle day 29 (4 Jan + 28 days), in cycle 1's rest week (days 29-35).
    assert int(datetime(2027, 2, 1, 9, tzinfo=UTC).timestamp()) not in instants


# --- what the patient must see survives the compact form -------------------------------------


def test_a_flagged_dose_keeps_its_warning_in_the_compact_form() -> None:
    """Imatinib at home with Wed 6 Jan 2027 closed and home="keep and flag": the day 3 dose is
    kept and flagged "[Home closed (closed that day)]" in its title. The warning must reach the
    patient in the compact form too, as it does in the expanded form."""
    closed = Closures(
        dates=frozenset({date(2027, 1, 6)}),
        policy={"home": "keep and flag", "clinic": "next open day", "hospital": "next open day"},
    )
    events = plan("imatinib-daily", cycles=1, closures=closed)
    assert b"Home closed (closed that day)" in _ics(events, "expand")
    assert b"Home closed (closed that day)" in _ics(events, "rrule")


def test_a_moved_dose_keeps_its_note_in_the_compact_form() -> None:
    """mFOLFOX6 with Mon 18 Jan 2027 closed: cycle 2 moves to Tue 19 Jan and each of its doses
    carries a note saying so. In the compact form 4 and 19 January are one series whose text is
    cycle 1's: the note must still appear for the patient."""
    closed = Closures(dates=frozenset({date(2027, 1, 18)}))
    events = plan("mfolfox6", cycles=4, closures=closed)
    note = b"This cycle moved from Mon 18 Jan 2027 to Tue 19 Jan 2027"
    unfolded = _ics(events, "expand").replace(b"\r\n ", b"")
    compact = _ics(events, "rrule").replace(b"\r\n ", b"")
    assert unfolded.count(note) > 0
    assert compact.count(note) > 0
