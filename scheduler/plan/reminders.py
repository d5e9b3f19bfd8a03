"""Reminders: which alarms each kind of event gets (``--remind 30m,1d``, ``none``, ``default``).

A value every front end and exporter shares, so it lives below them: the course file checks it,
the planner parses it, the .ics writer turns it into VALARMs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from ..arguments import describe, need, need_text
from ..errors import ArgumentError, PlanError
from ..regimen.model import EventKind
from ..regimen.notation import parse_duration

__all__ = [
    "EVENING_BEFORE",
    "MAX_REMINDER",
    "MAX_REMINDERS",
    "Reminders",
    "Trigger",
    "checked_reminders",
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
    need_text(text, "remind", error=PlanError, optional=True, most=1000)
    if text is not None and not text.strip():
        raise PlanError(
            "reminders are empty (write e.g. 30m,1d, or none, or default)", field="remind"
        )
    try:
        return Reminders.parse(text or "default")
    except ValueError as err:
        raise PlanError(str(err), field="remind") from None


def checked_reminders(value: object, name: str = "reminders") -> Reminders:
    """``value`` if it is :class:`Reminders` (or None: the default) whose triggers an exporter
    can write: for each EventKind, a tuple of times before the event (0 to
    :data:`MAX_REMINDER`) or :data:`EVENING_BEFORE`; else an ArgumentError naming ``name``."""
    if value is None:
        return Reminders()
    reminders: Reminders = need(value, Reminders, name, "Reminders (or None: the default)")
    if not isinstance(reminders.by_kind, dict):
        raise ArgumentError(
            f"{name}.by_kind must be a dict, not {describe(reminders.by_kind)}", field=name
        )
    for kind, triggers in reminders.by_kind.items():
        if not isinstance(kind, EventKind) or not isinstance(triggers, tuple):
            raise ArgumentError(
                f"{name}.by_kind must map an EventKind to a tuple of triggers, not "
                f"{describe(kind)} to {describe(triggers)}",
                field=name,
            )
        for trigger in triggers:
            if trigger != EVENING_BEFORE and not (
                isinstance(trigger, timedelta) and timedelta(0) <= trigger <= MAX_REMINDER
            ):
                raise ArgumentError(
                    f"{name} for {kind.value}: a trigger must be a timedelta from 0 to "
                    f"{MAX_REMINDER.days} days before, or {EVENING_BEFORE!r}, not "
                    f"{describe(trigger)}",
                    field=name,
                )
    return reminders
