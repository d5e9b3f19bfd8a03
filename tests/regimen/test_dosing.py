"""Dose amounts (scheduler/regimen/amounts.py) and dose calculation (scheduler/regimen/dosing.py).

Every expected figure below is worked out by hand in a comment next to it; none is computed by
the code under test.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduler.regimen.amounts import MAX_VALUE, Amount, format_number, parse_amount
from scheduler.regimen.dosing import Body, Dose, FigureError, calculate

CHECK = "check it against the prescription."
FROM_WEIGHT = f"Calculated from the weight entered when this calendar was made: {CHECK}"
FROM_BOTH = f"Calculated from the weight and height entered when this calendar was made: {CHECK}"
EXAMPLES = '(write e.g. "85 mg/m2", "400 mg", "18 MIU")'

#: The adult used throughout: 70 kg, 175 cm.
ADULT = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
ADULT_DUBOIS = Body(weight_kg=Decimal(70), height_cm=Decimal(175), bsa_formula="dubois")


# --- parse_amount: what is accepted ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "per", "base", "shown"),
    [
        # Thousands separator, the superscript ² and the plain "m2" both mean per m².
        ("1,250 mg/m²", Decimal(1250), "mg/m2", "m2", "mg", "1,250 mg/m²"),
        ("1,250 mg/m2", Decimal(1250), "mg/m2", "m2", "mg", "1,250 mg/m²"),
        ("1,250 mg/m^2", Decimal(1250), "mg/m2", "m2", "mg", "1,250 mg/m²"),
        ("1250 mg / m2", Decimal(1250), "mg/m2", "m2", "mg", "1,250 mg/m²"),
        # Per kilogram, two thousands groups: 600,000.
        ("600,000 IU/kg", Decimal(600000), "iu/kg", "kg", "iu", "600,000 IU/kg"),
        ("600000 IU/kg", Decimal(600000), "iu/kg", "kg", "iu", "600,000 IU/kg"),
        # Absolute amounts: not scaled by anything.
        ("18 MIU", Decimal(18), "miu", None, "miu", "18 MIU"),
        ("2 tablets", Decimal(2), "tablets", None, "tablets", "2 tablets"),
        ("1 tablet", Decimal(1), "tablet", None, "tablet", "1 tablet"),
        ("2 mg", Decimal(2), "mg", None, "mg", "2 mg"),
        ("7.5 mg", Decimal("7.5"), "mg", None, "mg", "7.5 mg"),
        ("  400 MG  ", Decimal(400), "mg", None, "mg", "400 mg"),
        ("10 mL", Decimal(10), "ml", None, "ml", "10 mL"),
    ],
)
def test_parse_amount_reads_units_and_separators(
    text: str, value: Decimal, unit: str, per: str | None, base: str, shown: str
) -> None:
    """Each written form reads to the exact Decimal value and the canonical unit, knows what it
    is scaled by, and prints back in the display spelling."""
    amount = parse_amount(text)
    assert amount == Amount(value, unit)
    assert amount.per == per
    assert amount.base_unit == base
    assert str(amount) == shown


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("500 mcg", "mcg"),
        ("500 MCG", "mcg"),
        ("500 µg", "mcg"),  # U+00B5 MICRO SIGN
        ("500 μg", "mcg"),  # U+03BC GREEK SMALL LETTER MU
        ("500 ug", "mcg"),  # the ASCII stand-in for µ
        ("2 µg/kg", "mcg/kg"),
        ("2 μg/m²", "mcg/m2"),
        ("2 mcg/m2", "mcg/m2"),
    ],
)
def test_parse_amount_microgram_spellings_are_one_unit(text: str, unit: str) -> None:
    """µg (micro sign), μg (Greek mu), ug and mcg are all the same unit, shown as "mcg"."""
    amount = parse_amount(text)
    assert amount.unit == unit
    assert (
        str(amount).split(" ", 1)[1] == {"mcg": "mcg", "mcg/kg": "mcg/kg", "mcg/m2": "mcg/m²"}[unit]
    )


def test_parse_amount_just_below_the_limit_is_accepted() -> None:
    """The limit is a trillion (10^12): 999,999,999,999 IU is the largest amount accepted."""
    assert Decimal(10) ** 12 == MAX_VALUE  # the documented limit, written out by hand
    assert parse_amount("999,999,999,999 IU").value == Decimal(999_999_999_999)


# --- parse_amount: what is refused, and what it says ----------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # No unit at all: as a string, and as a bare number from TOML.
        ("85", f"'85' is not a dose amount {EXAMPLES}"),
        (85, f"85 has no unit {EXAMPLES}"),
        (85.5, f"85.5 has no unit {EXAMPLES}"),
        ("", f"'' is not a dose amount {EXAMPLES}"),
        ("mg", f"'mg' is not a dose amount {EXAMPLES}"),
        ("-5 mg", f"'-5 mg' is not a dose amount {EXAMPLES}"),
        (None, f"None is not a dose amount {EXAMPLES}"),
        (True, f"True is not a dose amount {EXAMPLES}"),
        # Zero is no dose.
        ("0 mg", "a dose amount must be more than zero, got '0 mg'"),
        ("0.0 mg/m2", "a dose amount must be more than zero, got '0.0 mg/m2'"),
        # Commas only group thousands, three digits at a time.
        ("1,25 mg", "'1,25' in '1,25 mg' is not a number (commas group thousands: 1,250)"),
        ("1,2500 mg", "'1,2500' in '1,2500 mg' is not a number (commas group thousands: 1,250)"),
        (
            "12,50,000 IU",
            "'12,50,000' in '12,50,000 IU' is not a number (commas group thousands: 1,250)",
        ),
        ("1250, mg", "'1250,' in '1250, mg' is not a number (commas group thousands: 1,250)"),
        # Absurdly large numbers are typos.
        (
            "99999999999999999999 mg",
            "'99999999999999999999 mg' is not a dose amount: 99999999999999999999 is far too large",
        ),
        (
            "1,000,000,000,000 IU",
            "'1,000,000,000,000 IU' is not a dose amount: 1,000,000,000,000 is far too large",
        ),
    ],
)
def test_parse_amount_refusals_say_why(text: object, message: str) -> None:
    """Each refusal is a ValueError with a message saying what is wrong and what to write."""
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    assert str(caught.value) == message


@pytest.mark.parametrize("text", ["5 furlongs", "5 mg/day", "5 IU/lb", "2 tablets/kg"])
def test_parse_amount_unknown_unit_lists_the_allowed_ones(text: str) -> None:
    """An unknown unit names itself and the amount, then lists the units allowed (tablets can
    be given, but not "per kg")."""
    unit = text.split(" ", 1)[1]
    with pytest.raises(ValueError) as caught:
        parse_amount(text)
    message = str(caught.value)
    assert message.startswith(f"unknown unit {unit!r} in {text!r} (allowed: ")
    for allowed in ("mg", "mg/m²", "IU/kg", "MIU", "mcg", "tablets", "mL"):
        assert allowed in message.split("(allowed: ", 1)[1].rstrip(")").split(", ")


# --- format_number --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal(42000000), "42,000,000"),
        (Decimal("42000000.000"), "42,000,000"),
        (Decimal("4.2E+7"), "42,000,000"),
        (Decimal("2.50"), "2.5"),
        (Decimal("2.576"), "2.576"),
        (Decimal("1250"), "1,250"),
        (Decimal("2312.5"), "2,312.5"),
        (Decimal("0.05"), "0.05"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal(7), "7"),
    ],
)
def test_format_number(value: Decimal, text: str) -> None:
    """Thousands grouped by commas, no trailing zeros, never scientific notation."""
    assert format_number(value) == text


# --- Body -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight_kg": Decimal("0.49")}, "weight 0.49 kg is outside 0.5 to 400 kg"),
        ({"weight_kg": Decimal("400.1")}, "weight 400.1 kg is outside 0.5 to 400 kg"),
        ({"weight_kg": Decimal(0)}, "weight 0 kg is outside 0.5 to 400 kg"),
        ({"height_cm": Decimal("29.9")}, "height 29.9 cm is outside 30 to 250 cm"),
        ({"height_cm": Decimal(251)}, "height 251 cm is outside 30 to 250 cm"),
        ({"bsa_formula": "boyd"}, "unknown BSA formula 'boyd' (allowed: mosteller, dubois)"),
        (
            {"bsa_formula": "Mosteller"},
            "unknown BSA formula 'Mosteller' (allowed: mosteller, dubois)",
        ),
    ],
)
def test_body_refuses_impossible_figures(kwargs: dict[str, object], message: str) -> None:
    """Weight outside 0.5-400 kg, height outside 30-250 cm, or an unknown BSA formula is a
    FigureError (the project's own ArgumentError) naming the figure and the allowed range."""
    with pytest.raises(FigureError) as caught:
        Body(**kwargs)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_body_accepts_the_limits() -> None:
    """The limits themselves are allowed (inclusive ranges)."""
    Body(weight_kg=Decimal("0.5"), height_cm=Decimal(30))
    Body(weight_kg=Decimal(400), height_cm=Decimal(250), bsa_formula="dubois")


def test_bsa_mosteller_70_kg_175_cm() -> None:
    """Mosteller BSA, rounded to 0.01 m².

    sqrt(175 × 70 / 3600) = sqrt(12250 / 3600) = sqrt(3.402777...) = 1.84466... -> 1.84 m²
    (check: 1.8446² = 3.40255, 1.8447² = 3.40292, so the root is 1.8446-1.8447).
    """
    assert ADULT.bsa() == Decimal("1.84")
    assert Body(weight_kg=Decimal(70), height_cm=Decimal(175)).bsa_formula == "mosteller"


def test_bsa_dubois_70_kg_175_cm() -> None:
    """DuBois BSA, rounded to 0.01 m².

    70^0.425:   ln 70 = 4.2484952; × 0.425 = 1.8056105; e^1.8056105 = 6.0496475 × 1.0056263
                = 6.08368
    175^0.725:  ln 175 = 5.1647859; × 0.725 = 3.7444698; e^3.7444698 = 40.4473044 × 1.0454734
                = 42.28658
    0.007184 × 6.08368 × 42.28658 = 0.007184 × 257.2582 = 1.84814 -> 1.85 m²
    """
    assert ADULT_DUBOIS.bsa() == Decimal("1.85")


def test_bsa_child_rounds_up_to_0_80() -> None:
    """20 kg, 115 cm by Mosteller: sqrt(115 × 20 / 3600) = sqrt(2300 / 3600) = sqrt(0.638888...)
    = 0.79930... (0.8² = 0.64 is just above) -> 0.80 m²."""
    assert Body(weight_kg=Decimal(20), height_cm=Decimal(115)).bsa() == Decimal("0.80")


@pytest.mark.parametrize(
    "body",
    [
        Body(),
        Body(weight_kg=Decimal(70)),
        Body(height_cm=Decimal(175)),
        Body(height_cm=Decimal(175), bsa_formula="dubois"),
    ],
)
def test_bsa_needs_weight_and_height(body: Body) -> None:
    """Without both figures there is no BSA (None), not a guess."""
    assert body.bsa() is None


# --- calculate ------------------------------------------------------------------------------


def test_per_kg_dose() -> None:
    """600,000 IU/kg × 70 kg = 42,000,000 IU: already 3 significant figures (4.20 × 10^7),
    so no "≈" step; the working says it came from the weight alone."""
    dose = calculate(parse_amount("600,000 IU/kg"), ADULT)
    assert dose == Dose(
        amount="42,000,000 IU",
        written="600,000 IU/kg",
        working=f"600,000 IU/kg × 70 kg = 42,000,000 IU. {FROM_WEIGHT}",
    )


def test_per_kg_dose_needs_only_the_weight() -> None:
    """A per-kg dose is calculated from the weight even without a height."""
    dose = calculate(parse_amount("600,000 IU/kg"), Body(weight_kg=Decimal(70)))
    assert dose.amount == "42,000,000 IU"


def test_per_kg_dose_rounds_half_up_to_three_figures() -> None:
    """5 mg/kg × 72.5 kg = 362.5 mg; to 3 significant figures, half up -> 363 mg."""
    dose = calculate(parse_amount("5 mg/kg"), Body(weight_kg=Decimal("72.5")))
    assert dose.amount == "363 mg"
    assert dose.working == f"5 mg/kg × 72.5 kg = 362.5 mg ≈ 363 mg. {FROM_WEIGHT}"


def test_small_per_kg_dose_keeps_three_figures_after_the_point() -> None:
    """0.05 mg/kg × 70.3 kg = 3.515 mg; 3 significant figures, half up -> 3.52 mg."""
    dose = calculate(parse_amount("0.05 mg/kg"), Body(weight_kg=Decimal("70.3")))
    assert dose.amount == "3.52 mg"
    assert dose.working == f"0.05 mg/kg × 70.3 kg = 3.515 mg ≈ 3.52 mg. {FROM_WEIGHT}"


def test_per_m2_dose_mosteller() -> None:
    """Oxaliplatin 85 mg/m² × 1.84 m² (Mosteller, above) = 156.4 mg; 3 significant figures
    -> 156 mg."""
    dose = calculate(parse_amount("85 mg/m2"), ADULT)
    assert dose == Dose(
        amount="156 mg",
        written="85 mg/m²",
        working=f"85 mg/m² × 1.84 m² (BSA, Mosteller) = 156.4 mg ≈ 156 mg. {FROM_BOTH}",
    )


def test_per_m2_dose_dubois() -> None:
    """85 mg/m² × 1.85 m² (DuBois, above) = 157.25 mg; 3 significant figures -> 157 mg; the
    working names the formula."""
    dose = calculate(parse_amount("85 mg/m²"), ADULT_DUBOIS)
    assert dose.amount == "157 mg"
    assert dose.working == f"85 mg/m² × 1.85 m² (BSA, DuBois) = 157.25 mg ≈ 157 mg. {FROM_BOTH}"


def test_per_m2_dose_in_the_thousands() -> None:
    """Capecitabine 1,250 mg/m² × 1.85 m² = 2,312.5 mg -> 2,310 mg (3 significant figures);
    × 1.84 m² = 2,300 mg exactly, which needs no rounding step."""
    dubois = calculate(parse_amount("1,250 mg/m2"), ADULT_DUBOIS)
    assert dubois.amount == "2,310 mg"
    assert dubois.working.startswith(
        "1,250 mg/m² × 1.85 m² (BSA, DuBois) = 2,312.5 mg ≈ 2,310 mg. "
    )
    mosteller = calculate(parse_amount("1,250 mg/m2"), ADULT)
    assert mosteller.amount == "2,300 mg"
    assert mosteller.working.startswith("1,250 mg/m² × 1.84 m² (BSA, Mosteller) = 2,300 mg. ")


def test_maximum_caps_the_dose() -> None:
    """Vincristine 1.4 mg/m² × 1.84 m² = 2.576 mg -> 2.58 mg (3 significant figures), above the
    2 mg maximum per dose: the dose is 2 mg and the working says it was capped."""
    dose = calculate(parse_amount("1.4 mg/m2"), ADULT, parse_amount("2 mg"))
    assert dose.amount == "2 mg"
    assert dose.written == "1.4 mg/m²"
    assert "capped at the maximum of 2 mg" in dose.working
    assert dose.working == (
        "1.4 mg/m² × 1.84 m² (BSA, Mosteller) = 2.576 mg ≈ 2.58 mg, "
        f"capped at the maximum of 2 mg. {FROM_BOTH}"
    )


def test_maximum_leaves_a_smaller_dose_alone() -> None:
    """A child of 0.80 m² (above): 1.4 mg/m² × 0.80 m² = 1.12 mg, below the 2 mg maximum, so
    not capped and no rounding step."""
    child = Body(weight_kg=Decimal(20), height_cm=Decimal(115))
    dose = calculate(parse_amount("1.4 mg/m2"), child, parse_amount("2 mg"))
    assert dose.amount == "1.12 mg"
    assert dose.working == f"1.4 mg/m² × 0.8 m² (BSA, Mosteller) = 1.12 mg. {FROM_BOTH}"
    assert "capped" not in dose.working


@pytest.mark.parametrize("body", [ADULT, None, Body()])
def test_absolute_amount_passes_through(body: Body | None) -> None:
    """An absolute amount (400 mg, 18 MIU) is given as written, with no working."""
    assert calculate(parse_amount("400 mg"), body) == Dose(amount="400 mg", written="400 mg")
    assert calculate(parse_amount("18 MIU"), body, parse_amount("2 mg")) == Dose(
        amount="18 MIU", written="18 MIU"
    )


@pytest.mark.parametrize(
    "body",
    [None, Body(), Body(weight_kg=Decimal(70)), Body(weight_kg=Decimal(70), bsa_formula="dubois")],
)
def test_per_m2_without_height_stays_as_written(body: Body | None) -> None:
    """Without a height there is no BSA: the amount stays "85 mg/m²", with no working."""
    assert calculate(parse_amount("85 mg/m2"), body) == Dose(
        amount="85 mg/m²", written="85 mg/m²", working=""
    )


@pytest.mark.parametrize("body", [None, Body(), Body(height_cm=Decimal(175))])
def test_per_kg_without_weight_stays_as_written(body: Body | None) -> None:
    """Without a weight a per-kg amount stays "600,000 IU/kg", with no working."""
    assert calculate(parse_amount("600,000 IU/kg"), body) == Dose(
        amount="600,000 IU/kg", written="600,000 IU/kg"
    )
