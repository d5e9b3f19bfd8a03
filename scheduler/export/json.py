"""JSON export: the events as a list of plain objects, for apps and scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from ..plan.events import Event

__all__ = ["to_json", "to_records"]


def to_records(events: Sequence[Event]) -> list[dict[str, Any]]:
    """Events as JSON-ready dicts. Timed starts/ends are ISO 8601 with the local UTC offset;
    all-day ones are dates, with ``end`` exclusive (the day after the last day)."""
    return [
        {
            "uid": e.uid,
            "kind": e.kind.value,
            "category": e.kind.label,
            "title": e.title,
            "start": _iso(e.start),
            "end": _iso(e.end),
            "all_day": e.all_day,
            "timezone": e.timezone,
            "cycle": e.cycle,
            "day": e.day,
            "phase": e.phase,
            "drug": e.drug,
            "route": e.route,
            "amount": e.amount,
            "amount_written": e.amount_written,
            "amount_working": e.amount_working,
            "slot": e.slot,
            "status": "cancelled" if e.cancelled else "confirmed",
            "sequence": e.revision,
            "setting": e.setting,
            "flag": e.flag or None,
            "description": e.description,
        }
        for e in events
    ]


def to_json(events: Sequence[Event]) -> str:
    """The events as a JSON list of :func:`to_records` objects, laid out exactly as
    ``json.dumps(records, indent=2, ensure_ascii=False)`` lays them out: the list's brackets on
    lines of their own, each object's braces on lines of their own indented by 2, one
    ``"key": value`` per line indented by 4; UTF-8 text as is (no ``\\u`` escapes); a final
    newline.

    Each record is written by the C encoder, which ``json`` uses only without ``indent``
    (``indent=2`` falls back to the pure-Python encoder, about 2x slower at 100,000 events):
    its item separator carries the newline and indent of each key, and the braces get theirs
    here. The layout is exact because every record is one flat object of strings, numbers,
    booleans and nulls; the text is the same JSON whatever the records hold.
    """
    records = to_records(events)
    if not records:
        return "[]\n"
    # '{"uid": "...",\n    "kind": "dose"}' -> the record's lines without its braces.
    bodies = [_RECORD.encode(record)[1:-1] for record in records]
    bodies[0] = "[\n  {\n    " + bodies[0]
    bodies[-1] += "\n  }\n]\n"
    return "\n  },\n  {\n    ".join(bodies)


_RECORD = json.JSONEncoder(ensure_ascii=False, separators=(",\n    ", ": "))


def _iso(value: date | datetime) -> str:
    return value.isoformat()
