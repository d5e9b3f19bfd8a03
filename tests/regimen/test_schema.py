"""The published JSON Schema is generated from the loader's field table and kept current."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from scheduler.regimen.schema import SECTIONS, json_schema
from tests.helpers import REPO, TESTDATA

PUBLISHED = REPO / "schema" / "regimen.schema.json"
FILES = sorted((REPO / "regimens").glob("*.toml")) + sorted((TESTDATA / "valid").glob("*.toml"))


def test_published_schema_is_current() -> None:
    # If this fails after changing scheduler/regimen/schema.py: scheduler schema > schema/regimen.schema.json
    expected = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    assert PUBLISHED.read_text(encoding="utf-8") == expected


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_valid_regimen_passes_the_schema(path: Path) -> None:
    jsonschema.validate(tomllib.loads(path.read_text(encoding="utf-8")), json_schema())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["phases"][0].update(cylce_days=35),  # a misspelt field
        lambda d: d["phases"][0]["doses"][0].update(time="25:00"),  # not a time
        lambda d: d["phases"][0].update(cycles="forever"),  # neither a count nor "until stopped"
        lambda d: d.pop("source"),  # a required field
    ],
    ids=["misspelt-field", "time-25", "cycles-forever", "no-source"],
)
def test_schema_rejects_common_mistakes(mutate: object) -> None:
    data = tomllib.loads((REPO / "regimens" / "aldesleukin-sc.toml").read_text(encoding="utf-8"))
    mutate(data)  # type: ignore[operator]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())


def test_every_field_has_a_description() -> None:
    for section, fields in SECTIONS.items():
        for name, (_schema, description) in fields.items():
            assert description.strip(), f"{section}.{name}"
