"""Regimens to FHIR PlanDefinition and back: validated by fhir.resources, planned the same."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler import PlanOptions, expand, parse_regimen
from scheduler.errors import FhirError
from scheduler.fhir.mapping import DAYS_OF_CYCLE_URL, validate
from scheduler.fhir.regimen import plandefinition_to_regimen_toml, regimen_to_plandefinition
from scheduler.regimen.catalog import bundled_ids, resolve
from scheduler.regimen.dosing import Body

pytest.importorskip("fhir.resources")

LONDON = ZoneInfo("Europe/London")
KDN5 = Path(__file__).parent.parent / "testdata" / "fhir" / "plandefinition-kdn5-simplified.json"


def _options(regimen_id: str) -> PlanOptions:
    regimen = resolve(regimen_id)
    cycles = 3 if regimen.open_ended else None
    return PlanOptions(
        start=date(2027, 1, 4),
        zone=LONDON,
        cycles=cycles,
        body=Body(weight_kg=Decimal(70), height_cm=Decimal(175)),
    )


def _doses(events: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    return [(e.start, e.end, e.drug_key, e.amount) for e in events if e.kind.value == "dose"]


@pytest.mark.parametrize("version", ["r5", "r4b"])
@pytest.mark.parametrize("regimen_id", bundled_ids())
def test_bundled_regimen_round_trips(regimen_id: str, version: str) -> None:
    regimen = resolve(regimen_id)
    resource = regimen_to_plandefinition(regimen, version)
    validate(json.loads(json.dumps(resource)), version)
    text = plandefinition_to_regimen_toml(json.loads(json.dumps(resource)), "export.json")
    back = parse_regimen(text, "imported.toml")
    assert back == regimen
    options = _options(regimen_id)
    assert _doses(expand(back, options)) == _doses(expand(regimen, options))
    assert _doses(expand(regimen, options))


def test_premedication_day_before_is_before_start() -> None:
    resource = regimen_to_plandefinition(resolve("docetaxel-q21d"))
    dexa = next(
        a for a in resource["action"][0]["action"] if a["id"] == "phase-0-dose-dexamethasone"
    )
    assert dexa["relatedAction"] == [
        {
            "relationship": "before-start",
            "targetId": "phase-0",
            "offsetDuration": {
                "value": 1,
                "unit": "d",
                "system": "http://unitsofmeasure.org",
                "code": "d",
            },
        }
    ]
    days = next(e for e in dexa["extension"] if e["url"] == DAYS_OF_CYCLE_URL)
    assert [d["valueInteger"] for d in days["extension"]] == [1, 2]


def _kdn5() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(KDN5.read_text(encoding="utf-8"))
    return data


def test_kdn5_validates_imports_and_plans_by_hand() -> None:
    data = _kdn5()
    validate(data, "r4b")
    regimen = parse_regimen(plandefinition_to_regimen_toml(data, "kdn5.json"), "kdn5.toml")
    events = expand(regimen, PlanOptions(start=date(2027, 1, 4), zone=LONDON))
    got = [(e.start, e.drug_key, e.amount) for e in events if e.kind.value == "dose"]

    def at(day: int, month: int) -> datetime:
        return datetime(2027, month, day, 9, 0, tzinfo=LONDON)

    gem, carbo = "1,250 mg/m²", None
    expected = [
        (at(4, 1), "gemcitabine", gem), (at(4, 1), "carboplatin", carbo),
        (at(11, 1), "gemcitabine", gem),
        (at(25, 1), "gemcitabine", gem), (at(25, 1), "carboplatin", carbo),
        (at(1, 2), "gemcitabine", gem),
        (at(15, 2), "gemcitabine", gem), (at(15, 2), "carboplatin", carbo),
        (at(22, 2), "gemcitabine", gem),
        (at(8, 3), "gemcitabine", gem), (at(8, 3), "carboplatin", carbo),
        (at(15, 3), "gemcitabine", gem),
        (at(29, 3), "gemcitabine", gem), (at(29, 3), "carboplatin", carbo),
        (at(5, 4), "gemcitabine", gem),
        (at(19, 4), "gemcitabine", gem), (at(19, 4), "carboplatin", carbo),
        (at(26, 4), "gemcitabine", gem),
    ]  # fmt: skip
    assert sorted(got, key=lambda g: (g[0], g[1] != "gemcitabine")) == expected


def _cycle(data: dict[str, Any]) -> dict[str, Any]:
    action: dict[str, Any] = data["action"][0]["action"][0]["action"][0]["action"][0]
    return action


CYCLE = "PlanDefinition.action[0].action[0].action[0].action[0]"


def _hostile() -> list[tuple[str, Any, str]]:
    cases: list[tuple[str, Any, str]] = []
    data = _kdn5()
    data["resourceType"] = "CarePlan"
    cases.append(("wrong resourceType", data, "resourceType"))
    for day in (0, 400):
        data = _kdn5()
        _cycle(data)["action"][0]["extension"][0]["extension"][0]["valueInteger"] = day
        cases.append(
            (
                f"day {day}",
                data,
                f"{CYCLE}.action[0].extension({DAYS_OF_CYCLE_URL}).extension[0].valueInteger",
            )
        )
    data = _kdn5()
    _cycle(data)["timingTiming"]["repeat"]["count"] = 10**12
    cases.append(("huge count", data, f"{CYCLE}.timingTiming.repeat.count"))
    cases.append(("not a dict", ["PlanDefinition"], "PlanDefinition"))
    for levels, path in ((20, ".action[0]" * 9), (5000, ".action[0]" * 32)):
        # 9 actions deep is more than a regimen nests; 32 (64 levels of JSON) more than JSON may.
        deep: dict[str, Any] = {"id": "x"}
        for _ in range(levels):
            deep = {"action": [deep]}
        data = _kdn5()
        data["action"] = [deep]
        cases.append((f"nested {levels}", data, "PlanDefinition" + path))
    data = _kdn5()
    _cycle(data)["action"].append({"id": "odd", "title": "something else"})
    cases.append(("unknown action kind", data, f"{CYCLE}.action[2]"))
    data = _kdn5()
    data["action"][0]["action"].append(copy.deepcopy(data["action"][0]["action"][0]))
    cases.append(("a choice", data, "PlanDefinition.action[0].selectionBehavior"))
    data = _kdn5()
    data["contained"][1]["dosage"][0]["doseAndRate"] = [
        {"doseQuantity": {"value": 50, "unit": "AUC"}}
    ]
    cases.append(
        ("AUC 50", data, "PlanDefinition.contained[1].dosage[0].doseAndRate[0].doseQuantity")
    )
    return cases


@pytest.mark.parametrize(
    ("label", "data", "path"),
    _hostile(),
    ids=lambda v: v if isinstance(v, str) and len(v) < 30 else "",
)
def test_hostile_import_names_the_element(label: str, data: Any, path: str) -> None:
    with pytest.raises(FhirError) as caught:
        plandefinition_to_regimen_toml(data, "hostile.json")
    assert caught.value.path == path, str(caught.value)
    assert str(caught.value).startswith(f"hostile.json: {path}: ")


def test_validate_names_the_element() -> None:
    resource = regimen_to_plandefinition(resolve("aldesleukin-sc"))
    resource["action"][0]["timingTiming"]["repeat"]["count"] = "many"
    with pytest.raises(FhirError) as caught:
        validate(resource, "r5")
    assert caught.value.path == "PlanDefinition.action[0].timingTiming.repeat.count"


def test_a_target_auc_dose_is_carried_both_ways() -> None:
    """Issue 19: carboplatin AUC 6 goes out as a UCUM mg.min/mL quantity and comes back as
    "AUC 6"; a doseQuantity written with the unit text "AUC" (as KDN5-style definitions do) is
    read as a target AUC too."""
    data = regimen_to_plandefinition(resolve("carboplatin-paclitaxel-q21d"))
    quantities = [
        d["dosage"][0]["doseAndRate"][0]["doseQuantity"]
        for d in data["contained"]
        if d.get("resourceType") == "ActivityDefinition" and "doseAndRate" in d["dosage"][0]
    ]
    assert {"value": 6, "unit": "mg/mL·min", "system": "http://unitsofmeasure.org",
            "code": "mg.min/mL"} in quantities  # fmt: skip
    assert 'amount = "AUC 6"' in plandefinition_to_regimen_toml(data)
    kdn5 = _kdn5()
    kdn5["contained"][1]["dosage"][0]["doseAndRate"] = [
        {"doseQuantity": {"value": 5, "unit": "AUC"}}
    ]
    assert 'amount = "AUC 5"' in plandefinition_to_regimen_toml(kdn5)
