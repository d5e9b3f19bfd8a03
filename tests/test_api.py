"""The library's public surface (issue 13, item 7): what ``import scheduler`` offers, and that a
caller's mistake is the project's own error, never a TypeError or AttributeError from inside."""

from __future__ import annotations

import inspect
from datetime import date
from zoneinfo import ZoneInfo

import pytest

import scheduler
from scheduler.planner import plan

LONDON = ZoneInfo("Europe/London")


def test_every_public_name_resolves() -> None:
    for name in scheduler.__all__:
        assert getattr(scheduler, name) is not None, name
    assert sorted(scheduler.__all__) == scheduler.__all__


@pytest.mark.parametrize("name", ["Body", "Closures", "Reminders", "Planned", "write_ics"])
def test_what_a_plan_is_made_of_is_public(name: str) -> None:
    """Body (weight/height), Closures and Reminders are arguments of the public functions, so a
    caller had to import them from private modules."""
    assert name in scheduler.__all__
    assert getattr(scheduler, name).__name__ == name


def test_the_plan_subpackage_is_not_shadowed() -> None:
    import scheduler.plan.engine

    assert inspect.ismodule(scheduler.plan)


@pytest.mark.parametrize("function", ["expand", "to_ics", "write_ics"])
def test_docstrings_name_what_they_raise(function: str) -> None:
    assert "Raises:" in (inspect.getdoc(getattr(scheduler, function)) or "")


def test_expand_with_a_string_start_is_a_plan_error() -> None:
    """``PlanOptions(start="2027-01-04", ...)`` is a PlanError naming the field, not a
    TypeError from date arithmetic deep in the engine."""
    regimen = scheduler.resolve_regimen("aldesleukin-sc")
    with pytest.raises(scheduler.PlanError) as caught:
        scheduler.expand(
            regimen,
            scheduler.PlanOptions(start="2027-01-04", zone=LONDON, cycles=1),  # type: ignore[arg-type]
        )
    assert caught.value.field == "start"
    message = str(caught.value)
    assert "start must be a date such as date(2027, 1, 4), not str '2027-01-04'" in message


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"start": "2027-01-04", "cycles": 1}, "start"),
        ({"start": date(2027, 1, 4), "until": "2027-03-01"}, "until"),
        ({"start": date(2027, 1, 4), "cycles": "4"}, "cycles"),
    ],
)
def test_planner_with_strings_for_dates_or_numbers_is_a_plan_error(
    options: dict[str, object], field: str
) -> None:
    with pytest.raises(scheduler.PlanError) as caught:
        plan("aldesleukin-sc", zone="Europe/London", **options)  # type: ignore[arg-type]
    assert caught.value.field == field
