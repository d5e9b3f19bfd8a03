"""The library's plan options (issue 8, defect 11): checked when built, so a caller's mistake is
the project's own PlanError naming the field — never a raw TypeError, OverflowError or
InvalidOperation later, and never a silent fallback (the machine's zone, 2.5 cycles)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanError, PlanOptions, expand, parse_regimen, resolve_regimen
from scheduler.plan.changes import Delay, Omit, Retime, Stop

LONDON = ZoneInfo("Europe/London")
START = date(2027, 1, 4)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"zone": None}, "zone", "zone must be an IANA time zone"),
        ({"zone": timezone(timedelta(hours=1))}, "zone", "zone must be an IANA time zone"),
        ({"zone": "Europe/London"}, "zone", "zone must be an IANA time zone"),
        ({"start": datetime(2027, 1, 4, 9, 0)}, "start", "start must be a date such as date(2027, 1, 4), not datetime"),
        ({"start": "2027-01-04"}, "start", "start must be a date such as date(2027, 1, 4), not str"),
        ({"start": date(1, 1, 1)}, "start", "start 0001-01-01 is outside the dates this tool plans (1900-01-01 to 2999-12-31)"),
        ({"start": date(9999, 12, 31)}, "start", "start 9999-12-31 is outside the dates"),
        ({"cycles": 2.5}, "cycles", "cycles must be a whole number, got 2.5"),
        ({"cycles": True}, "cycles", "cycles must be a whole number, got True"),
        ({"cycles": 0}, "cycles", "cycles must be from 1 to 10,000, got 0"),
        ({"cycles": 10**30}, "cycles", "cycles must be from 1 to 10,000"),
        ({"until": date(2026, 1, 1)}, "until", "the end date 2026-01-01 is before the start 2027-01-04"),
        ({"until": datetime(2027, 6, 1)}, "until", "until must be a date"),
        ({"dose_time": "09:00"}, "dose_time", "dose time must be a clock time in whole minutes"),
        ({"dose_time": time(9, 0, 59)}, "dose_time", "dose time must be a clock time in whole minutes"),
        ({"plan_id": ""}, "plan_id", "plan id must be a short printable text"),
        ({"plan_id": "x" * 201}, "plan_id", "plan id must be a short printable text"),
        ({"plan_id": 7}, "plan_id", "plan id must be a short printable text"),
        ({"body": {"weight_kg": 70}}, "body", "body must be a Body or None"),
        ({"adjustments": [Delay(1, 2, 7)]}, "adjustments", "adjustments must be a tuple of changes"),
        ({"adjustments": ("delay",)}, "adjustments", "not a plan change: 'delay'"),
        ({"closures": "GB-ENG"}, "closures", "closures must be Closures or None"),
    ],
)  # fmt: skip
def test_bad_options_are_plan_errors_naming_the_field(
    fields: dict[str, object], field: str, message: str
) -> None:
    values: dict[str, object] = {"start": START, "zone": LONDON, "cycles": 1, **fields}
    with pytest.raises(PlanError) as caught:
        PlanOptions(**values)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Delay(1, 0, 7), "cycle must be from 1"),
        (lambda: Delay(1, 2, 999_999_999), "days must be from 1 to 366"),
        (lambda: Delay(1, 2, 2.5), "days must be a whole number"),
        (lambda: Omit(1, 1, 0), "day must not be 0"),
        (lambda: Omit(1, 1, 3, drug=""), "drug must be a drug of the regimen"),
        (lambda: Stop(), "a stop needs exactly one of"),
        (lambda: Stop(after=date(2027, 2, 1), cycle=2), "a stop needs exactly one of"),
        (lambda: Stop(cycle=0), "cycle must be from 1"),
        (lambda: Retime(date(2027, 2, 1), time(8, 0, 30)), "time must be whole minutes"),
        (lambda: Retime(date(9999, 1, 1), time(8, 0)), "from 9999-01-01 is outside the dates"),
    ],
)  # fmt: skip
def test_bad_changes_are_refused_when_built(make: object, message: str) -> None:
    with pytest.raises(PlanError, match=message):
        make()  # type: ignore[operator]


def test_expand_refuses_what_is_not_a_regimen_or_options() -> None:
    options = PlanOptions(start=START, zone=LONDON, cycles=1)
    with pytest.raises(PlanError, match="expand needs a Regimen"):
        expand("aldesleukin-sc", options)  # type: ignore[arg-type]
    with pytest.raises(PlanError, match="expand needs PlanOptions"):
        expand(resolve_regimen("aldesleukin-sc"), {"start": START})  # type: ignore[arg-type]


def test_utc_and_zoneinfo_are_both_accepted() -> None:
    regimen = resolve_regimen("aldesleukin-sc")
    in_utc = expand(regimen, PlanOptions(start=START, zone=UTC, cycles=1))
    in_zone = expand(regimen, PlanOptions(start=START, zone=ZoneInfo("UTC"), cycles=1))
    assert [e.start for e in in_utc] == [e.start for e in in_zone]


def test_plans_near_the_last_date_work_and_past_year_9999_are_refused() -> None:
    """Regression: ``--start 9999-12-31`` raised OverflowError. Starts are bounded (above); a
    plan from the last years that would run past the year 9999 is a PlanError."""
    regimen = resolve_regimen("aldesleukin-sc")
    events = expand(regimen, PlanOptions(start=date(2999, 12, 2), zone=LONDON, cycles=1))
    # Cycle 1 from Monday 2 December 2999: the first injection that day, at 09:00.
    first = next(e for e in events if e.kind == "dose")
    assert first.start == datetime(2999, 12, 2, 9, 0, tzinfo=LONDON)
    yearly = parse_regimen(
        'id = "yearly"\nname = "Once a year"\nindication = "Test"\nsource = "Test"\n'
        '[drugs.x]\nname = "X"\nroute = "oral"\n[[phases]]\ncycle_days = 366\n'
        'cycles = "until stopped"\n[[phases.doses]]\ndays = "1"\ntime = "09:00"\nduration = "5m"\n'
    )
    with pytest.raises(PlanError, match="past the year 9999"):
        expand(yearly, PlanOptions(start=date(2999, 1, 1), zone=UTC, cycles=10_000))
