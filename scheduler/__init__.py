"""treatment-scheduler: regimen files -> validated model -> dated events -> calendars.

Library first; the ``scheduler`` command is a thin shell over these::

    from datetime import date
    from zoneinfo import ZoneInfo
    import scheduler

    regimen = scheduler.resolve_regimen("aldesleukin-sc")
    events = scheduler.expand(regimen, scheduler.PlanOptions(
        start=date(2027, 1, 4), zone=ZoneInfo("Europe/London"), cycles=4))
    ics = scheduler.to_ics(events, name="Aldesleukin", stamp=..., zone=ZoneInfo("Europe/London"))
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import bundled_ids
from .catalog import resolve as resolve_regimen
from .engine import PlanOptions, expand
from .errors import OutputError, PlanError, RegimenError, SchedulerError, UnknownRegimenError
from .events import Event
from .loader import load_regimen, parse_regimen
from .model import EventKind, Regimen

if TYPE_CHECKING:
    from .export.ics import to_ics
    from .export.json import to_json

__all__ = [
    "Event",
    "EventKind",
    "OutputError",
    "PlanError",
    "PlanOptions",
    "Regimen",
    "RegimenError",
    "SchedulerError",
    "UnknownRegimenError",
    "bundled_ids",
    "expand",
    "load_regimen",
    "parse_regimen",
    "resolve_regimen",
    "to_ics",
    "to_json",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Exporters load on first use, so listing regimens does not pay for them.
    if name == "to_ics":
        from .export.ics import to_ics

        return to_ics
    if name == "to_json":
        from .export.json import to_json

        return to_json
    raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
