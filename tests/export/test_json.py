"""The JSON view: what apps and scripts read (a versioned envelope, issue 13 item 8)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from scheduler import Body
from scheduler.errors import ArgumentError, PlanError
from scheduler.export.json import to_envelope, to_json, to_records
from scheduler.planner import Planned, plan


def _plan(regimen: str = "aldesleukin-sc", **options: Any) -> Planned:
    options.setdefault("start", date(2027, 1, 4))
    options.setdefault("zone", "Europe/London")
    return plan(regimen, **options)


def _document(planned: Planned) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(to_json(planned))
    return document


def _text(document: dict[str, Any], record: dict[str, Any]) -> str:
    return "\n".join(document["descriptions"][i] for i in record["description"])


def test_json_fields_for_a_dose_and_an_all_day_lab() -> None:
    records = _document(_plan(cycles=1))["events"]
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


def test_the_envelope_says_what_was_planned() -> None:
    document = _document(_plan(cycles=1))
    head = {k: v for k, v in document.items() if k not in ("descriptions", "events")}
    assert head == {
        "format": "treatment-scheduler/plan",
        "version": 1,
        "regimen": {
            "id": "aldesleukin-sc",
            "name": "Aldesleukin subcutaneous: 5 days on, 2 off for 4 weeks, then a week off "
            "(5-week cycles)",
            "source": "Cancer Research UK, 'Aldesleukin (IL-2, Proleukin or interleukin 2)', "
            "patient information page",
            "source_url": head["regimen"]["source_url"],
        },
        "calendar": "Aldesleukin (aldesleukin-sc)",
        "zone": "Europe/London",
        "start": "2027-01-04",
        # The blood test the day before cycle 1 (Sunday 3 January) to the day after the 20th
        # dose (Friday 29), Saturday 30: ask the team how long contraception goes on.
        "bounds": {"first": "2027-01-03", "last": "2027-01-30"},
    }
    assert head["regimen"]["source_url"].startswith("https://")
    assert list(document) == [*head, "descriptions", "events"]  # no label unless given
    labelled = _document(_plan(cycles=1, label="J  S"))
    assert labelled["label"] == "J S"
    assert labelled["calendar"] == "Aldesleukin (aldesleukin-sc) — J S"
    assert list(labelled)[-3:] == ["label", "descriptions", "events"]


def test_descriptions_are_written_once_and_read_back_whole() -> None:
    planned = _plan(cycles=2)
    document = _document(planned)
    for event, record in zip(planned.events, document["events"], strict=True):
        assert _text(document, record) == event.description
    texts = list(document["descriptions"].values())
    assert len(texts) == len(set(texts))
    notice = [k for k, v in document["descriptions"].items() if v.startswith("Source: ")]
    assert len(notice) == 1
    assert all(notice[0] in record["description"] for record in document["events"])
    written = sum(len(text) for text in texts)
    assert written < sum(len(event.description) for event in planned.events) / 2


def test_amounts_are_exact_numbers_with_units() -> None:
    # 600,000 IU/kg x 70 kg = 42,000,000 IU (written by hand).
    dose = _document(_plan("aldesleukin-hd-iv", body=_body(70)))["events"][0]
    assert dose["amount"] == {"value": 42000000, "unit": "IU", "text": "42,000,000 IU"}
    assert type(dose["amount"]["value"]) is int
    assert dose["amount_written"] == {"value": 600000, "unit": "IU/kg", "text": "600,000 IU/kg"}
    weekly = _document(_plan("methotrexate-weekly", cycles=1))["events"]
    dose = next(r for r in weekly if r["kind"] == "dose")
    assert dose["amount"] == {"value": 7.5, "unit": "mg", "text": "7.5 mg"}
    assert dose["amount_written"] == dose["amount"]
    lab = _document(_plan(cycles=1))["events"][0]
    assert (lab["amount"], lab["amount_written"], lab["amount_working"]) == (None, None, None)


def _body(weight: int, height: int | None = None) -> Body:
    return Body(weight_kg=Decimal(weight), height_cm=None if height is None else Decimal(height))


@pytest.mark.parametrize(
    ("amount", "message"),
    [("a lot", "is not a dose amount"), ("1.00000000000000001 mg", "more digits than a JSON")],
)
def test_an_amount_json_cannot_hold_exactly_is_an_error(amount: str, message: str) -> None:
    planned = _plan(cycles=1)
    dose = next(e for e in planned.events if e.kind == "dose")
    bad = replace(planned, events=(replace(dose, amount=amount),))
    with pytest.raises(PlanError, match=message) as caught:
        to_json(bad)
    assert caught.value.field == "amount"


def _indent_2(planned: Planned) -> str:
    return json.dumps(to_envelope(planned), indent=2, ensure_ascii=False) + "\n"


def test_layout_is_json_dumps_indent_2() -> None:
    """Issue 9: to_json does not go through json.dumps(indent=2) (the pure-Python encoder),
    and writes the same text: one key per line, braces on their own lines, UTF-8 as is."""
    planned = _plan(cycles=2)
    text = to_json(planned)
    assert text == _indent_2(planned)
    assert text.startswith('{\n  "format": "treatment-scheduler/plan",\n  "version": 1,\n')
    assert '\n      "title": "Aldesleukin injection — cycle 1, day 1",\n' in text
    assert text.endswith("\n    }\n  ]\n}\n")
    for variant in (
        replace(planned, events=planned.events[:1]),
        replace(planned, events=()),
        replace(planned, label="J S"),
        replace(planned, events=(replace(planned.events[0], description=""),)),
        _plan("r-chop-21", body=_body(70, 175), label="A B"),
    ):
        assert to_json(variant) == _indent_2(variant)


def test_the_events_are_written_by_the_c_encoder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The speed trick: json's pure-Python encoder (what indent= uses) is never called."""
    planned = _plan(cycles=2)
    expected = _indent_2(planned)

    def slow(*args: object, **kwargs: object) -> object:
        raise AssertionError("the pure-Python JSON encoder was used")

    monkeypatch.setattr(json.encoder, "_make_iterencode", slow)
    assert to_json(planned) == expected


def test_text_that_looks_like_json_stays_in_its_string() -> None:
    """Titles and notes are free text: braces, separators, quotes, backslashes and newlines in
    them are escaped values, never layout."""
    planned = _plan(cycles=1)
    first, second = planned.events[:2]
    tricky = '},\n    {"uid": "x"}\\ "quoted" }]\t'
    events = (replace(first, title=tricky, description=tricky + "\r\n" + tricky), second)
    tricky_plan = replace(planned, events=events, label=tricky)
    text = to_json(tricky_plan)
    assert json.loads(text) == to_envelope(tricky_plan)
    assert text == _indent_2(tricky_plan)
    assert _text(json.loads(text), json.loads(text)["events"][0]) == events[0].description


def test_to_json_of_bare_events_says_what_to_use() -> None:
    events = _plan(cycles=1).events
    with pytest.raises(ArgumentError, match="to_records") as caught:
        to_json(events)  # type: ignore[arg-type]
    assert caught.value.field == "planned"
    assert to_records(events)[0]["description"] == events[0].description
