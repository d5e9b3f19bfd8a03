"""Test helpers. Expected dates in tests are written by hand, never computed here."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, expand, resolve_regimen
from scheduler.plan.events import Event

REPO = Path(__file__).resolve().parents[1]
TESTDATA = Path(__file__).resolve().parent / "testdata"
JS_DIR = Path(__file__).resolve().parent / "js"


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real external tool is missing; under CI=true that is a failure."""
    if condition:
        return
    if under_ci():
        pytest.fail(f"{reason} (CI=true: external tools must be installed, see .ci/run)")
    pytest.skip(reason)


def plan(
    regimen: str = "aldesleukin-sc",
    start: date = date(2027, 1, 4),
    zone: str = "Europe/London",
    **options: object,
) -> tuple[Event, ...]:
    return expand(
        resolve_regimen(regimen),
        PlanOptions(start=start, zone=ZoneInfo(zone), **options),  # type: ignore[arg-type]
    )


def doses(events: tuple[Event, ...]) -> list[Event]:
    return [e for e in events if e.kind == "dose"]


def dose_dates(events: tuple[Event, ...]) -> list[str]:
    return [e.start.date().isoformat() for e in doses(events)]  # type: ignore[union-attr]


class Recorder:
    """A stream for write_ics that keeps each write apart."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def write(self, data: bytes, /) -> int:
        self.writes.append(data)
        return len(data)
