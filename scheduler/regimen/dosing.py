"""Dose calculation from the entered weight, height and kidney function: mg/kg, IU/kg, mg/m²
and AUC (Calvert) doses.

Body surface area (BSA) by Mosteller, ``sqrt(height_cm × weight_kg / 3600)``, or by DuBois,
``0.007184 × weight_kg^0.425 × height_cm^0.725``; rounded to 2 decimals (m²) and the rounded
figure used, as prescribing charts do. A calculated amount is rounded to 3 significant figures
(159 mg, 2,340 mg, 42,000,000 IU), then held to the drug's per-dose maximum (vincristine 2 mg).
This is arithmetic to check a prescription against, before any dose banding or rounding to
vial and tablet sizes, which stay the pharmacist's.

AUC doses (carboplatin ``AUC 6``) by the Calvert formula, ``dose mg = AUC × (GFR + 25)``, from a
GFR entered in mL/min or estimated by Cockcroft–Gault, ``(140 − age) × weight kg [× 0.85 for a
woman] / (72 × serum creatinine mg/dL)`` (creatinine in µmol/L is divided by 88.4 and rounded
to 2 decimals first), with the actual weight entered. The GFR is rounded to 1 decimal and capped at 125 mL/min, as the
FDA's 2010 carboplatin dosing advice and the GOG recommend (so a dose is at most AUC × 150 mg).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..arguments import describe
from ..errors import ArgumentError
from ..words import and_list
from .amounts import UNITS, Amount, format_number

__all__ = [
    "BSA_FORMULAS",
    "GFR_CAP",
    "SEXES",
    "Body",
    "Creatinine",
    "Dose",
    "FigureError",
    "calculate",
    "changed",
    "parse_creatinine",
    "read_body",
]

BSA_FORMULAS = ("mosteller", "dubois")
SEXES = ("female", "male")
#: The highest GFR the Calvert formula is given (FDA 2010, GOG): AUC × 150 mg at most.
GFR_CAP = Decimal(125)
#: 1 mg/dL of creatinine is 88.4 µmol/L.
_UMOL_PER_MG_DL = Decimal("88.4")
_CREATININE_UNITS = {"mg/dl": "mg/dL", "umol/l": "µmol/L", "µmol/l": "µmol/L",
                     "μmol/l": "µmol/L", "micromol/l": "µmol/L"}  # fmt: skip


class FigureError(ArgumentError):
    """A patient figure that cannot be used; ``figure`` (also ``field``) names it (weight,
    height, bsa, gfr, creatinine, age, sex) so each front end can point at its own option,
    column or field."""

    def __init__(self, message: str, figure: str) -> None:
        super().__init__(message, field=figure)
        self.figure = figure


@dataclass(frozen=True, slots=True)
class Creatinine:
    """A serum creatinine as entered, with its unit (a bare number could be either)."""

    value: Decimal
    unit: str
    """``mg/dL`` or ``µmol/L``."""

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            raise FigureError(
                f"creatinine must be a Decimal, not {describe(self.value)}", "creatinine"
            )
        if self.unit not in ("mg/dL", "µmol/L"):
            raise FigureError(
                f"creatinine unit must be mg/dL or µmol/L, got {self.unit!r}", "creatinine"
            )
        if not self.value.is_finite() or not Decimal("0.1") <= self.mg_dl <= Decimal(20):
            raise FigureError(
                f"creatinine {self} is not plausible (0.1 to 20 mg/dL, 9 to 1,768 µmol/L)",
                "creatinine",
            )

    @property
    def mg_dl(self) -> Decimal:
        """In mg/dL; from µmol/L divided by 88.4 and rounded to 2 decimals, as labs report
        mg/dL, so the working can be followed by hand with the figure it shows."""
        if self.unit == "mg/dL":
            return self.value
        return _round(self.value / _UMOL_PER_MG_DL, "0.01")

    def __str__(self) -> str:
        return f"{format_number(self.value)} {self.unit}"


def parse_creatinine(text: str) -> Creatinine:
    """``"0.9 mg/dL"``, ``"80 umol/L"`` (or ``µmol/L``); a bare number is refused: 1.0 mg/dL
    and 88 µmol/L are the same creatinine, and guessing which was meant could make a dose
    88 times wrong."""
    if isinstance(text, str) and len(text) > 40:
        raise FigureError(
            f"{text[:20]!r}... is not a creatinine (write e.g. 0.9 mg/dL or 80 umol/L)",
            "creatinine",
        )
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([^\s0-9].*?)?\s*", text or "")
    if not match:
        raise FigureError(
            f"{text!r} is not a creatinine (write e.g. 0.9 mg/dL or 80 umol/L)", "creatinine"
        )
    if match.group(2) is None:
        raise FigureError(
            f"creatinine {text.strip()!r} needs its unit: mg/dL (e.g. 0.9 mg/dL) or µmol/L "
            "(e.g. 80 umol/L)",
            "creatinine",
        )
    unit = _CREATININE_UNITS.get(match.group(2).replace(" ", "").lower())
    if unit is None:
        raise FigureError(
            f"unknown creatinine unit {match.group(2)!r} (allowed: mg/dL, umol/L or µmol/L)",
            "creatinine",
        )
    return Creatinine(Decimal(match.group(1)), unit)


@dataclass(frozen=True, slots=True)
class Body:
    """The patient's measurements as entered at plan time."""

    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    bsa_formula: str = "mosteller"
    gfr_ml_min: Decimal | None = None
    """A glomerular filtration rate entered as such (measured, or estimated elsewhere)."""
    creatinine: Creatinine | None = None
    """Serum creatinine, to estimate the GFR by Cockcroft–Gault (with age, sex, weight)."""
    age_years: int | None = None
    sex: str | None = None
    """``female`` or ``male``: Cockcroft–Gault's factor."""

    def __post_init__(self) -> None:
        for figure, value in (("weight", self.weight_kg), ("height", self.height_cm),
                              ("gfr", self.gfr_ml_min)):  # fmt: skip
            if value is not None and not (isinstance(value, Decimal) and value.is_finite()):
                raise FigureError(
                    f"{figure} must be a finite Decimal (Decimal('70')), not {describe(value)}",
                    figure,
                )
        if self.creatinine is not None and not isinstance(self.creatinine, Creatinine):
            raise FigureError(
                "creatinine must be a Creatinine (parse_creatinine('0.9 mg/dL')), not "
                f"{describe(self.creatinine)}",
                "creatinine",
            )
        if self.age_years is not None and (
            isinstance(self.age_years, bool) or not isinstance(self.age_years, int)
        ):
            raise FigureError(
                f"age must be whole years (an int), not {describe(self.age_years)}", "age"
            )
        for figure, text in (("bsa", self.bsa_formula), ("sex", self.sex)):
            if text is not None and not isinstance(text, str):
                raise FigureError(f"{figure} must be text, not {describe(text)}", figure)
        if self.weight_kg is not None and not Decimal("0.5") <= self.weight_kg <= Decimal(400):
            raise FigureError(
                f"weight {_short(self.weight_kg)} kg is outside 0.5 to 400 kg", "weight"
            )
        if self.height_cm is not None and not Decimal(30) <= self.height_cm <= Decimal(250):
            raise FigureError(
                f"height {_short(self.height_cm)} cm is outside 30 to 250 cm", "height"
            )
        if self.bsa_formula not in BSA_FORMULAS:
            raise FigureError(
                f"unknown BSA formula {self.bsa_formula!r} (allowed: mosteller, dubois)", "bsa"
            )
        self._check_kidney()

    def _check_kidney(self) -> None:
        if self.gfr_ml_min is not None and not (
            self.gfr_ml_min.is_finite() and Decimal(1) <= self.gfr_ml_min <= Decimal(250)
        ):
            raise FigureError(
                f"GFR {_short(self.gfr_ml_min)} mL/min is outside 1 to 250 mL/min", "gfr"
            )
        if self.gfr_ml_min is not None and self.creatinine is not None:
            raise FigureError(
                "give the GFR or a creatinine to estimate it from, not both (they could disagree)",
                "gfr",
            )
        if self.age_years is not None and not 18 <= self.age_years <= 120:
            raise FigureError(
                f"age {self.age_years} is outside 18 to 120 years (Cockcroft–Gault is for "
                "adults: for a child give a measured GFR)",
                "age",
            )
        if self.sex is not None and self.sex not in SEXES:
            raise FigureError(
                f"sex must be female or male (Cockcroft–Gault's factor), got {self.sex!r}", "sex"
            )
        if self.creatinine is not None:
            missing = [name for name, value in (("age", self.age_years), ("sex", self.sex),
                       ("weight", self.weight_kg)) if value is None]  # fmt: skip
            if missing:
                raise FigureError(
                    f"a creatinine needs {and_list(missing)} too (Cockcroft–Gault estimates "
                    "the GFR from creatinine, age, sex and weight), or give the GFR instead",
                    "creatinine",
                )
        elif self.age_years is not None or self.sex is not None:
            given = "age" if self.age_years is not None else "sex"
            raise FigureError(
                f"{given} is used only with a creatinine, to estimate the GFR (Cockcroft–Gault)",
                given,
            )

    def bsa(self) -> Decimal | None:
        """Body surface area in m², rounded to 2 decimals; None without weight and height."""
        if self.weight_kg is None or self.height_cm is None:
            return None
        w, h = float(self.weight_kg), float(self.height_cm)
        if self.bsa_formula == "dubois":
            raw = 0.007184 * w**0.425 * h**0.725
        else:
            raw = math.sqrt(h * w / 3600)
        return Decimal(repr(raw)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    def gfr(self) -> tuple[Decimal, str] | None:
        """The GFR in mL/min for the Calvert formula, rounded to 1 decimal and capped at
        :data:`GFR_CAP`, with how it was found in words; None without kidney figures."""
        if self.gfr_ml_min is not None:
            raw, how = self.gfr_ml_min, f"GFR {format_number(self.gfr_ml_min)} mL/min as entered"
        elif self.creatinine is not None:
            assert self.age_years is not None and self.weight_kg is not None
            female = self.sex == "female"
            scr = self.creatinine.mg_dl
            raw = (Decimal(140 - self.age_years) * self.weight_kg
                   * (Decimal("0.85") if female else Decimal(1)) / (Decimal(72) * scr))  # fmt: skip
            converted = (
                ""
                if self.creatinine.unit == "mg/dL"
                else (f" ({self.creatinine} ÷ 88.4 = {format_number(scr)} mg/dL)")
            )
            how = (
                f"GFR by Cockcroft–Gault from creatinine {self.creatinine}{converted}, age "
                f"{self.age_years}, {self.sex}, {format_number(self.weight_kg)} kg (the weight "
                f"entered): (140 − {self.age_years}) × {format_number(self.weight_kg)}"
                + (" × 0.85" if female else "")
                + f" / (72 × {format_number(scr)}) = "
                f"{format_number(_round(raw, '0.1'))} mL/min"
            )
        else:
            return None
        gfr = _round(raw, "0.1")
        if gfr > GFR_CAP:
            how += (
                f", capped at {format_number(GFR_CAP)} mL/min as published guidance advises "
                "for the Calvert formula"
            )
            gfr = GFR_CAP
        return gfr, how


#: How a figure is typed in a message: its unit and an example.
_TYPED = {"weight": ("kg", "70"), "height": ("cm", "175"), "gfr": ("mL/min", "85"),
          "age": ("years", "64")}  # fmt: skip


def read_body(
    weight: object = None,
    height: object = None,
    bsa: object = None,
    gfr: object = None,
    creatinine: object = None,
    age: object = None,
    sex: object = None,
) -> Body | None:
    """A Body from figures as typed (a command line, a spreadsheet cell: text or numbers), or
    None when none is given. Raises :class:`FigureError` naming the figure at fault, so the
    command line can name its option and a plans file its column."""
    if height is not None and weight is None:
        raise FigureError("a height needs a weight too (BSA is calculated from both)", "height")
    if all(v is None for v in (weight, gfr, creatinine, age, sex)):
        return None
    if bsa is not None and not isinstance(bsa, str):
        raise FigureError(f"BSA formula {bsa!r}: write mosteller or dubois", "bsa")
    if sex is not None and not isinstance(sex, str):
        raise FigureError(f"sex {sex!r}: write female or male", "sex")
    if creatinine is not None and not isinstance(creatinine, str):
        raise FigureError(
            f"creatinine {creatinine!r} needs its unit: e.g. 0.9 mg/dL or 80 umol/L", "creatinine"
        )
    age_value = _typed(age, "age")
    if age_value is not None and (age_value != age_value.to_integral_value() or age_value > 1000):
        raise FigureError(f"age {age!r} is not a whole number of years (e.g. 64)", "age")
    return Body(
        weight_kg=_typed(weight, "weight"),
        height_cm=_typed(height, "height"),
        bsa_formula=bsa.strip().lower() if bsa is not None else "mosteller",
        gfr_ml_min=_typed(gfr, "gfr"),
        creatinine=parse_creatinine(creatinine) if creatinine is not None else None,
        age_years=int(age_value) if age_value is not None else None,
        sex=sex.strip().lower() if sex is not None else None,
    )


def _typed(value: object, figure: str) -> Decimal | None:
    """A number as typed, optionally followed by its unit ("70", "70 kg", 70.5)."""
    if value is None:
        return None
    unit, example = _TYPED[figure]
    wrong = FigureError(f"{value!r} is not a number of {unit} (e.g. {example})", figure)
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise wrong
    text = str(value).strip()
    if len(text) > 40:
        raise FigureError(f"{text[:20]!r}... is not a number of {unit} (e.g. {example})", figure)
    try:
        number = Decimal(text.removesuffix(unit).strip())
    except InvalidOperation:
        raise wrong from None
    if not number.is_finite():
        raise wrong
    return number


def _short(value: Decimal) -> str:
    """A figure for a message: as typed, or its size when it is far too long to echo."""
    text = str(value)
    return text if len(text) <= 30 else f"of about {len(text):,} digits"


def _round(value: Decimal, places: str) -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Dose:
    """What an event says about the amount."""

    amount: str
    """The amount to give (``"159 mg"``), or as written when it cannot be calculated."""
    written: str
    """The amount as the regimen writes it (``"85 mg/m²"``)."""
    working: str = ""
    """How it was calculated, for the patient and the nurse to check; empty if not calculated."""


def calculate(amount: Amount, body: Body | None, maximum: Amount | None = None) -> Dose:
    """The amount for this patient: scaled by weight or BSA when the figures were entered."""
    written = str(amount)
    per = amount.per
    if per is None:
        return Dose(amount=written, written=written)
    if per == "gfr":
        return _calvert(amount, body, maximum)
    factor: Decimal | None
    if body is None:
        factor = None
    elif per == "kg":
        factor, what = body.weight_kg, f"{format_number(body.weight_kg or Decimal(0))} kg"
    else:
        factor = body.bsa()
        if factor is not None:
            what = f"{format_number(factor)} m² (BSA, {_formula_name(body.bsa_formula)})"
    if factor is None:
        return Dose(amount=written, written=written)
    exact = amount.value * factor
    rounded = _three_significant(exact)
    unit = UNITS[amount.base_unit]
    working = f"{written} × {what} = {format_number(exact)} {unit}"
    if rounded != exact:
        working += f" ≈ {format_number(rounded)} {unit}"
    final = rounded
    if maximum is not None and maximum.unit == amount.base_unit and rounded > maximum.value:
        final = maximum.value
        working += f", capped at the maximum of {maximum}"
    source = "weight" if per == "kg" else "weight and height"
    working += f". Calculated from the {source} entered when this calendar was made: check it against the prescription."
    return Dose(amount=f"{format_number(final)} {unit}", written=written, working=working)


def changed(
    written: Amount,
    body: Body | None,
    maximum: Amount | None,
    *,
    percent: Decimal | None,
    amount: Amount | None,
    why: str,
) -> Dose:
    """The dose after a dose change: ``percent`` % of the regimen's ``written`` amount, or
    ``amount`` instead of it, calculated as any dose is and held to the drug's ``maximum``;
    ``why`` (where it applies from, and the reason) starts the working."""
    if percent is not None:
        new = Amount(written.value * percent / 100, written.unit)
        said = (
            f"Dose changed to {format_number(percent)} % {why}: {format_number(percent)} % of "
            f"{written} = {new}."
        )
    else:
        assert amount is not None
        new = amount
        said = f"Dose changed to {amount} {why}, instead of {written}."
    dose = calculate(new, body, maximum)
    final = dose.amount
    if (
        new.per is None
        and maximum is not None
        and new.unit == maximum.unit
        and new.value > maximum.value
    ):
        final = str(maximum)
        said += f" Held to the maximum of {maximum} per dose."
    working = f"{said} {dose.working}" if dose.working else said
    return Dose(amount=final, written=str(new), working=working)


def _calvert(amount: Amount, body: Body | None, maximum: Amount | None) -> Dose:
    """An AUC dose in mg: AUC × (GFR + 25), the GFR as :meth:`Body.gfr` finds it."""
    written = str(amount)
    found = body.gfr() if body is not None else None
    if found is None:
        return Dose(amount=written, written=written)
    gfr, how = found
    exact = amount.value * (gfr + 25)
    rounded = _three_significant(exact)
    working = (
        f"{written} × (GFR {format_number(gfr)} mL/min + 25) = {format_number(exact)} mg "
        "(Calvert formula)"
    )
    if rounded != exact:
        working += f" ≈ {format_number(rounded)} mg"
    final = rounded
    if maximum is not None and maximum.unit == "mg" and rounded > maximum.value:
        final = maximum.value
        working += f", capped at the maximum of {maximum}"
    working += (
        f". {how}. Calculated from the kidney function entered when this calendar was made: "
        "check it against the prescription."
    )
    return Dose(amount=f"{format_number(final)} mg", written=written, working=working)


def _three_significant(value: Decimal) -> Decimal:
    if value == 0:
        return value
    exponent = value.adjusted() - 2
    return (
        value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
        if exponent < 0
        else (
            (value / Decimal(10) ** exponent).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            * Decimal(10) ** exponent
        )
    )


def _formula_name(formula: str) -> str:
    return {"mosteller": "Mosteller", "dubois": "DuBois"}[formula]
