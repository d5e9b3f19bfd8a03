"""treatment-scheduler: regimen files -> validated model -> dated events -> calendars.

Library first; the ``scheduler`` command is a thin shell over these::

    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo
    import scheduler

    regimen = scheduler.resolve_regimen("aldesleukin-sc")
    zone = ZoneInfo("Europe/London")
    events = scheduler.expand(regimen, scheduler.PlanOptions(start=date(2027, 1, 4), zone=zone, cycles=4))
    ics = scheduler.to_ics(events, name="Aldesleukin", stamp=datetime.now(UTC), zone=zone)

A patient's course (docs/courses.md) is made, changed, recorded and planned over a store
(:class:`FileStore`: course files)::

    course, _ = scheduler.new_course("r-chop-21", "jsmith.toml", start=date(2027, 1, 4),
                                     zone="Europe/London")
    scheduler.edit_course("jsmith.toml", lambda c: scheduler.Delay(1, 2, 7),
                          reason="neutrophils 0.9", now=datetime.now(UTC), by="nurse A")
    scheduler.record_event("jsmith.toml", scheduler.Which(1, 1, 1), scheduler.Status.GIVEN,
                           now=datetime.now(UTC), by="nurse A")
    planned = scheduler.plan_stored(scheduler.FileStore().get("jsmith.toml").course)

``scheduler.planner.plan`` plans as the ``plan`` command does (regimen id, file or course file
in; a :class:`Planned` calendar out); it is not re-exported, because ``scheduler.plan`` is the
package of the engine.

A caller's mistake (a wrong type, a value out of range, text with a lone surrogate) is an
:class:`ArgumentError` (or a :class:`PlanError` for a plan option) naming the argument, never
a TypeError or AttributeError from inside; like every error here it is a
:class:`SchedulerError`.

Names load on first use, so a command that only lists regimens never imports the engine or the
exporters (start-up time is a feature of a command-line tool).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .course.history import Entry, Switch, Withdraw
    from .course.model import Course
    from .course.records import Record, Status
    from .course.replan import Which, edit_course, new_course, record_event
    from .course.store import CourseStore, FileStore
    from .errors import (
        ArgumentError,
        OutputError,
        PlanError,
        RegimenError,
        SchedulerError,
        UnknownRegimenError,
    )
    from .export.ics import to_ics, write_ics
    from .export.json import to_json
    from .export.planned import Planned
    from .plan.changes import Close, Delay, DoseChange, Hold, Omit, Retime, Scope, Stop
    from .plan.closures import Closures
    from .plan.engine import PlanOptions, expand
    from .plan.events import Event
    from .plan.reminders import Reminders
    from .planner import plan_stored
    from .regimen.catalog import bundled_ids
    from .regimen.catalog import resolve as resolve_regimen
    from .regimen.dosing import Body
    from .regimen.loader import load_regimen, parse_regimen
    from .regimen.model import EventKind, Regimen

__all__ = [
    "ArgumentError",
    "Body",
    "Close",
    "Closures",
    "Course",
    "CourseStore",
    "Delay",
    "DoseChange",
    "Entry",
    "Event",
    "EventKind",
    "FileStore",
    "Hold",
    "Omit",
    "OutputError",
    "PlanError",
    "PlanOptions",
    "Planned",
    "Record",
    "Regimen",
    "RegimenError",
    "Reminders",
    "Retime",
    "SchedulerError",
    "Scope",
    "Status",
    "Stop",
    "Switch",
    "UnknownRegimenError",
    "Which",
    "Withdraw",
    "bundled_ids",
    "edit_course",
    "expand",
    "load_regimen",
    "new_course",
    "parse_regimen",
    "plan_stored",
    "record_event",
    "resolve_regimen",
    "to_ics",
    "to_json",
    "write_ics",
]

__version__ = "0.1.0"

_WHERE = {
    "Event": ("plan.events", "Event"),
    "EventKind": ("regimen.model", "EventKind"),
    "Regimen": ("regimen.model", "Regimen"),
    "ArgumentError": ("errors", "ArgumentError"),
    "OutputError": ("errors", "OutputError"),
    "PlanError": ("errors", "PlanError"),
    "RegimenError": ("errors", "RegimenError"),
    "SchedulerError": ("errors", "SchedulerError"),
    "UnknownRegimenError": ("errors", "UnknownRegimenError"),
    "PlanOptions": ("plan.engine", "PlanOptions"),
    "expand": ("plan.engine", "expand"),
    "bundled_ids": ("regimen.catalog", "bundled_ids"),
    "resolve_regimen": ("regimen.catalog", "resolve"),
    "load_regimen": ("regimen.loader", "load_regimen"),
    "parse_regimen": ("regimen.loader", "parse_regimen"),
    "to_ics": ("export.ics", "to_ics"),
    "to_json": ("export.json", "to_json"),
    "write_ics": ("export.ics", "write_ics"),
    "Reminders": ("plan.reminders", "Reminders"),
    "Body": ("regimen.dosing", "Body"),
    "Closures": ("plan.closures", "Closures"),
    "Planned": ("export.planned", "Planned"),
    "Course": ("course.model", "Course"),
    "CourseStore": ("course.store", "CourseStore"),
    "FileStore": ("course.store", "FileStore"),
    "Entry": ("course.history", "Entry"),
    "Switch": ("course.history", "Switch"),
    "Withdraw": ("course.history", "Withdraw"),
    "Record": ("course.records", "Record"),
    "Status": ("course.records", "Status"),
    "Which": ("course.replan", "Which"),
    "new_course": ("course.replan", "new_course"),
    "edit_course": ("course.replan", "edit_course"),
    "record_event": ("course.replan", "record_event"),
    "plan_stored": ("planner", "plan_stored"),
    "Close": ("plan.changes", "Close"),
    "Delay": ("plan.changes", "Delay"),
    "DoseChange": ("plan.changes", "DoseChange"),
    "Hold": ("plan.changes", "Hold"),
    "Omit": ("plan.changes", "Omit"),
    "Retime": ("plan.changes", "Retime"),
    "Scope": ("plan.changes", "Scope"),
    "Stop": ("plan.changes", "Stop"),
}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
    module, attribute = _WHERE[name]
    value = getattr(import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
