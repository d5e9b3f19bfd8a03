"""What a plan should say about itself that no date shows: more cycles asked for than the
regimen has, a start off the regimen's suggested weekday, and a zone without summer time where
the patient probably lives in one.

Each is one line for the reader (``plan`` prints them as warnings); nothing here changes a
date. A course cap's dropped doses come from the engine itself (:func:`engine.expand_noting`).
"""

from __future__ import annotations

from datetime import date

from ..regimen.dosing import Body
from ..regimen.model import Regimen
from ..regimen.notation import format_date, weekday_name
from ..words import plural

__all__ = ["FIXED_ZONES", "body_warnings", "start_and_zone_warnings"]

#: Zones that never change for summer time, which people type for a place that does: the zone
#: they probably mean. (Etc/GMT+5 and the like are offsets too, matched below.)
FIXED_ZONES: dict[str, str] = {
    **dict.fromkeys(
        ("GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "UTC", "UCT", "Universal", "Zulu",
         "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "Etc/Greenwich", "Etc/UTC",
         "Etc/UCT", "Etc/Universal", "Etc/Zulu"),
        "Europe/London for the UK, Europe/Dublin for Ireland, Europe/Lisbon for Portugal",
    ),
    "EST": "America/New_York (or America/Toronto) for the US or Canadian east coast",
    "MST": "America/Denver for most of the US mountain states (America/Phoenix keeps MST)",
}  # fmt: skip


def start_and_zone_warnings(
    regimen: Regimen, start: date, zone_name: str, cycles: int | None = None
) -> list[str]:
    """One line each: more ``cycles`` asked for than a fixed regimen has; the start is not the
    first phase's ``start_on`` weekday; the zone keeps one offset all year although a patient
    there probably lives with summer time."""
    out: list[str] = []
    fixed = [p.cycles for p in regimen.phases]
    if cycles is not None and None not in fixed:
        total = sum(c or 0 for c in fixed)
        if cycles > total:
            over = (
                "" if len(fixed) == 1 else f" ({' + '.join(str(c) for c in fixed)} in its phases)"
            )
            out.append(
                f"{regimen.id} has {plural(total, 'cycle')} in all{over}: {cycles} were asked "
                f"for and {total} are planned"
            )
    first = regimen.phases[0]
    if first.start_on is not None and start.weekday() != first.start_on:
        suggested = weekday_name(first.start_on)
        weekdays = any(r.weekdays is not None for r in first.doses)
        out.append(
            f"{regimen.id} suggests starting on a {suggested}, but {format_date(start)} is a "
            f"{weekday_name(start.weekday())}: day 1 is the date given and every later day "
            "follows it"
            + (
                "; its weekday doses keep their weekdays"
                if weekdays
                else f" (so a schedule meant to skip weekends from a {suggested} may not)"
            )
        )
    likely = FIXED_ZONES.get(zone_name)
    if likely is None and zone_name.startswith("Etc/GMT"):
        likely = "the patient's own zone, e.g. Europe/Berlin or America/Chicago"
    if likely is not None:
        out.append(
            f"{zone_name} never changes for summer time, so doses keep its clock all year: "
            f"a patient who lives with summer time would see them an hour off for half the "
            f"year; if that is not intended, use {likely}"
        )
    return out


def body_warnings(regimen: Regimen, body: Body | None) -> list[str]:
    """One line each: an AUC dose shown as written because no kidney function was given; a
    kidney function given to a regimen with no AUC dose (a wrong regimen, or a wrong patient)."""
    auc = sorted(
        {
            f"{regimen.drug(rule.drug).name} {rule.amount}"
            for phase in regimen.phases
            for rule in phase.doses
            if rule.amount is not None and rule.amount.per == "gfr"
        }
    )
    kidney = body is not None and (body.gfr_ml_min is not None or body.creatinine is not None)
    if auc and not kidney:
        return [
            f"{', '.join(auc)} is shown as written, not in mg: give the GFR, or a creatinine with "
            "age, sex and weight, to calculate it (Calvert formula)"
        ]
    if kidney and not auc:
        return [f"{regimen.id} has no AUC dose: the kidney function given is not used"]
    return []
