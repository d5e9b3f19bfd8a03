"""Dose calculation from the entered weight and height: mg/kg, IU/kg and mg/m² doses.

Body surface area (BSA) by Mosteller, ``sqrt(height_cm × weight_kg / 3600)``, or by DuBois,
``0.007184 × weight_kg^0.425 × height_cm^0.725``; rounded to 2 decimals (m²) and the rounded
figure used, as prescribing charts do. A calculated amount is rounded to 3 significant figures
(159 mg, 2,340 mg, 42,000,000 IU), then held to the drug's per-dose maximum (vincristine 2 mg).
This is arithmetic to check a prescription against, before any dose banding or rounding to
vial and tablet sizes, which stay the pharmacist's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .amounts import UNITS, Amount, format_number

__all__ = ["BSA_FORMULAS", "Body", "Dose", "calculate"]

BSA_FORMULAS = ("mosteller", "dubois")


@dataclass(frozen=True, slots=True)
class Body:
    """The patient's measurements as entered at plan time."""

    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    bsa_formula: str = "mosteller"

    def __post_init__(self) -> None:
        if self.weight_kg is not None and not Decimal("0.5") <= self.weight_kg <= Decimal(400):
            raise ValueError(f"weight {self.weight_kg} kg is outside 0.5 to 400 kg")
        if self.height_cm is not None and not Decimal(30) <= self.height_cm <= Decimal(250):
            raise ValueError(f"height {self.height_cm} cm is outside 30 to 250 cm")
        if self.bsa_formula not in BSA_FORMULAS:
            raise ValueError(
                f"unknown BSA formula {self.bsa_formula!r} (allowed: mosteller, dubois)"
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
