"""The FHIR commands end to end: export a regimen, import it back, plan it; a plan as a FHIR
Bundle from ``scheduler plan --format fhir``; bad files refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler.cli import main
from tests.helpers import TESTDATA


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_export_import_and_plan_the_same_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Docetaxel exported as a PlanDefinition and imported back plans the same calendar: from
    Tuesday 5 January 2027, dexamethasone on 4, 5 and 6 January (day -1 is before-start)."""
    exported, imported = tmp_path / "doc.json", tmp_path / "doc.toml"
    assert run(capsys, "fhir", "export-regimen", "docetaxel-q21d", "-o", str(exported))[0] == 0
    resource = json.loads(exported.read_text())
    assert resource["resourceType"] == "PlanDefinition"
    assert "before-start" in exported.read_text()
    code, out, err = run(capsys, "fhir", "import-regimen", str(exported), "-o", str(imported))
    assert (code, err) == (0, "")
    assert out.startswith(f"Wrote {imported}: docetaxel-q21d, 1 phase, 2 drugs")
    plans = []
    for source in ("docetaxel-q21d", str(imported)):
        code, out, _ = run(capsys, "plan", source, "--start", "2027-01-05", "--cycles", "1",
                           "--tz", "Europe/London", "--format", "json")  # fmt: skip
        assert code == 0
        plans.append([(e["start"], e["drug"]) for e in json.loads(out)["events"]
                      if e["kind"] == "dose"])  # fmt: skip
    assert plans[0] == plans[1]
    assert [s[:10] for s, drug in plans[0] if drug == "Dexamethasone"] == [
        "2027-01-04", "2027-01-04", "2027-01-05", "2027-01-05", "2027-01-06", "2027-01-06",
    ]  # fmt: skip


def test_the_spec_example_imports_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "kdn5.toml"
    source = TESTDATA / "fhir" / "plandefinition-kdn5-simplified.json"
    code, _, err = run(capsys, "fhir", "import-regimen", str(source), "-o", str(target))
    assert (code, err) == (0, "")
    assert run(capsys, "validate", str(target))[0] == 0


def test_a_plan_as_a_fhir_bundle_agrees_with_the_calendar(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """aldesleukin-sc from Monday 4 January 2027, one cycle: 20 dose instants at 09:00 GMT."""
    for fmt in ("fhir", "fhir-r4b"):
        code, out, _ = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                           "--tz", "Europe/London", "--format", fmt)  # fmt: skip
        assert code == 0
        bundle = json.loads(out)
        assert bundle["resourceType"] == "Bundle"
        requests = [e["resource"] for e in bundle["entry"]
                    if e["resource"]["resourceType"] == "MedicationRequest"]  # fmt: skip
        events = requests[0]["dosageInstruction"][0]["timing"]["event"]
        assert [e[:10] for e in events] == [
            "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
            "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
            "2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22",
            "2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29",
        ]  # fmt: skip
        assert events[0] == "2027-01-04T09:00:00+00:00"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "in.json: is not JSON: Expecting value (line 1, column 1)"),
        ('{"resourceType": "Patient"}', "resourceType: expected a PlanDefinition, got 'Patient'"),
        ("[" * 100_000 + "]" * 100_000, "in.json: is not JSON this tool reads: nested deeper than 64 levels"),
        ("[1, 2]", "PlanDefinition: expected a PlanDefinition (a JSON object), got list"),
        ('{"resourceType": "PlanDefinition", "id": "a", "id": "b"}',
         "in.json: PlanDefinition.id: given twice in one object (readers differ on which one "
         "counts: give it once)"),
        ('{"resourceType": "PlanDefinition", "action": [{"timingTiming": {"repeat": {"count": '
         + "1" * 5000 + "}}}]}",
         "in.json: PlanDefinition.action[0].timingTiming.repeat.count: a number of 5,000 "
         "digits (at most 64: no count, day, duration or dose needs more)"),
        ('{"resourceType": "PlanDefinition", "title": "Gem\\ud800cis"}',
         "in.json: PlanDefinition.title: contains a lone surrogate \\ud800, which is not a "
         "character (the text was cut or mis-encoded: give it as UTF-8 text)"),
        ('{"resourceType": "PlanDefinition", "action": [{"x": NaN}]}',
         "in.json: PlanDefinition.action[0].x: NaN is not a JSON number (give a finite number)"),
    ],
    ids=["not-json", "patient", "deep", "list", "duplicate", "5000-digits", "surrogate", "nan"],
)  # fmt: skip
def test_bad_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    source = tmp_path / "in.json"
    source.write_text(content)
    code, out, err = run(
        capsys, "fhir", "import-regimen", str(source), "-o", str(tmp_path / "o.toml")
    )
    assert code == 1 and out == ""
    assert err.startswith("Error: ") and err.count("\n") == 1 and message in err
    assert "internal error" not in err and "Traceback" not in err
    assert not (tmp_path / "o.toml").exists()


def test_export_options_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "fhir", "export-regimen", "aldesleukin-sc", "--version", "r6")
    assert code == 1 and "--version must be r5 or r4b, got 'r6'" in err
