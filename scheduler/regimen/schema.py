"""The regimen format's fields, in one table: the loader checks keys against it, and the
published JSON Schema (schema/regimen.schema.json) is generated from it, so the two cannot drift.

Each section maps a field name to (JSON Schema of its TOML value, description). The loader
does the real validation, with messages; the schema lets editors complete and pre-check files.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REQUIRED", "SECTIONS", "json_schema", "object_schema"]

_TEXT: dict[str, Any] = {"type": "string"}
_TIME: dict[str, Any] = {"type": "string", "pattern": r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$"}
_DAYS: dict[str, Any] = {
    "oneOf": [
        {"type": "string"},
        {"type": "integer"},
        {"type": "array", "items": {"oneOf": [{"type": "integer"}, {"type": "string"}]}},
    ]
}
_CYCLES_FILTER: dict[str, Any] = {"oneOf": [{"type": "string"}, {"type": "integer", "minimum": 1}]}
_KEY: dict[str, Any] = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]*$"}
_KINDS: dict[str, Any] = {"enum": ["lab", "visit"]}
_SETTING: dict[str, Any] = {"enum": ["home", "clinic", "hospital"]}

SECTIONS: dict[str, dict[str, tuple[dict[str, Any], str]]] = {
    "regimen": {
        "format": ({"const": 1}, "Format version; 1."),
        "id": (_KEY, "Identifier; the same as the file name."),
        "name": (_TEXT, "The regimen as people name it."),
        "indication": (_TEXT, "What it treats."),
        "source": (_TEXT, "Citation of the published schedule."),
        "source_url": (_TEXT, "Link to the source."),
        "notes": (_TEXT, "Ambiguities in the source and the choices made here."),
        "drugs": ({"type": "object"}, "One [drugs.KEY] table per drug."),
        "phases": ({"type": "array"}, "The phases, in order."),
        "course_events": (
            {"type": "array"},
            "Tests and visits at offsets from the course's start or end.",
        ),
        "precautions": ({"type": "array"}, "Precautions relative to the first and last dose."),
    },
    "drug": {
        "name": (_TEXT, "Name shown to people."),
        "route": ({"type": "string"}, "subcutaneous, intravenous, oral, ..."),
        "title": (_TEXT, "Calendar title of a dose."),
        "notes": (_TEXT, "Notes about the drug."),
        "max_amount": (_TEXT, 'Largest amount per dose, e.g. "2 mg" (vincristine).'),
        "max_doses_per_course": (
            {"type": "integer", "minimum": 1},
            "At most this many doses in the course.",
        ),
        "course_cap_reason": (
            _TEXT,
            "Why max_doses_per_course leaves out doses the schedule gives (required when it does).",
        ),
        "min_interval": (
            _TEXT,
            'Safety: no two doses closer than this, e.g. "6 days" (calendar days) or "72h" '
            "(elapsed time).",
        ),
        "at_most": (
            _TEXT,
            'Safety: at most N doses in any window of time, e.g. "3 doses in any 7 days".',
        ),
        "max_cumulative": (
            _TEXT,
            "Safety: the lifetime limit summed over the course and doses before it, e.g. "
            '"450 mg/m2" (doxorubicin), "400 units" (bleomycin).',
        ),
    },
    "phase": {
        "name": (_TEXT, "Name of the phase."),
        "cycle_days": (
            {"type": "integer", "minimum": 1, "maximum": 366},
            "Cycle length in days (or give cycle_months).",
        ),
        "cycle_months": (
            {"type": "integer", "minimum": 1, "maximum": 12},
            "Cycle length in calendar months, counted from day 1 of the first cycle "
            '("every 3 months": 3); instead of cycle_days.',
        ),
        "cycles": (
            {"oneOf": [{"type": "integer", "minimum": 1}, {"const": "until stopped"}]},
            'Number of cycles, or "until stopped".',
        ),
        "up_to": (
            _TEXT,
            "Time bound: nothing is planned once this has passed since the phase (or course) "
            'started, e.g. "24 months" or "5 years from the start of the course".',
        ),
        "gap_after": (
            _TEXT,
            'Treatment-free interval before the next phase, e.g. "4 weeks", or "0 days".',
        ),
        "start_on": (
            _TEXT,
            "Weekday the phase starts on (the next one on or after the plan date).",
        ),
        "continuous": ({"type": "boolean"}, "Continuous daily treatment: cycles only count."),
        "doses": ({"type": "array"}, "Dose rules."),
        "events": ({"type": "array"}, "Blood tests and appointments on cycle days."),
    },
    "dose": {
        "key": (_KEY, "Identifies the rule within the phase (default: the drug key)."),
        "drug": (_KEY, "Key of the drug (optional with one drug)."),
        "days": (
            _DAYS,
            'Cycle days: "1-5, 8-12", [1, 8, 15], "-1, 1, 2" (premedication), "every day"; '
            'or weekdays in a 7-day cycle: "Mon-Fri", "Mon, Wed, Fri".',
        ),
        "pattern": (_TEXT, 'On/off pattern: "5 on, 2 off, x4, then 7 off".'),
        "time": (_TIME, "Clock time of the dose (with every: of the first dose)."),
        "times": (
            {"type": "array", "items": _TIME},
            'Several clock times a day: ["08:00", "20:00"].',
        ),
        "every": (_TEXT, 'Interval of real time between doses: "8h".'),
        "after": (_KEY, "Key of the rule this one follows on the same day."),
        "at": (
            _TEXT,
            'Timed from another dose: "12h before paclitaxel", "30m after the start of '
            'leucovorin", "15m after the end of rituximab".',
        ),
        "duration": (_TEXT, 'How long one administration takes: "15m", "2h", "46h".'),
        "amount": (_TEXT, 'Amount per dose with unit: "85 mg/m2", "600,000 IU/kg", "400 mg".'),
        "cycles": (_CYCLES_FILTER, 'Cycles it applies to: "all", "1", "2-6", "2-", "every 3".'),
        "max_doses_per_cycle": (
            {"type": "integer", "minimum": 1},
            "Cap on this rule's doses in a cycle.",
        ),
        "cap_reason": (_TEXT, "Why the cap drops scheduled slots (required when it does)."),
        "on_days_of": (
            _KEY,
            "Key of an earlier rule: this dose is given on the days that rule's dose is given "
            "(capecitabine on radiotherapy days), at its own time or times.",
        ),
        "end_event": (
            _TEXT,
            'An appointment when the dose ends, e.g. "Pump disconnection" after a 46-hour pump.',
        ),
        "count": (
            {"type": "integer", "minimum": 1},
            "Doses of this rule in the whole phase (30 fractions); the phase ends with the last.",
        ),
        "setting": (
            _SETTING,
            "Where it is given: home, clinic or hospital (default: home for oral and subcutaneous).",
        ),
        "instructions": (_TEXT, "What the patient does."),
    },
    "event": {
        "key": (_KEY, "Identifies the event within the phase."),
        "kind": (_KINDS, "lab (blood test) or visit (appointment)."),
        "title": (_TEXT, "Title."),
        "days": (_DAYS, 'Cycle days; "-1" is the day before the cycle.'),
        "cycles": (_CYCLES_FILTER, 'Cycles it happens in: "all", "1", "every 3".'),
        "setting": (_SETTING, "Where it happens: home, clinic (default) or hospital."),
        "time": (_TIME, "Clock time; without it the event is all-day."),
        "duration": (_TEXT, "Duration, with time."),
        "instructions": (_TEXT, "What the patient does."),
    },
    "course_event": {
        "key": (_KEY, "Identifies the event."),
        "kind": (_KINDS, "lab (blood test) or visit (appointment)."),
        "title": (_TEXT, "Title."),
        "when": (
            _TEXT,
            '"4 weeks after the last dose", "7 days before the start", "1 week after the first dose".',
        ),
        "time": (_TIME, "Clock time; without it the event is all-day."),
        "duration": (_TEXT, "Duration, with time."),
        "instructions": (_TEXT, "What the patient does."),
    },
    "precaution": {
        "key": (_KEY, "Identifies the precaution."),
        "title": (_TEXT, "Title."),
        "instructions": (_TEXT, "What to do or avoid."),
        "during_treatment": (
            {"type": "boolean"},
            "From the first dose (true) or after the last (false).",
        ),
        "after_last_dose": (_TEXT, 'How long after the last dose: "12 months", or "not stated".'),
    },
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "regimen": ("id", "name", "indication", "source", "drugs", "phases"),
    "drug": ("name", "route"),
    "phase": ("cycles",),
    "dose": ("duration",),
    "event": ("kind", "title", "days"),
    "course_event": ("kind", "title", "when"),
    "precaution": ("title", "instructions", "after_last_dose"),
}


def object_schema(
    fields: dict[str, tuple[dict[str, Any], str]],
    required: list[str] | tuple[str, ...],
    nested: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A closed JSON Schema object from a table of ``name -> (schema, description)``;
    ``nested`` replaces the schemas of some fields (keeping their descriptions). The regimen
    format's schema and the plan JSON's are both built from such tables."""
    properties = {
        name: {**schema, "description": description}
        for name, (schema, description) in fields.items()
    }
    for name, value in (nested or {}).items():
        properties[name] = {**value, "description": fields[name][1]}
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


def _object(section: str, nested: dict[str, Any] | None = None) -> dict[str, Any]:
    return object_schema(SECTIONS[section], REQUIRED[section], nested)


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a regimen file, as its TOML parses to JSON."""
    phase = _object(
        "phase",
        {
            "doses": {"type": "array", "items": _object("dose")},
            "events": {"type": "array", "items": _object("event")},
        },
    )
    # The cycle length: in days or in calendar months, exactly one.
    phase["oneOf"] = [{"required": ["cycle_days"]}, {"required": ["cycle_months"]}]
    root = _object(
        "regimen",
        {
            "drugs": {
                "type": "object",
                "minProperties": 1,
                "propertyNames": _KEY,
                "additionalProperties": _object("drug"),
            },
            "phases": {"type": "array", "minItems": 1, "items": phase},
            "course_events": {"type": "array", "items": _object("course_event")},
            "precautions": {"type": "array", "items": _object("precaution")},
        },
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://treatment-scheduler.example/schema/regimen-1.json",
        "title": "treatment-scheduler regimen file, format 1",
        "description": "Generated from scheduler/regimen/schema.py; see docs/regimen-format.md.",
        **root,
    }
