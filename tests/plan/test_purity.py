"""The engine is pure: ``expand`` opens no file, lists no folder, starts no process and makes no
network connection — checked with a real audit hook (PEP 578), which sees every ``open`` in
the interpreter (builtins.open, os.open, io.open) whatever the code path, not a mock of one."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, expand, resolve_regimen
from scheduler.plan.changes import Close, Delay, Omit, Retime, Stop
from scheduler.plan.closures import Closures
from scheduler.regimen.catalog import bundled_ids
from scheduler.regimen.dosing import Body

_WATCHED = ("open", "os.listdir", "os.scandir", "glob.glob", "subprocess.Popen", "os.system",
            "os.exec", "os.spawn", "socket.connect", "socket.getaddrinfo", "shutil.copyfile")  # fmt: skip
_SEEN: list[tuple[str, str]] = []
_ON = [False]


def _hook(event: str, args: tuple[object, ...]) -> None:
    if _ON[0] and event.startswith(_WATCHED):
        _SEEN.append((event, repr(args)[:200]))


sys.addaudithook(_hook)  # audit hooks cannot be removed; this one only records while switched on


@contextmanager
def no_io() -> Iterator[list[tuple[str, str]]]:
    _SEEN.clear()
    _ON[0] = True
    try:
        yield _SEEN
    finally:
        _ON[0] = False


def test_the_hook_sees_file_access() -> None:
    """The guard is real: opening a file while it is on is recorded."""
    with no_io() as seen, open(__file__, "rb") as handle:
        handle.read(1)
    assert seen and seen[0][0] == "open"


@pytest.mark.parametrize("regimen_id", bundled_ids())
def test_expand_does_no_io(regimen_id: str) -> None:
    regimen = resolve_regimen(regimen_id)
    zone = ZoneInfo("Europe/London")
    closures = Closures(regions=("GB-ENG",), weekdays=frozenset({6}))
    changes = (Delay(1, 2, 7), Omit(1, 1, 1), Retime(date(2028, 3, 1), time(8, 0)),
               Close(dates=(date(2028, 1, 10),)), Stop(after=date(2029, 1, 1)))  # fmt: skip
    body = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
    # Warm up in other years, so lazily imported modules are loaded before the guard is on.
    expand(regimen, PlanOptions(start=date(2031, 5, 5), zone=zone, cycles=2, closures=closures,
                                adjustments=changes[:2], body=body))  # fmt: skip
    options = PlanOptions(start=date(2027, 12, 13), zone=zone, cycles=3, closures=closures,
                          adjustments=changes, body=body)  # fmt: skip
    with no_io() as seen:
        events = expand(regimen, options)
    assert events, "the plan has events"
    assert seen == []
