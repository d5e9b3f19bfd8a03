"""The plan JSON's fields (``scheduler plan ... --format json``, :func:`~scheduler.export.json.
to_envelope`), in one table: the published JSON Schema (schema/plan.schema.json) is generated
from it and tests hold the exporter's output to it, so the two cannot drift.

Each section maps a field name to (JSON Schema of its value, description). Regenerate the
published file after a change::

    python -m scheduler.export.plan_schema > schema/plan.schema.json
"""

from __future__ import annotations

import json
from typing import Any

from ..regimen.amounts import UNITS
from ..regimen.model import EventKind
from ..regimen.schema import object_schema
from .json import FORMAT, VERSION

__all__ = ["OPTIONAL", "SECTIONS", "json_schema"]

_TEXT: dict[str, Any] = {"type": "string"}
_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
_DATE: dict[str, Any] = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_DATE_OR_NULL: dict[str, Any] = {
    "type": ["string", "null"],
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
}
#: A date (all-day events) or a local date-time with its UTC offset (timed events).
_WHEN: dict[str, Any] = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2})?$",
}
_AMOUNT = "amount"  # a section of its own, nullable where used

SECTIONS: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
    "plan": {
        "format": ({"const": FORMAT}, f'What the document is: always "{FORMAT}".'),
        "version": (
            {"const": VERSION},
            "Version of this format. Additive changes (a new field) keep it; a field renamed, "
            "removed or changed in meaning or type makes it 2.",
        ),
        "regimen": ({"type": "object"}, "The regimen planned."),
        "calendar": (_TEXT, "The calendar's display name: drugs, regimen id, label if any."),
        "zone": (_TEXT, "IANA time zone of every date and time (Europe/London)."),
        "start": (_DATE, "The date the plan starts from (cycle 1 day 1), YYYY-MM-DD."),
        "bounds": ({"type": "object"}, "The first and last event dates."),
        "label": (_TEXT, "The label given to the plan (--label); absent when none was given."),
        "descriptions": (
            {"type": "object"},
            "Description lines by id, each distinct line once; an event's description is "
            "its ids' lines joined with a newline.",
        ),
        "events": ({"type": "array"}, "The events in date order."),
    },
    "regimen": {
        "id": (_TEXT, "The regimen's identifier (aldesleukin-sc)."),
        "name": (_TEXT, "The regimen as people name it."),
        "source": (_TEXT, "Citation of the published schedule."),
        "source_url": (_TEXT_OR_NULL, "Link to the source; null when the regimen gives none."),
    },
    "bounds": {
        "first": (
            _DATE_OR_NULL,
            "The day the first event starts, in the plan's zone; null when there are no events.",
        ),
        "last": (
            _DATE_OR_NULL,
            "The day the last event starts (precautions may run past it: see their end); "
            "null when there are no events.",
        ),
    },
    "event": {
        "uid": (
            _TEXT,
            "The event's identity, the same as the .ics UID; kept when a course edit moves it.",
        ),
        "kind": ({"enum": [kind.value for kind in EventKind]}, "What the event is."),
        "category": (
            {"enum": [kind.label for kind in EventKind]},
            "The kind in words (Dose, Blood test, Appointment, Precaution).",
        ),
        "title": (_TEXT, "The title calendar apps show."),
        "start": (_WHEN, "Start: a date for all-day events, else ISO 8601 with the UTC offset."),
        "end": (
            _WHEN,
            "End: for all-day events the day after the last day (exclusive, as in iCalendar).",
        ),
        "all_day": ({"type": "boolean"}, "Whether the event lasts whole days."),
        "timezone": (_TEXT, "IANA zone of start and end."),
        "cycle": (
            {"type": ["integer", "null"], "minimum": 1},
            "Cycle number within its phase; null for course-level events.",
        ),
        "day": (
            {"type": ["integer", "null"], "not": {"const": 0}},
            "Cycle day: 1 the first, -1 the day before (no day 0); null for course-level events.",
        ),
        "phase": (_TEXT_OR_NULL, "The phase's name; null for course-level events."),
        "drug": (_TEXT_OR_NULL, "The drug's name, for doses."),
        "route": (
            _TEXT_OR_NULL,
            "How it is given (subcutaneous, intravenous, oral ...), for doses.",
        ),
        "amount": (
            {"type": "object"},
            "The amount to give: calculated from weight/height when given, else as written; "
            "null when the regimen states none.",
        ),
        "amount_written": (
            {"type": "object"},
            "The amount as the regimen writes it (per kg or per m² when it scales); null when none.",
        ),
        "amount_working": (
            _TEXT_OR_NULL,
            "How the amount was calculated, in words; null when it was not.",
        ),
        "slot": (_TEXT, "What the event is within its day (dose:aldesleukin, lab:blood-test)."),
        "status": (
            {"enum": ["confirmed", "cancelled"]},
            "cancelled: a course edit removed it (calendar apps delete it).",
        ),
        "sequence": (
            {"type": "integer", "minimum": 0},
            "How many times a course edit changed it (iCalendar SEQUENCE).",
        ),
        "setting": ({"enum": ["home", "clinic", "hospital"]}, "Where it happens."),
        "flag": (_TEXT_OR_NULL, "A warning the patient must see; null when none."),
        "record": (
            {"type": "object"},
            "What happened to it, as recorded in the course (the latest record): null when "
            "nothing was recorded, and for plans that are not courses.",
        ),
        "description": (
            {"type": "array", "items": {"type": "string", "pattern": "^d[1-9][0-9]*$"}},
            "Ids of its description lines in descriptions, in order; [] when it has none.",
        ),
    },
    "record": {
        "status": (
            {
                "enum": [
                    "given",
                    "missed",
                    "refused",
                    "given-elsewhere",
                    "confirmed",
                    "deferred",
                    "cancelled",
                ]
            },
            "given, missed, refused or given-elsewhere (a dose); confirmed, deferred or "
            "cancelled (a clinic event). The plan's own dates do not change with it.",
        ),
        "recorded_at": (_TEXT, "When it was recorded, ISO 8601 in UTC."),
        "by": (_TEXT_OR_NULL, "Who recorded it; null when not said."),
        "time": (
            _TEXT_OR_NULL,
            "When it was given, ISO 8601 with the plan's UTC offset, if not at the planned time.",
        ),
        "amount": (
            {"type": "object"},
            "How much was given, if not the planned amount: an amount object, as the event's "
            "own; null when as planned.",
        ),
        "reason": (
            _TEXT_OR_NULL,
            "A reason from the documented list (docs/courses.md: unwell, low-counts ...).",
        ),
        "note": (_TEXT_OR_NULL, "Free text; null when none."),
    },
    _AMOUNT: {
        "value": (
            {"type": "number", "exclusiveMinimum": 0},
            "The exact number: an integer when whole (42000000), else a decimal (2.5).",
        ),
        "unit": (
            {"enum": sorted(set(UNITS.values()))},
            "The unit as shown: mg, IU, mg/m², IU/kg, tablets ...",
        ),
        "text": (_TEXT, 'The amount as text, as the .ics and CSV show it ("42,000,000 IU").'),
    },
}

#: Fields that may be absent; every other field is always present (null when it has no value).
OPTIONAL: dict[str, tuple[str, ...]] = {"plan": ("label",)}


def _object(section: str, nested: dict[str, Any] | None = None) -> dict[str, Any]:
    optional = OPTIONAL.get(section, ())
    required = [name for name in SECTIONS[section] if name not in optional]
    return object_schema(SECTIONS[section], required, nested)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``scheduler plan --format json``."""
    amount = {"oneOf": [{"type": "null"}, {"$ref": "#/$defs/amount"}]}
    record = {"oneOf": [{"type": "null"}, _object("record", {"amount": amount})]}
    event = _object("event", {"amount": amount, "amount_written": amount, "record": record})
    root = _object(
        "plan",
        {
            "regimen": _object("regimen"),
            "bounds": _object("bounds"),
            "descriptions": {
                "type": "object",
                "propertyNames": {"pattern": "^d[1-9][0-9]*$"},
                "additionalProperties": {"type": "string"},
            },
            "events": {"type": "array", "items": {"$ref": "#/$defs/event"}},
        },
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://treatment-scheduler.example/schema/plan-{VERSION}.json",
        "title": f"treatment-scheduler plan JSON, version {VERSION}",
        "description": "Generated from scheduler/export/plan_schema.py; see docs/formats.md.",
        **root,
        "$defs": {"event": event, "amount": _object(_AMOUNT)},
    }


if __name__ == "__main__":  # pragma: no cover - python -m scheduler.export.plan_schema
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
