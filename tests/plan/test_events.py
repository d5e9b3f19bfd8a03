"""Events as every exporter takes them (scheduler/plan/events.py: checked_events)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from scheduler.errors import ArgumentError
from scheduler.plan.events import checked_events
from scheduler.planner import plan

LONDON = ZoneInfo("Europe/London")


def test_a_dose_ending_after_clocks_go_back_is_not_refused_as_ending_first() -> None:
    """Regression: 01:50 BST to 01:10 GMT on Sun 31 Oct 2027 is 20 minutes of real time, but
    Python compares two datetimes of one zone by their wall clocks (PEP 495), so the check took
    the end for earlier than the start and refused the files of every reader test that puts a
    dose across a fall-back change."""
    dose = next(e for e in plan("aldesleukin-sc", start=date(2027, 10, 25), zone="Europe/London",
                                cycles=1).events if not e.all_day)  # fmt: skip
    start = datetime(2027, 10, 31, 1, 50, tzinfo=LONDON)  # fold 0: BST, 00:50 UTC
    end = datetime(2027, 10, 31, 1, 10, fold=1, tzinfo=LONDON)  # fold 1: GMT, 01:10 UTC
    across = (dataclasses.replace(dose, start=start, end=end),)
    assert checked_events(across) == across


def test_an_end_before_the_start_is_refused_in_real_time() -> None:
    dose = next(e for e in plan("aldesleukin-sc", start=date(2027, 10, 25), zone="Europe/London",
                                cycles=1).events if not e.all_day)  # fmt: skip
    start = datetime(2027, 10, 31, 1, 10, fold=1, tzinfo=LONDON)  # 01:10 UTC
    end = datetime(2027, 10, 31, 1, 50, tzinfo=LONDON)  # 00:50 UTC: later on the clock, earlier
    with pytest.raises(ArgumentError) as caught:
        checked_events((dataclasses.replace(dose, start=start, end=end),))
    assert str(caught.value) == (
        "events[0].end 2027-10-31 01:50:00+01:00 of a timed event is before its start "
        "2027-10-31 01:10:00+00:00"
    )
    assert caught.value.field == "events"
