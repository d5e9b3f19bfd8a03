"""Reminders: which alarms each kind of event gets (``--remind 30m,1d``, ``none``, ``default``).

A value every front end and exporter shares, so it lives below them: the course file checks it,
the planner parses it, the .ics writer turns it into VALARMs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..errors import PlanError
from ..regimen.model import EventKind
from ..regimen.notation import parse_duration

__all__ = [
    "EVENING_BEFORE",
    "MAX_REMINDER",
    "MAX_REMINDERS",
    "Reminders",
    "Trigger",
    "parse_reminders",
]

#: A reminder further ahead than this is not a reminder.
MAX_REMINDER = timedelta(days=28)
MAX_REMINDERS = 5
#: A reminder at 18:00 on the evening before the event, in the patient's zone.
EVENING_BEFORE = "evening before"
Trigger = timedelta | str
"""Time before the start (timedelta(0): at the time), or :data:`EVENING_BEFORE`."""


@dataclass(frozen=True)
class Reminders:
    """Which VALARMs each kind of event gets.

    The default: doses at the time of the dose; blood tests and appointments at 18:00 the
    evening before; precautions none. ``--remind 30m,1d`` gives every dose, test and appointment
    those reminders instead; ``--remind none`` gives none.
    """

    by_kind: dict[EventKind, tuple[Trigger, ...]] = field(
        default_factory=lambda: {
            EventKind.DOSE: (timedelta(0),),
            EventKind.LAB: (EVENING_BEFORE,),
            EventKind.VISIT: (EVENING_BEFORE,),
        }
    )

    @classmethod
    def none(cls) -> Reminders:
        return cls(by_kind={})

    @classmethod
    def parse(cls, text: str) -> Reminders:
        """``"30m,1d"``, ``"0m"`` (at the time), ``"none"`` or ``"default"``."""
        cleaned = text.strip().lower()
        if cleaned == "none":
            return cls.none()
        if cleaned == "default":
            return cls()
        parts = cleaned.split(",")
        if len(parts) > MAX_REMINDERS:
            raise ValueError(f"{len(parts)} reminders: give at most {MAX_REMINDERS} (e.g. 30m,1d)")
        triggers: list[Trigger] = []
        for part in parts:
            part = part.strip()
            if part in ("0", "0m", "at the time"):
                triggers.append(timedelta(0))
                continue
            try:
                before = parse_duration(part)
            except ValueError as err:
                raise ValueError(
                    f"reminder {part!r}: {err} (write e.g. 30m,1d, or none, or default)"
                ) from None
            if before > MAX_REMINDER:
                raise ValueError(
                    f"reminder {part!r} is more than {MAX_REMINDER.days} days before the event "
                    "(write e.g. 30m,1d)"
                )
            triggers.append(before)
        chosen = tuple(dict.fromkeys(triggers))
        return cls(by_kind={k: chosen for k in (EventKind.DOSE, EventKind.LAB, EventKind.VISIT)})


def parse_reminders(text: str | None) -> Reminders:
    """``"default"`` (or None), ``"none"``, or reminders such as ``"30m,1d"``; a PlanError
    naming the ``remind`` option otherwise."""
    if text is not None and not text.strip():
        raise PlanError(
            "reminders are empty (write e.g. 30m,1d, or none, or default)", field="remind"
        )
    try:
        return Reminders.parse(text or "default")
    except ValueError as err:
        raise PlanError(str(err), field="remind") from None
