"""The one JSON reader: what ``json.loads`` alone would accept or crash on is one line naming
the JSON path (issue 19, item 10)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scheduler.errors import FhirError, FileError
from scheduler.jsonreader import MAX_DEPTH, MAX_OBJECTS, check_json_value, parse_json, read_json


def _error(text: str) -> str:
    with pytest.raises(FileError) as caught:
        parse_json(text, origin="in.json", root="PlanDefinition")
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '{"action": [{"id": "a", "title": "x", "id": "b"}]}',
            "in.json: PlanDefinition.action[0].id: given twice in one object (readers differ on "
            "which one counts: give it once)",
        ),
        (
            '{"a": 1, "a": 1}',
            "in.json: PlanDefinition.a: given twice in one object (readers differ on which one "
            "counts: give it once)",
        ),
        (
            '{"count": ' + "9" * 5000 + "}",
            "in.json: PlanDefinition.count: a number of 5,000 digits (at most 64: no count, "
            "day, duration or dose needs more)",
        ),
        (
            '{"value": -' + "1" * 100 + "}",
            "in.json: PlanDefinition.value: a number of 100 digits (at most 64: no count, "
            "day, duration or dose needs more)",
        ),
        (
            '{"value": 1e999}',
            "in.json: PlanDefinition.value: a number too large to be finite (give a finite number)",
        ),
        (
            '{"value": [1, NaN]}',
            "in.json: PlanDefinition.value[1]: NaN is not a JSON number (give a finite number)",
        ),
        (
            '{"value": -Infinity}',
            "in.json: PlanDefinition.value: -Infinity is not a JSON number (give a finite number)",
        ),
        (
            '{"title": "Gem\\ud800"}',
            "in.json: PlanDefinition.title: contains a lone surrogate \\ud800, which is not a "
            "character (the text was cut or mis-encoded: give it as UTF-8 text)",
        ),
        (
            '{"contained": [{"\\udfff": 1}]}',
            "in.json: PlanDefinition.contained[0]: a key contains a lone surrogate \\udfff, which "
            "is not a character (the text was cut or mis-encoded: give it as UTF-8 text)",
        ),
        (
            '{"odd key": {"x": 1, "x": 2}}',
            'in.json: PlanDefinition["odd key"].x: given twice in one object (readers differ on '
            "which one counts: give it once)",
        ),
        ("not json", "in.json: is not JSON: Expecting value (line 1, column 1)"),
        (
            "[" * 100_000 + "]" * 100_000,
            f"in.json: is not JSON this tool reads: nested deeper than {MAX_DEPTH} levels",
        ),
    ],
    ids=[
        "duplicate",
        "duplicate-same-value",
        "5000-digits",
        "100-digits",
        "infinite",
        "nan",
        "minus-infinity",
        "lone-surrogate",
        "surrogate-key",
        "quoted-path",
        "not-json",
        "recursion",
    ],
)
def test_what_json_loads_accepts_or_crashes_on_is_one_line(text: str, message: str) -> None:
    assert _error(text) == message


def test_nesting_is_bounded_at_the_path_where_it_passes_the_limit() -> None:
    text = '{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}"
    assert _error(text) == (
        f"in.json: PlanDefinition.a{'[0]' * (MAX_DEPTH - 1)}: nested deeper than {MAX_DEPTH} "
        "levels (objects and arrays)"
    )
    depth = MAX_DEPTH - 1
    assert parse_json("[" * depth + "]" * depth, origin="ok.json") is not None


def test_objects_are_counted_and_bounded() -> None:
    """5 MB of ``{}`` would be 1.6 million dicts (about 160 MB); reading stops past the bound."""
    many = "[" + ",".join(["{}"] * (MAX_OBJECTS + 1)) + "]"
    assert _error(many) == (
        "in.json: is not JSON this tool reads: more than 100,000 objects (a regimen has a few "
        "hundred)"
    )
    assert len(parse_json("[" + ",".join(["{}"] * MAX_OBJECTS) + "]", origin="x")) == MAX_OBJECTS


def test_the_first_problem_in_document_order_is_named() -> None:
    assert _error('{"a": ["\\ud800"], "b": NaN}').startswith("in.json: PlanDefinition.a[0]: ")
    assert _error('{"a": {"x": 1, "x": 2}, "b": "\\ud800"}').startswith(
        "in.json: PlanDefinition.a.x: "
    )


def test_decimals_from_fhir_resources_are_numbers() -> None:
    check_json_value({"value": Decimal("1250.5"), "count": 6}, origin="x")


def test_pairs_of_surrogates_and_a_bom_are_fine() -> None:
    """A character outside the BMP written as an escaped pair is one character, not two lone
    surrogates; a UTF-8 byte order mark is not part of the JSON."""
    assert parse_json('\ufeff{"t": "\\ud83d\\ude00", "n": -12.5e2, "i": 64}', origin="x") == {
        "t": "😀",
        "n": -1250.0,
        "i": 64,
    }


@pytest.mark.parametrize(
    ("value", "path", "message"),
    [
        ({"a": float("nan")}, "$.a", "NaN is not a JSON number (give a finite number)"),
        ({"a": [10**100]}, "$.a[0]", "a number of 101 digits (at most 64"),
        ({"a": [-(10**5000)]}, "$.a[0]", "a number of 5,001 digits (at most 64"),
        ({"a": {1: "x"}}, "$.a", "a key must be text, got int 1"),
        ({"t": "x\udc80"}, "$.t", "contains a lone surrogate \\udc80"),
        ({"d": {"x"}}, "$.d", "not a JSON value: set (objects, arrays, text, numbers"),
        ({"v": Decimal("NaN")}, "$.v", "NaN is not a JSON number"),
        ({"v": [Decimal("1e70")]}, "$.v[0]", "a number of 71 digits (at most 64"),
    ],
)
def test_a_value_built_in_memory_gets_the_same_checks(value: Any, path: str, message: str) -> None:
    with pytest.raises(FhirError) as caught:
        check_json_value(value, origin="<fhir>", error=FhirError)
    assert caught.value.path == path
    assert caught.value.message.startswith(message)


def test_a_file_is_bounded_and_must_be_utf8(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_text(json.dumps({"a": "x" * 200}))
    with pytest.raises(FhirError, match="is larger than 100 bytes, the most a FHIR file may be"):
        read_json(big, limit=100, what="FHIR file", error=FhirError)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(FhirError, match=r"is not UTF-8 text \(byte 7 is 0xe9\)"):
        read_json(latin, limit=100, error=FhirError)
    fine = tmp_path / "fine.json"
    fine.write_text('{"a": [1, 2.5, "é", null, true]}', encoding="utf-8")
    assert read_json(fine, limit=100) == {"a": [1, 2.5, "é", None, True]}
