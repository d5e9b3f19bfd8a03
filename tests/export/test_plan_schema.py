"""The plan JSON's published schema is generated from one table, kept current, and real output
passes it (issue 13, item 8)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from scheduler import Body
from scheduler.export.json import to_json
from scheduler.export.plan_schema import SECTIONS, json_schema
from scheduler.planner import plan
from scheduler.regimen.catalog import bundled_ids
from tests.helpers import REPO

PUBLISHED = REPO / "schema" / "plan.schema.json"
START = date(2027, 1, 4)


def test_published_schema_is_current() -> None:
    # If this fails after changing scheduler/export/plan_schema.py:
    # scheduler schema plan > schema/plan.schema.json
    expected = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    assert PUBLISHED.read_text(encoding="utf-8") == expected


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


def _output(regimen: str, **options: Any) -> dict[str, Any]:
    options.setdefault("cycles", 2)
    planned = plan(regimen, start=START, zone="Europe/London", **options)
    document: dict[str, Any] = json.loads(to_json(planned))
    return document


@pytest.mark.parametrize("regimen", bundled_ids())
def test_every_bundled_regimens_plan_passes_the_schema(regimen: str) -> None:
    body = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
    for options in ({}, {"body": body, "label": "J S"}):
        document = _output(regimen, **options)
        jsonschema.validate(document, json_schema())
        assert document["events"]


def test_a_course_with_a_cancelled_dose_passes_the_schema() -> None:
    document = _output("aldesleukin-sc")
    document["events"][5]["status"] = "cancelled"
    document["events"][5]["flag"] = "the clinic is closed that day"
    jsonschema.validate(document, json_schema())


def test_every_field_is_in_the_output_and_the_table() -> None:
    """The table and the exporter name the same fields, in the same order."""
    document = _output("aldesleukin-hd-iv", body=Body(weight_kg=Decimal(70)), label="x")
    assert list(document) == list(SECTIONS["plan"])
    assert list(document["regimen"]) == list(SECTIONS["regimen"])
    assert list(document["bounds"]) == list(SECTIONS["bounds"])
    assert list(document["events"][0]) == list(SECTIONS["event"])
    assert list(document["events"][0]["amount"]) == list(SECTIONS["amount"])


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(version=2),
        lambda d: d["events"][0].update(colour="red"),  # a field the format does not have
        lambda d: d["events"][0].update(day=0),  # there is no day 0
        lambda d: d["events"][0].update(amount="42,000,000 IU"),  # amounts are objects
        lambda d: d["events"][0].update(description="d1"),  # descriptions are lists of ids
        lambda d: d.pop("zone"),
    ],
    ids=["version-2", "unknown-field", "day-0", "amount-text", "description-text", "no-zone"],
)
def test_schema_rejects_what_the_format_is_not(mutate: Any) -> None:
    document = _output("aldesleukin-hd-iv", body=Body(weight_kg=Decimal(70)))
    mutate(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, json_schema())


def test_every_field_has_a_description() -> None:
    for section, fields in SECTIONS.items():
        for name, (_schema, description) in fields.items():
            assert description.strip(), f"{section}.{name}"


def test_scheduler_schema_plan_prints_the_published_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from scheduler.cli import main

    assert main(["schema", "plan"]) == 0
    assert capsys.readouterr().out == PUBLISHED.read_text(encoding="utf-8")
