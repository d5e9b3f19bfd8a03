"""treatment-scheduler: regimen files -> validated model -> dated events -> calendars.

Library first; the ``scheduler`` command is a thin shell over these::

    from datetime import UTC, date, datetime
    from zoneinfo import ZoneInfo
    import scheduler

    regimen = scheduler.resolve_regimen("aldesleukin-sc")
    zone = ZoneInfo("Europe/London")
    events = scheduler.expand(regimen, scheduler.PlanOptions(start=date(2027, 1, 4), zone=zone, cycles=4))
    ics = scheduler.to_ics(events, name="Aldesleukin", stamp=datetime.now(UTC), zone=zone)

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
    from .plan.closures import Closures
    from .plan.engine import PlanOptions, expand
    from .plan.events import Event
    from .plan.reminders import Reminders
    from .regimen.catalog import bundled_ids
    from .regimen.catalog import resolve as resolve_regimen
    from .regimen.dosing import Body
    from .regimen.loader import load_regimen, parse_regimen
    from .regimen.model import EventKind, Regimen

__all__ = [
    "ArgumentError",
    "Body",
    "Closures",
    "Event",
    "EventKind",
    "OutputError",
    "PlanError",
    "PlanOptions",
    "Planned",
    "Regimen",
    "RegimenError",
    "Reminders",
    "SchedulerError",
    "UnknownRegimenError",
    "bundled_ids",
    "expand",
    "load_regimen",
    "parse_regimen",
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
