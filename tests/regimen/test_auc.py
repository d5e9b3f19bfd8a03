"""Issue 19 item 6: AUC dosing (carboplatin ``AUC 6``) by the Calvert formula, from a GFR that
is entered or estimated by Cockcroft–Gault. Every figure below is worked out by hand in the
comment next to it; none is computed by the code under test."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.regimen.amounts import Amount, parse_amount
from scheduler.regimen.dosing import (
    Body,
    FigureError,
    calculate,
    parse_creatinine,
    read_body,
)

AUC6 = Amount(Decimal(6), "auc")
CHECK = "check it against the prescription."


def _woman_64() -> Body:
    return Body(
        weight_kg=Decimal(70),
        creatinine=parse_creatinine("0.9 mg/dL"),
        age_years=64,
        sex="female",
    )


@pytest.mark.parametrize(
    "text",
    ["AUC 6", "AUC6", "auc 6", "AUC = 6", "AUC 6 mg/mL·min", "AUC 6 mg/ml/min",
     "AUC 6 mg·min/mL", "6 AUC"],
)  # fmt: skip
def test_a_target_auc_is_read_in_the_ways_protocols_write_it(text: str) -> None:
    amount = parse_amount(text)
    assert (amount.value, amount.unit, amount.per, amount.base_unit) == (
        Decimal(6),
        "auc",
        "gfr",
        "mg",
    )
    assert str(amount) == "AUC 6"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("AUC 60", "'AUC 60': a target AUC is more than 0 and at most 10 mg/mL·min"),
        ("AUC 0", "'AUC 0': a target AUC is more than 0"),
        ("AUC", "'AUC' is not a target AUC"),
        ("AUC six", "'AUC six' is not a target AUC"),
        ("AUC 6 mg", "'AUC 6 mg' is not a target AUC"),
        ("AUC -5", "'AUC -5' is not a target AUC"),
    ],
)
def test_a_target_auc_that_is_not_one_is_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    assert message in str(caught.value)


def test_calvert_from_cockcroft_gault_for_a_woman() -> None:
    """Woman, 64 years, 70 kg, creatinine 0.9 mg/dL:
    GFR = (140 − 64) × 70 × 0.85 / (72 × 0.9) = 4,522 / 64.8 = 69.78 → 69.8 mL/min;
    dose = 6 × (69.8 + 25) = 6 × 94.8 = 568.8 mg → 569 mg (3 significant figures)."""
    dose = calculate(AUC6, _woman_64())
    assert dose.amount == "569 mg"
    assert dose.written == "AUC 6"
    assert dose.working == (
        "AUC 6 × (GFR 69.8 mL/min + 25) = 568.8 mg (Calvert formula) ≈ 569 mg. GFR by "
        "Cockcroft–Gault from creatinine 0.9 mg/dL, age 64, female, 70 kg (the weight entered): "
        "(140 − 64) × 70 × 0.85 / (72 × 0.9) = 69.8 mL/min. Calculated from the kidney function "
        f"entered when this calendar was made: {CHECK}"
    )


def test_creatinine_in_micromoles_is_converted_as_labs_report_it() -> None:
    """Man, 55 years, 80 kg, creatinine 80 µmol/L: 80 / 88.4 = 0.905 → 0.90 mg/dL;
    GFR = (140 − 55) × 80 / (72 × 0.90) = 6,800 / 64.8 = 104.94 → 104.9 mL/min;
    dose = 6 × (104.9 + 25) = 6 × 129.9 = 779.4 mg → 779 mg."""
    body = Body(
        weight_kg=Decimal(80), creatinine=parse_creatinine("80 umol/L"), age_years=55, sex="male"
    )
    dose = calculate(AUC6, body)
    assert dose.amount == "779 mg"
    assert "from creatinine 80 µmol/L (80 µmol/L ÷ 88.4 = 0.9 mg/dL)" in dose.working
    assert "(140 − 55) × 80 / (72 × 0.9) = 104.9 mL/min" in dose.working


def test_an_entered_gfr_above_125_is_capped() -> None:
    """GFR 140 entered: capped at 125 (the FDA's and GOG's advice), so AUC 6 gives at most
    6 × (125 + 25) = 900 mg, not 6 × 165 = 990 mg."""
    dose = calculate(AUC6, Body(gfr_ml_min=Decimal(140)))
    assert dose.amount == "900 mg"
    assert dose.working.startswith(
        "AUC 6 × (GFR 125 mL/min + 25) = 900 mg (Calvert formula). GFR 140 mL/min as entered, "
        "capped at 125 mL/min"
    )


def test_an_estimated_gfr_above_125_is_capped() -> None:
    """Man, 30 years, 100 kg, creatinine 0.6 mg/dL: (140 − 30) × 100 / (72 × 0.6) = 11,000 /
    43.2 = 254.6 mL/min, capped at 125; AUC 5 gives 5 × 150 = 750 mg."""
    body = Body(
        weight_kg=Decimal(100), creatinine=parse_creatinine("0.6 mg/dL"), age_years=30, sex="male"
    )
    dose = calculate(Amount(Decimal(5), "auc"), body)
    assert dose.amount == "750 mg"
    assert "= 254.6 mL/min, capped at 125 mL/min" in dose.working


def test_a_drug_maximum_holds_an_auc_dose() -> None:
    """AUC 6 at GFR 125 is 900 mg; a maximum of 800 mg per dose holds it."""
    dose = calculate(AUC6, Body(gfr_ml_min=Decimal(125)), Amount(Decimal(800), "mg"))
    assert dose.amount == "800 mg"
    assert "= 900 mg (Calvert formula), capped at the maximum of 800 mg." in dose.working


def test_without_kidney_function_the_auc_is_shown_as_written() -> None:
    assert calculate(AUC6, None).amount == "AUC 6"
    assert calculate(AUC6, Body(weight_kg=Decimal(70))).amount == "AUC 6"
    assert calculate(AUC6, None).working == ""


@pytest.mark.parametrize(
    ("figures", "figure", "message"),
    [
        ({"gfr": "0"}, "gfr", "GFR 0 mL/min is outside 1 to 250 mL/min"),
        ({"gfr": "300"}, "gfr", "GFR 300 mL/min is outside 1 to 250 mL/min"),
        ({"gfr": "1e999"}, "gfr", "GFR 1E+999 mL/min is outside 1 to 250 mL/min"),
        ({"gfr": "NaN"}, "gfr", "'NaN' is not a number of mL/min (e.g. 85)"),
        ({"gfr": "fast"}, "gfr", "'fast' is not a number of mL/min (e.g. 85)"),
        ({"gfr": "80", "creatinine": "0.9 mg/dL", "age": "64", "sex": "female",
          "weight": "70"}, "gfr", "give the GFR or a creatinine to estimate it from, not both"),
        ({"creatinine": "0.9 mg/dL"}, "creatinine",
         "a creatinine needs age, sex and weight too (Cockcroft–Gault estimates the GFR from "
         "creatinine, age, sex and weight), or give the GFR instead"),
        ({"creatinine": "0.9 mg/dL", "age": "64", "weight": "70"}, "creatinine",
         "a creatinine needs sex too"),
        ({"creatinine": "0.9", "age": "64", "sex": "male", "weight": "70"}, "creatinine",
         "creatinine '0.9' needs its unit: mg/dL (e.g. 0.9 mg/dL) or µmol/L (e.g. 80 umol/L)"),
        ({"creatinine": "0.9 mmol/L", "age": "64", "sex": "male", "weight": "70"}, "creatinine",
         "unknown creatinine unit 'mmol/L' (allowed: mg/dL, umol/L or µmol/L)"),
        ({"creatinine": "25 mg/dL", "age": "64", "sex": "male", "weight": "70"}, "creatinine",
         "creatinine 25 mg/dL is not plausible (0.1 to 20 mg/dL, 9 to 1,768 µmol/L)"),
        ({"creatinine": "5 umol/L", "age": "64", "sex": "male", "weight": "70"}, "creatinine",
         "creatinine 5 µmol/L is not plausible"),
        ({"creatinine": 0.9, "age": "64", "sex": "male", "weight": "70"}, "creatinine",
         "creatinine 0.9 needs its unit"),
        ({"creatinine": "0.5 mg/dL", "age": "12", "sex": "female", "weight": "30"}, "age",
         "age 12 is outside 18 to 120 years (Cockcroft–Gault is for adults: for a child give a "
         "measured GFR)"),
        ({"creatinine": "0.9 mg/dL", "age": "64.5", "sex": "female", "weight": "70"}, "age",
         "age '64.5' is not a whole number of years"),
        ({"creatinine": "0.9 mg/dL", "age": "64", "sex": "x", "weight": "70"}, "sex",
         "sex must be female or male (Cockcroft–Gault's factor), got 'x'"),
        ({"age": "64"}, "age", "age is used only with a creatinine"),
        ({"sex": "female"}, "sex", "sex is used only with a creatinine"),
        ({"height": "175"}, "height", "a height needs a weight too"),
    ],
)  # fmt: skip
def test_kidney_figures_that_cannot_be_used_are_refused_naming_the_figure(
    figures: dict[str, object], figure: str, message: str
) -> None:
    with pytest.raises(FigureError) as caught:
        read_body(**figures)  # type: ignore[arg-type]
    assert caught.value.figure == figure
    assert message in str(caught.value)


def test_figures_as_typed_make_the_same_body() -> None:
    assert read_body(weight="70 kg", creatinine="0.9 mg/dL", age="64", sex=" Female ") == (
        _woman_64()
    )
    assert read_body() is None


# --- every way in: plan, course, batch ------------------------------------------------------

PLAN = ["plan", "carboplatin-paclitaxel-q21d", "--start", "2027-01-05", "--tz", "Europe/London",
        "--cycles", "1", "--format", "json", "-o", "-"]  # fmt: skip
WOMAN = ["--weight", "70", "--creatinine", "0.9 mg/dL", "--age", "64", "--sex", "female"]


def _carboplatin(text: str) -> list[str]:
    events = json.loads(text)["events"]
    return [e["amount"]["text"] for e in events if e["drug"] == "Carboplatin"]


def test_plan_calculates_carboplatin_from_the_creatinine(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The woman above: 569 mg on Tue 5 Jan 2027, the working in the event."""
    assert main([*PLAN, *WOMAN]) == 0
    out, err = capsys.readouterr()
    assert _carboplatin(out) == ["569 mg"]
    assert err == ""


def test_plan_says_when_an_auc_dose_is_not_calculated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(PLAN) == 0
    out, err = capsys.readouterr()
    assert _carboplatin(out) == ["AUC 6"]
    assert err.splitlines() == [
        "Warning: Carboplatin AUC 6 is shown as written, not in mg: give the GFR, or a "
        "creatinine with age, sex and weight, to calculate it (Calvert formula)"
    ]


def test_a_kidney_function_for_a_regimen_without_auc_is_said(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["plan", "r-chop-21", "--start", "2027-01-05", "--tz", "Europe/London",
                 "--gfr", "80", "--format", "json", "-o", "-"])  # fmt: skip
    _, err = capsys.readouterr()
    assert code == 0
    assert err == "Warning: r-chop-21 has no AUC dose: the kidney function given is not used\n"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--creatinine", "0.9"], "Error: --creatinine '0.9' needs its unit"),
        (["--gfr", "80", *WOMAN], "Error: --gfr: give the GFR or a creatinine"),
        (["--age", "sixty"], "Error: --age: 'sixty' is not a number of years (e.g. 64)"),
        (["--gfr", "9" * 5000], "Error: --gfr: '99999999999999999999'... is not a number"),
        (["--sex", "unknown", "--creatinine", "1 mg/dL", "--age", "50", "--weight", "60"],
         "Error: --sex must be female or male"),
    ],
)  # fmt: skip
def test_plan_refuses_unusable_kidney_figures_in_one_line(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main([*PLAN, *extra]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(message) and err.count("\n") == 1


def test_a_course_keeps_the_kidney_function_and_plans_the_same_dose(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-01T10:00:00Z")
    course = tmp_path / "c.toml"
    assert main(["course", "new", "carboplatin-paclitaxel-q21d", "--start", "2027-01-05",
                 "--tz", "Europe/London", "--cycles", "2", *WOMAN, "-o", str(course)]) == 0  # fmt: skip
    text = course.read_text()
    assert 'creatinine = "0.9 mg/dL"' in text and "age_years = 64" in text
    assert 'sex = "female"' in text and "weight_kg = 70" in text
    capsys.readouterr()
    assert main(["plan", str(course), "--format", "json", "-o", "-"]) == 0
    assert _carboplatin(capsys.readouterr().out) == ["569 mg", "569 mg"]
    course.write_text(text.replace("age_years = 64", "age_years = 12"))
    assert main(["plan", str(course), "-o", "-"]) == 1
    assert "age_years: age 12 is outside 18 to 120 years" in capsys.readouterr().err


def test_a_batch_row_takes_the_kidney_function_from_its_columns(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two rows, one with a GFR of 80 (6 × 105 = 630 mg) and one whose creatinine lacks a unit
    (that row fails, naming its column; the other is written)."""
    (tmp_path / "plans.csv").write_text(
        "regimen,start,zone,cycles,gfr,creatinine,label,format\n"
        "carboplatin-paclitaxel-q21d,2027-01-05,Europe/London,1,80,,A,json\n"
        "carboplatin-paclitaxel-q21d,2027-01-05,Europe/London,1,,0.9,B,json\n"
    )
    code = main(["batch", str(tmp_path / "plans.csv"), "-o", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 1
    assert out.startswith("Planned 1, failed 1")
    assert "creatinine" in err and "needs its unit" in err
    (written,) = (tmp_path / "out").iterdir()
    assert _carboplatin(written.read_text()) == ["630 mg"]
