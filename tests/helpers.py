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

#: Issue 19 item 9: zones whose offsets do something odd inside a plan's span.
ODD_SPANS = [
    ("Asia/Almaty", date(2024, 1, 1), date(2024, 6, 30)),  # +06 -> +05 on 1 Mar 2024, for good
    ("America/Caracas", date(2016, 3, 1), date(2016, 7, 31)),  # -04:30 -> -04 on 1 May 2016
    ("Asia/Pyongyang", date(2015, 6, 1), date(2015, 10, 31)),  # +09 -> +08:30 on 15 Aug 2015
    ("Asia/Pyongyang", date(2018, 3, 1), date(2018, 7, 31)),  # and back to +09 on 5 May 2018
    ("Australia/Eucla", date(2008, 7, 1), date(2009, 6, 30)),  # +08:45, DST trial to Mar 2009
    ("Australia/Lord_Howe", date(2027, 1, 1), date(2027, 12, 31)),  # 30-minute summer time
    ("Africa/Casablanca", date(2027, 1, 1), date(2027, 6, 30)),  # +01 suspended in Ramadan
    ("Pacific/Apia", date(2011, 9, 1), date(2012, 4, 30)),  # skipped Fri 30 Dec 2011
    ("America/Santiago", date(2022, 3, 1), date(2022, 10, 31)),  # Sept 2022 change moved
    ("Asia/Tehran", date(2022, 1, 1), date(2023, 6, 30)),  # DST ended after Sept 2022
    ("Europe/Dublin", date(2027, 1, 1), date(2027, 12, 31)),  # negative DST in tzdata
    ("Antarctica/Troll", date(2027, 1, 1), date(2027, 12, 31)),  # two-hour summer time
    ("Europe/Moscow", date(2014, 6, 1), date(2015, 1, 31)),  # +04 -> +03 on 26 Oct 2014
    ("America/Sao_Paulo", date(2018, 6, 1), date(2019, 12, 31)),  # DST abolished in 2019
    ("Europe/London", date(2027, 1, 1), date(2027, 12, 31)),
    ("America/New_York", date(2027, 1, 1), date(2027, 12, 31)),
]


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
