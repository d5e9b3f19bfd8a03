"""Lifetime (cumulative) limits: the most of a drug a patient may have in all, summed over the
plan's final doses in time order and any dose given before the plan (doxorubicin 450 mg/m²
because of heart damage, bleomycin 400 units because of lung damage).

A dose counts in the limit's unit: as written when the regimen writes it in that unit (50 mg/m²
towards 450 mg/m²), or as calculated when the limit is absolute and the dose was calculated
(92 mg towards 900 mg), or, for a limit per m² (or kg) and a dose in plain mg (a dose a course
changed to "200 mg"), divided by the patient's BSA (or weight), rounded up to 0.1: 200 mg for
1.82 m² counts 109.9 mg/m². A dose that cannot be counted (an absolute limit, a per-m² dose and
no weight and height) leaves the limit unchecked, and the plan says so instead of passing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal

from ..regimen.amounts import Amount, format_number, parse_amount
from ..regimen.dosing import Body
from ..regimen.model import Drug, EventKind, Regimen
from ..regimen.notation import format_date
from .events import Event

__all__ = ["MAX_PRIOR", "Lifetime", "Prior", "carried", "lifetime", "parse_prior"]


@dataclass(frozen=True, slots=True)
class Prior:
    """An amount of a drug given before this plan (an earlier course of doxorubicin)."""

    drug: str
    """The drug's key in the regimen."""
    amount: Amount


#: Doses before a plan are a few earlier courses' totals, one per drug.
MAX_PRIOR = 20


def parse_prior(text: object) -> Prior:
    """``"doxorubicin=150 mg/m2"``: a drug key and the amount given before the plan. Raises
    ValueError saying what is wrong and how to write it."""
    if not isinstance(text, str) or "=" not in text or len(text) > 200:
        raise ValueError(
            f"{text!r:.60} is not a prior dose (write DRUG=AMOUNT, e.g. doxorubicin=150 mg/m2)"
        )
    key, _, amount = text.partition("=")
    key = key.strip().lower()
    if not key or len(key) > 100 or not all(c.isalnum() or c == "-" for c in key):
        raise ValueError(
            f"{key!r:.60} is not a drug key (write DRUG=AMOUNT, e.g. doxorubicin=150 mg/m2)"
        )
    return Prior(key, parse_amount(amount.strip()))


@dataclass(frozen=True)
class Lifetime:
    """What the limits say about one plan."""

    lines: dict[str, str]
    """A line for each counted dose's description, by UID: the total after it."""
    over: str | None
    """Why the plan passes a limit, in words; None when it does not."""
    unchecked: tuple[str, ...]
    """Limits that could not be added up, in words."""


def lifetime(
    regimen: Regimen, events: list[Event], prior: tuple[Prior, ...], body: Body | None = None
) -> Lifetime:
    """The running totals of each limited drug over ``events`` (in time order) from ``prior``
    (a dose in plain mg counted per m² or kg with ``body``)."""
    lines: dict[str, str] = {}
    unchecked: list[str] = []
    for drug in regimen.drugs:
        cap = drug.max_cumulative
        if cap is None:
            continue
        before = sum((p.amount.value for p in prior if p.drug == drug.key), Decimal(0))
        doses = sorted(
            (e for e in events if e.kind == EventKind.DOSE and e.drug_key == drug.key),
            key=lambda e: (e.start.isoformat() if isinstance(e.start, datetime) else "", e.uid),
        )
        total = before
        for dose in doses:
            counted = _counted(dose, cap, body)
            if counted is None:
                without = {"m2": " without the weight and height", "kg": " without the weight"}
                written = dose.amount_written or dose.amount
                per = cap.per or (parse_amount(written).per if written else None)
                unchecked.append(
                    f"the lifetime limit of {drug.name} ({cap}) is not checked: its doses "
                    f"({dose.amount}) are not in {_unit(cap)}{without.get(per or '', '')}"
                )
                break
            total += counted
            if total > cap.value:
                return Lifetime(lines, _over(drug, cap, dose, total, before), tuple(unchecked))
            lines[dose.uid] = _line(drug, cap, total, before)
    return Lifetime(lines, None, tuple(unchecked))


def carried(
    events: Sequence[Event], regimen: Regimen, body: Body | None = None
) -> tuple[Prior, ...]:
    """What ``events`` (an earlier regimen of the same course) gave of the drugs ``regimen``
    limits over a lifetime, as doses before it: a switch from one doxorubicin regimen to
    another keeps counting towards 450 mg/m². Doses that cannot be counted in the limit's
    unit are left out (the new regimen's own plan says its limit is unchecked)."""
    out = []
    for drug in regimen.drugs:
        cap = drug.max_cumulative
        if cap is None:
            continue
        total = Decimal(0)
        for event in events:
            if event.kind == EventKind.DOSE and not event.cancelled and event.drug_key == drug.key:
                total += _counted(event, cap, body) or Decimal(0)
        if total:
            out.append(Prior(drug.key, Amount(total, cap.unit)))
    return tuple(out)


def _counted(dose: Event, cap: Amount, body: Body | None) -> Decimal | None:
    texts = [parse_amount(t) for t in (dose.amount_written, dose.amount) if t is not None]
    for amount in texts:
        if amount.unit == cap.unit:
            return amount.value
    scale = None
    if body is not None and cap.per == "m2":
        scale = body.bsa()
    elif body is not None and cap.per == "kg":
        scale = body.weight_kg
    if scale:
        for amount in texts:
            if amount.unit == cap.base_unit:
                return (amount.value / scale).quantize(Decimal("0.1"), rounding=ROUND_CEILING)
    return None


def _unit(cap: Amount) -> str:
    return str(cap).partition(" ")[2]


def _line(drug: Drug, cap: Amount, total: Decimal, before: Decimal) -> str:
    earlier = f" ({format_number(before)} {_unit(cap)} of it before this plan)" if before else ""
    return (
        f"Lifetime total of {drug.name} after this dose: {format_number(total)} {_unit(cap)} of "
        f"at most {cap}{earlier}."
    )


def _over(drug: Drug, cap: Amount, dose: Event, total: Decimal, before: Decimal) -> str:
    start = dose.start
    when = format_date(start.date() if isinstance(start, datetime) else start)
    earlier = (
        f" (with {format_number(before)} {_unit(cap)} given before this plan)" if before else ""
    )
    where = f"cycle {dose.cycle}" if dose.cycle else "a dose"
    return (
        f"{drug.name} on {when} ({where}) would bring the lifetime total to "
        f"{format_number(total)} {_unit(cap)}{earlier}, over the limit of {cap}: plan fewer "
        "cycles, or stop the course before it"
    )
