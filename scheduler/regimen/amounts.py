"""Dose amounts with units: ``600,000 IU/kg``, ``1,250 mg/m²``, ``18 MIU``, ``2 tablets``.

An amount is exact (Decimal: no binary rounding in a dose) and its unit says whether it is per
kilogram of body weight, per square metre of body surface area, or absolute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

__all__ = ["UNITS", "Amount", "format_number", "parse_amount"]

#: Absolute units the format accepts (canonical spelling -> how it is shown).
_BASE = {
    "mg": "mg", "g": "g", "mcg": "mcg", "iu": "IU", "miu": "MIU", "units": "units",
    "ml": "mL", "tablet": "tablet", "tablets": "tablets", "capsule": "capsule",
    "capsules": "capsules", "gy": "Gy",  # Gy: a radiotherapy fraction's dose
}  # fmt: skip
_PER = {"kg": "/kg", "m2": "/m²"}
_PER_SCALABLE = {"mg", "g", "mcg", "iu", "miu", "units"}

#: Every unit the format accepts, canonical spelling -> display, e.g. "mg/m2" -> "mg/m²".
UNITS: dict[str, str] = {
    **{key: shown for key, shown in _BASE.items()},
    **{f"{b}/{p}": _BASE[b] + _PER[p] for b in _PER_SCALABLE for p in _PER},
}

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
        """``"kg"``, ``"m2"`` or None: what the amount is scaled by."""
        return self.unit.split("/", 1)[1] if "/" in self.unit else None

    @property
    def base_unit(self) -> str:
        """The unit of the calculated amount: ``mg`` for ``mg/m2``."""
        return self.unit.split("/", 1)[0]

    def __str__(self) -> str:
        return f"{format_number(self.value)} {UNITS[self.unit]}"


def _canonical_unit(text: str) -> str:
    unit = text.strip().lower().replace(" ", "").replace("µ", "mc").replace("μ", "mc")
    unit = unit.replace("m²", "m2").replace("m^2", "m2").replace("ug", "mcg")
    unit = {"unit": "units", "iu/m²": "iu/m2"}.get(unit, unit)
    return unit.replace("mcgg", "mcg")


def parse_amount(text: object) -> Amount:
    """Read ``"1,250 mg/m²"`` (or ``mg/m2``), ``"600000 IU/kg"``, ``"2 mg"``, ``"18 MIU"``."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        raise ValueError(f'{text!r} has no unit (write e.g. "85 mg/m2", "400 mg", "18 MIU")')
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


def format_number(value: Decimal) -> str:
    """``Decimal("42000000")`` -> ``"42,000,000"``; ``Decimal("2.50")`` -> ``"2.5"``."""
    normal = value.normalize()
    if normal == normal.to_integral_value():
        return f"{int(normal):,}"
    whole, _, fraction = f"{normal:f}".partition(".")
    return f"{int(whole):,}.{fraction}"
