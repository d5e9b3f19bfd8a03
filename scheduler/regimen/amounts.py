"""Dose amounts with units: ``600,000 IU/kg``, ``1,250 mg/m²``, ``18 MIU``, ``2 tablets``,
``AUC 6``.

An amount is exact (Decimal: no binary rounding in a dose) and its unit says whether it is per
kilogram of body weight, per square metre of body surface area, a target area under the curve
(carboplatin's ``AUC 6`` mg/mL·min, turned into mg by the Calvert formula from the kidney
function), or absolute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["AUC", "MAX_AUC", "UNITS", "Amount", "format_number", "parse_amount"]

#: Absolute units the format accepts (canonical spelling -> how it is shown).
_BASE = {
    "mg": "mg", "g": "g", "mcg": "mcg", "iu": "IU", "miu": "MIU", "units": "units",
    "ml": "mL", "tablet": "tablet", "tablets": "tablets", "capsule": "capsule",
    "capsules": "capsules", "gy": "Gy",  # Gy: a radiotherapy fraction's dose
}  # fmt: skip
_PER = {"kg": "/kg", "m2": "/m²"}
_PER_SCALABLE = {"mg", "g", "mcg", "iu", "miu", "units"}

#: A target area under the curve in mg/mL·min (carboplatin): written before the number.
AUC = "auc"

#: Every unit the format accepts, canonical spelling -> display, e.g. "mg/m2" -> "mg/m²".
UNITS: dict[str, str] = {
    **{key: shown for key, shown in _BASE.items()},
    **{f"{b}/{p}": _BASE[b] + _PER[p] for b in _PER_SCALABLE for p in _PER},
    AUC: "AUC",
}

#: Target AUCs of carboplatin in published regimens run from about 1.5 to 7.5; more than
#: this is a typo (AUC 60), not a dose.
MAX_AUC = Decimal(10)
_AUC = re.compile(
    r"^\s*AUC\s*=?\s*([0-9]+(?:\.[0-9]+)?)\s*"
    r"(?:mg\s*/\s*ml\s*[·.*x×/]?\s*min|mg\s*[·.*x×]?\s*min\s*/\s*ml|mg/ml/min)?\s*$",
    re.IGNORECASE,
)

#: No dose is a trillion of anything (42,000,000 IU is large); bigger numbers are typos.
MAX_VALUE = Decimal(10) ** 12

_AMOUNT = re.compile(r"^\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([A-Za-zµμ][A-Za-zµμ/²^0-9 ]*?)\s*$")


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of drug per administration."""

    value: Decimal
    unit: str
    """Canonical unit, a key of :data:`UNITS` (``mg/m2``)."""

    @property
    def per(self) -> str | None:
        """``"kg"``, ``"m2"``, ``"gfr"`` (an AUC, scaled by GFR + 25) or None: what the amount
        is scaled by."""
        if self.unit == AUC:
            return "gfr"
        return self.unit.split("/", 1)[1] if "/" in self.unit else None

    @property
    def base_unit(self) -> str:
        """The unit of the calculated amount: ``mg`` for ``mg/m2`` and for an AUC."""
        if self.unit == AUC:
            return "mg"
        return self.unit.split("/", 1)[0]

    def __str__(self) -> str:
        if self.unit == AUC:
            return f"AUC {format_number(self.value)}"
        return f"{format_number(self.value)} {UNITS[self.unit]}"


def _canonical_unit(text: str) -> str:
    unit = text.strip().lower().replace(" ", "").replace("µ", "mc").replace("μ", "mc")
    unit = unit.replace("m²", "m2").replace("m^2", "m2").replace("ug", "mcg")
    unit = {"unit": "units", "iu/m²": "iu/m2"}.get(unit, unit)
    return unit.replace("mcgg", "mcg")


def parse_amount(text: object) -> Amount:
    """Read ``"1,250 mg/m²"`` (or ``mg/m2``), ``"600000 IU/kg"``, ``"2 mg"``, ``"18 MIU"``,
    ``"AUC 6"`` (or ``"AUC 6 mg/mL·min"``, ``"6 AUC"``)."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        raise ValueError(f'{text!r} has no unit (write e.g. "85 mg/m2", "400 mg", "18 MIU")')
    if isinstance(text, str) and "auc" in text.lower():
        return _parse_auc(text)
    match = _AMOUNT.match(text) if isinstance(text, str) else None
    if not match:
        raise ValueError(
            f'{text!r} is not a dose amount (write e.g. "85 mg/m2", "400 mg", "18 MIU")'
        )
    number, unit_text = match.groups()
    if "," in number and not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?", number):
        raise ValueError(f"{number!r} in {text!r} is not a number (commas group thousands: 1,250)")
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation as err:  # pragma: no cover - the regular expression admits numbers only
        raise ValueError(f"{number!r} is not a number") from err
    unit = _canonical_unit(unit_text)
    if unit not in UNITS:
        allowed = ", ".join(sorted(UNITS.values(), key=str.lower))
        raise ValueError(f"unknown unit {unit_text.strip()!r} in {text!r} (allowed: {allowed})")
    if value <= 0:
        raise ValueError(f"a dose amount must be more than zero, got {text!r}")
    if value >= MAX_VALUE:
        raise ValueError(f"{text!r} is not a dose amount: {number} is far too large")
    return Amount(value, unit)


def _parse_auc(text: str) -> Amount:
    """``AUC 6``: a target area under the curve in mg/mL·min (also read as ``6 AUC``, the
    form the unit-last writers such as the JSON and FHIR views use)."""
    cleaned = text.strip()
    flipped = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)\s*AUC", cleaned, re.IGNORECASE)
    match = _AUC.match(f"AUC {flipped.group(1)}" if flipped else cleaned)
    if not match:
        raise ValueError(
            f'{text!r} is not a target AUC (write e.g. "AUC 6", in mg/mL·min, for a dose by the '
            "Calvert formula)"
        )
    value = Decimal(match.group(1))
    if not Decimal(0) < value <= MAX_AUC:
        raise ValueError(
            f"{text!r}: a target AUC is more than 0 and at most {format_number(MAX_AUC)} "
            "mg/mL·min (carboplatin is given at AUC 2 to 7)"
        )
    return Amount(value, AUC)


def format_number(value: Decimal) -> str:
    """``Decimal("42000000")`` -> ``"42,000,000"``; ``Decimal("2.50")`` -> ``"2.5"``."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    whole, _, fraction = f"{normal:f}".partition(".")
    return f"{int(whole):,}.{fraction}"
