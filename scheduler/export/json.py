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
    return json.dumps(to_records(events), indent=2, ensure_ascii=False) + "\n"


def _iso(value: date | datetime) -> str:
    return value.isoformat()
