"""The JSON view: what apps and scripts read."""

from __future__ import annotations

import json
from dataclasses import replace

from scheduler.export.json import to_json, to_records
from scheduler.plan.events import Event
from tests.helpers import plan


def test_json_fields_for_a_dose_and_an_all_day_lab() -> None:
    records = json.loads(to_json(plan(cycles=1)))
    lab = records[0]
    assert {k: lab[k] for k in ("kind", "start", "end", "cycle", "day", "all_day", "category")} == {
        "kind": "lab", "start": "2027-01-03", "end": "2027-01-04", "cycle": 1, "day": -1,
        "all_day": True, "category": "Blood test",
    }  # fmt: skip
    dose = next(r for r in records if r["kind"] == "dose")
    assert dose["start"] == "2027-01-04T09:00:00+00:00"
    assert dose["end"] == "2027-01-04T09:15:00+00:00"
    assert (dose["cycle"], dose["day"]) == (1, 1)
    assert dose["title"] == "Aldesleukin injection — cycle 1, day 1"
    assert dose["timezone"] == "Europe/London"
    assert dose["drug"] == "Aldesleukin"
    assert len([r for r in records if r["kind"] == "dose"]) == 20


def _indent_2(events: tuple[Event, ...]) -> str:
    return json.dumps(to_records(events), indent=2, ensure_ascii=False) + "\n"


def test_layout_is_json_dumps_indent_2() -> None:
    """Issue 9: to_json no longer goes through json.dumps(indent=2) (the pure-Python encoder),
    and writes the same text: one key per line, braces on their own lines, UTF-8 as is."""
    events = plan(cycles=2)
    text = to_json(events)
    assert text == _indent_2(events)
    assert text.startswith('[\n  {\n    "uid": "')
    assert '\n    "title": "Aldesleukin injection — cycle 1, day 1",\n' in text
    assert text.endswith("\n  }\n]\n")
    assert to_json(events[:1]) == _indent_2(events[:1])
    assert to_json(()) == "[]\n"


def test_text_that_looks_like_json_stays_in_its_string() -> None:
    """Titles and notes are free text: braces, separators, quotes, backslashes and newlines in
    them are escaped values, never layout."""
    first, second = plan(cycles=1)[:2]
    tricky = '},\n    {"uid": "x"}\\ "quoted" }]\t'
    events = (replace(first, title=tricky, description=tricky + "\r\n" + tricky), second)
    text = to_json(events)
    assert json.loads(text) == to_records(events)
    assert text == _indent_2(events)
