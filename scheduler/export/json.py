"""JSON export, for apps and scripts: one plan as a versioned envelope (``to_envelope``,
``to_json``; the fields are documented in docs/formats.md and schema/plan.schema.json), and the
events as flat records (``to_records``) for library callers that want only those."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import PlanError
from ..plan.clock import day_of
from ..plan.events import Event, checked_events
from ..regimen.amounts import UNITS, parse_amount

if TYPE_CHECKING:
    from ..course.records import Record
    from .planned import Planned

__all__ = ["FORMAT", "VERSION", "to_envelope", "to_json", "to_records"]

#: The envelope's ``format``: what the document is.
FORMAT = "treatment-scheduler/plan"
#: The envelope's ``version``. Additive changes (a new key) keep it; a key renamed, removed or
#: changed in meaning or type makes it 2.
VERSION = 1


def to_records(events: Sequence[Event]) -> list[dict[str, Any]]:
    """Events as flat JSON-ready dicts, amounts and description as text. Timed starts/ends are
    ISO 8601 with the local UTC offset; all-day ones are dates, with ``end`` exclusive (the day
    after the last day). The plan JSON (:func:`to_envelope`) has these fields, with amounts as
    objects and descriptions shared."""
    events = checked_events(events)
    return [
        {
            **_head(e),
            "amount": e.amount,
            "amount_written": e.amount_written,
            **_tail(e),
            "description": e.description,
        }
        for e in events
    ]


def _head(e: Event) -> dict[str, Any]:
    """An event's fields up to the route, as both JSON forms write them."""
    return {
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
    }


def _tail(e: Event) -> dict[str, Any]:
    """An event's fields after the amounts and before the description."""
    return {
        "amount_working": e.amount_working,
        "slot": e.slot,
        "status": "cancelled" if e.cancelled else "confirmed",
        "sequence": e.revision,
        "setting": e.setting,
        "flag": e.flag or None,
    }


def to_envelope(planned: Planned) -> dict[str, Any]:
    """The plan as the JSON document integrators read (format ``treatment-scheduler/plan``,
    version 1): what was planned (regimen, calendar name, zone, start, the first and last event
    dates, the label if one was given), the description lines once each, and the events.

    Each event's ``description`` is a list of ids into ``descriptions``: its text is those
    lines joined with newlines (the lines that every event repeats — the regimen, the source,
    instructions — are written once). Amounts are objects: the exact number (an int when whole),
    the unit as shown, and the text.

    Raises:
        ArgumentError: ``planned`` is not a well-formed :class:`~scheduler.Planned`.
        PlanError: an event's amount is not an amount the regimen format reads, or has more
            significant digits than a JSON number keeps exactly (``field="amount"``).
    """
    envelope, records = _parts(planned)
    envelope["events"] = [
        {**head, "amount": amount, "amount_written": written, **tail, "record": record,
         "description": lines}
        for head, amount, written, tail, record, lines in records
    ]  # fmt: skip
    return envelope


def to_json(planned: Planned) -> str:
    """The plan as JSON: :func:`to_envelope`, laid out exactly as
    ``json.dumps(envelope, indent=2, ensure_ascii=False)`` lays it out (one key per line,
    braces and brackets of non-empty objects and lists on lines of their own, 2 spaces per
    level; UTF-8 text as is, no ``\\u`` escapes), with a final newline.

    The plain values (strings, numbers, booleans, nulls) of each event, and the descriptions,
    are written by the C encoder, which ``json`` uses only without ``indent`` (``indent=2``
    falls back to the pure-Python encoder, about 2x slower at 100,000 events): its item
    separator carries the newline and indent of each item, and the brackets and the few nested
    values (amounts, description ids) get theirs here. The layout is exact because encoded
    strings never hold a raw newline; the text is the same JSON whatever the events say.

    Raises:
        ArgumentError: ``planned`` is not a well-formed :class:`~scheduler.Planned` (the
            events alone are :func:`to_records`), naming what is wrong.
        PlanError: as :func:`to_envelope`.
    """
    envelope, records = _parts(planned)
    top = _layout(envelope, 0)[:-2]  # without the closing "\n}"
    if not records:
        return top + ',\n  "events": []\n}\n'
    encode = _items(3).encode
    events = [
        f"{encode(head)[1:-1]},\n      "
        f'"amount": {_amount_text(amount)},\n      '
        f'"amount_written": {_amount_text(written)},\n      '
        f"{encode(tail)[1:-1]},\n      "
        f'"record": {_object_text(record)},\n      '
        f'"description": {_ids_text(lines)}'
        for head, amount, written, tail, record, lines in records
    ]
    return (
        f'{top},\n  "events": [\n    {{\n      '
        + "\n    },\n    {\n      ".join(events)
        + "\n    }\n  ]\n}\n"
    )


_Record = tuple[
    dict[str, Any],
    dict[str, Any] | None,
    dict[str, Any] | None,
    dict[str, Any],
    dict[str, Any] | None,
    list[str],
]
"""An event's fields in order: up to the route, amount, amount_written, the rest, what was
recorded of it, description."""


def _parts(planned: Planned) -> tuple[dict[str, Any], list[_Record]]:
    """The envelope without its events, and the events' fields in the order they are written."""
    from .planned import checked_planned

    planned = checked_planned(planned)
    descriptions: dict[str, str] = {}
    ids: dict[str, str] = {}

    def lines(text: str) -> list[str]:
        if not text:
            return []
        out = []
        for line in text.split("\n"):
            key = ids.get(line)
            if key is None:
                key = ids[line] = f"d{len(ids) + 1}"
                descriptions[key] = line
            out.append(key)
        return out

    events = planned.events
    happened = planned.records
    records: list[_Record] = [
        (
            _head(e),
            _amount(e.amount, e),
            _amount(e.amount_written, e),
            _tail(e),
            _record(happened.get(e.uid), planned, e),
            lines(e.description),
        )
        for e in events
    ]
    regimen = planned.regimen
    envelope: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "regimen": {
            "id": regimen.id,
            "name": regimen.name,
            "source": regimen.source,
            "source_url": regimen.source_url or None,
        },
        "calendar": planned.name,
        "zone": planned.zone.key,
        "start": planned.start.isoformat(),
        "bounds": {
            "first": day_of(events[0].start).isoformat() if events else None,
            "last": day_of(events[-1].start).isoformat() if events else None,
        },
    }
    if planned.label:
        envelope["label"] = planned.label
    envelope["descriptions"] = descriptions
    return envelope, records


def _amount_text(amount: dict[str, Any] | None) -> str:
    """An amount object as json.dumps(indent=2) writes it 3 levels in."""
    if amount is None:
        return "null"
    return (
        f'{{\n        "value": {_SCALAR.encode(amount["value"])},\n'
        f'        "unit": {_key(amount["unit"])},\n'
        f'        "text": {_key(amount["text"])}\n      }}'
    )


def _record(record: Record | None, planned: Planned, event: Event) -> dict[str, Any] | None:
    """What was recorded of an event, as the plan JSON writes it (its amount an object, as the
    event's own amount is)."""
    if record is None:
        return None
    return {
        "status": str(record.status),
        "recorded_at": record.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "by": record.by or None,
        "time": record.time.astimezone(planned.zone).isoformat() if record.time else None,
        "amount": _amount(str(record.amount), event) if record.amount is not None else None,
        "reason": record.reason,
        "note": record.note or None,
    }


def _object_text(value: dict[str, Any] | None) -> str:
    """An object as json.dumps(indent=2) writes it 3 levels in."""
    if value is None:
        return "null"
    return _layout(value, 3)


def _ids_text(ids: list[str]) -> str:
    """Description ids (``d12``: nothing to escape) as json.dumps(indent=2) writes them."""
    if not ids:
        return "[]"
    return '[\n        "' + '",\n        "'.join(ids) + '"\n      ]'


def _amount(text: str | None, event: Event) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value, unit = _split(text)
    except ValueError as err:
        raise PlanError(f"event {event.uid}: amount {text!r}: {err}", field="amount") from None
    return {"value": value, "unit": unit, "text": text}


@lru_cache(maxsize=1024)
def _split(text: str) -> tuple[int | float, str]:
    """``"600,000 IU/kg"`` -> ``(600000, "IU/kg")`` with the regimen format's parser."""
    amount = parse_amount(text)
    return _number(amount.value), UNITS[amount.unit]


def _number(value: Decimal) -> int | float:
    """The exact number: an int when whole, else the float whose shortest form is the same
    decimal (2.5, 0.125); never a rounded one."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError("it has more digits than a JSON number keeps exactly")
    return number


def _iso(value: date | datetime) -> str:
    return value.isoformat()


# -- the layout of json.dumps(indent=2), with the C encoder -------------------------------------

_SCALAR = json.JSONEncoder(ensure_ascii=False)
_key = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes keys with


@cache
def _items(depth: int) -> json.JSONEncoder:
    """Encodes a flat object or list with each item on a line of its own, ``depth`` levels in."""
    return json.JSONEncoder(ensure_ascii=False, separators=(",\n" + "  " * depth, ": "))


def _layout(value: Any, depth: int) -> str:
    if not isinstance(value, dict | list):
        return _SCALAR.encode(value)
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    inner = "  " * (depth + 1)
    open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
    if isinstance(value, list):
        if not any(isinstance(item, dict | list) for item in value):
            return f"{open_}\n{inner}{_items(depth + 1).encode(value)[1:-1]}\n{'  ' * depth}{close}"
        parts = [_layout(item, depth + 1) for item in value]
    else:
        parts = []
        run: dict[str, Any] = {}
        encode = _items(depth + 1).encode
        for key, item in value.items():
            if isinstance(item, dict | list):
                if run:
                    parts.append(encode(run)[1:-1])
                    run = {}
                parts.append(f"{_key(key)}: {_layout(item, depth + 1)}")
            else:
                run[key] = item
        if run:
            parts.append(encode(run)[1:-1])
    return f"{open_}\n{inner}" + f",\n{inner}".join(parts) + f"\n{'  ' * depth}{close}"
