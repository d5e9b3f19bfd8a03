"""A printable dose diary: one self-contained HTML file, a portrait page per cycle of the doses
taken at home, each dose a row to tick, with the time taken and a note written in by hand.

For the kitchen table: each cycle's page names the calendar, the cycle (and the phase when the
regimen has several), its first and last home dose and the time zone; then one row per home dose
in time order — the date, the planned time, the medicine and amount, a box to tick (already
marked ✓ ✗ ↗ when a course records the dose), and room to write when it was taken and a note —
then the precautions in force on those dates, how to reach the care team, and the source. Clinic
and hospital doses are on the month calendar (html.py), not here.

Print CSS: ``@page { size: portrait }`` takes the printer's paper (A4 or Letter), laid out to
the narrower of the two (190 mm inside 10 mm margins). Rows are at least 9 mm high for
handwriting and nothing is clipped: long names wrap, and a cycle with more doses than a page
holds (capecitabine twice daily, 28 doses) flows onto another page that repeats the header.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ..arguments import need_aware
from ..errors import PlanError
from ..plan.clock import day_of
from ..plan.events import ASK_SLOT, Event, asks_team
from ..regimen.model import EventKind
from ..regimen.notation import day_offset, format_date
from .html import MAX_MONTHS, precaution_banner, source_line
from .planned import checked_planned

if TYPE_CHECKING:
    from ..course.records import Record
    from ..regimen.model import Phase, Regimen
    from .planned import Planned

__all__ = ["to_diary"]

#: A dose's recorded status, in its tick box, and in words for a screen reader.
_RECORDED = {
    "given": ("✓", "given"),
    "missed": ("✗", "missed"),
    "refused": ("✗", "refused"),
    "given-elsewhere": ("↗", "given elsewhere"),
}


@dataclass(frozen=True)
class _Cycle:
    """One page's worth: the home doses of one cycle of one phase, in time order."""

    label: str
    """``Cycle 1``, ``Maintenance, cycle 2``, or for continuous treatment ``Days 1-28``."""
    doses: tuple[Event, ...]
    regimen: Regimen
    """The regimen the doses come from (a course may have switched regimen)."""

    @property
    def first(self) -> date:
        return day_of(self.doses[0].start)

    @property
    def last(self) -> date:
        return day_of(self.doses[-1].start)


def to_diary(planned: Planned, *, stamp: datetime) -> str:
    """The plan's home doses as a printable dose diary (see the module docstring).
    PlanError (``field="format"``) when the plan has no home doses or spans more than
    :data:`~scheduler.export.html.MAX_MONTHS` months of them; ArgumentError for an argument of
    the wrong type or value, naming it."""
    planned = checked_planned(planned)
    need_aware(stamp, "stamp")
    events = [e for e in planned.events if not e.cancelled]
    cycles = _cycles(planned, events)
    if not cycles:
        raise PlanError(
            "a dose diary lists the doses taken at home, and this plan of "
            f"{planned.regimen.id} has none (every dose is given in clinic or hospital): "
            "print the month calendar (--format html) instead",
            field="format",
        )
    first, last = min(c.first for c in cycles), max(c.last for c in cycles)
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise PlanError(
            f"a dose diary covers at most {MAX_MONTHS} months, and this plan's home doses run "
            f"from {format_date(first)} to {format_date(last)}: plan fewer cycles or an earlier "
            "end date",
            field="format",
        )
    precautions = [e for e in events if e.kind == EventKind.PRECAUTION]
    records = planned.records
    pages = [_page(planned, cycle, precautions, records, stamp) for cycle in cycles]
    title = html.escape(f"Dose diary: {planned.name}")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(pages)
        + "\n</body>\n</html>\n"
    )


def _cycles(planned: Planned, events: list[Event]) -> list[_Cycle]:
    """The home doses grouped by regimen, phase and cycle, in the order the cycles start. A
    course that switched back to a regimen it followed before counts its cycles from 1 again:
    a dose joins its cycle's page only within a cycle's length of that page's last dose."""
    homes = sorted(
        (e for e in events if e.kind == EventKind.DOSE and e.setting == "home"), key=_order
    )
    several = len({planned.regimen_of(e).id for e in homes}) > 1
    groups: dict[tuple[str, int | None, int | None], list[Event]] = {}
    pages: list[tuple[Regimen, list[Event]]] = []
    for event in homes:
        regimen = planned.regimen_of(event)
        key = (regimen.id, event.phase_number, event.cycle)
        group = groups.get(key)
        if group is None or (day_of(event.start) - day_of(group[-1].start)).days > _length(
            regimen, event
        ):
            group = groups[key] = []
            pages.append((regimen, group))
        group.append(event)
    return [
        _Cycle(_label(regimen, doses, several), tuple(doses), regimen) for regimen, doses in pages
    ]


def _phase(regimen: Regimen, event: Event) -> Phase | None:
    number = event.phase_number
    return regimen.phases[number - 1] if number and number <= len(regimen.phases) else None


def _length(regimen: Regimen, event: Event) -> int:
    """The days of the cycle ``event`` is in (a plain day for a dose in no phase)."""
    phase = _phase(regimen, event)
    if phase is None or event.day is None:
        return 1
    return phase.days_from(day_of(event.start) - timedelta(days=day_offset(event.day)))


def _label(regimen: Regimen, doses: list[Event], several: bool) -> str:
    """``Cycle 1``; ``Maintenance, cycle 1`` when the regimen has several phases; ``Days 1-28``
    of continuous treatment; the regimen first when the plan holds doses of several."""
    first, last = doses[0], doses[-1]
    phase = _phase(regimen, first)
    if phase is None or first.cycle is None:
        label = "Doses"
    elif phase.continuous:
        label = f"Days {_treatment_day(phase, first.cycle, first)}-"
        label += str(_treatment_day(phase, first.cycle, last))
    else:
        label = f"Cycle {first.cycle}"
    if phase is not None and len(regimen.phases) > 1:
        label = f"{phase.name}, {label[0].lower()}{label[1:]}"
    if several:
        drugs = " + ".join(d.name for d in regimen.drugs)
        label = f"{drugs} ({regimen.id}), {label[0].lower()}{label[1:]}"
    return label


def _order(event: Event) -> tuple[date, str]:
    """Time order within a cycle: by day, an all-day dose ("any time") first."""
    start = event.start
    return (day_of(start), start.strftime("%H:%M") if isinstance(start, datetime) else "")


def _treatment_day(phase: Phase, cycle: int, event: Event) -> int:
    """The day of continuous treatment, counted from the phase's first day (html.py counts the
    same way): cycles there are only blocks of ``cycle_days``."""
    offset = day_offset(event.day) if event.day is not None else 0
    start = day_of(event.start) - timedelta(days=offset)
    return (cycle - 1) * phase.days_from(start) + offset + 1


def _page(
    planned: Planned,
    cycle: _Cycle,
    precautions: list[Event],
    records: dict[str, Record],
    stamp: datetime,
) -> str:
    esc = html.escape
    regimen = cycle.regimen
    span = (
        format_date(cycle.first)
        if cycle.first == cycle.last
        else f"{format_date(cycle.first)} to {format_date(cycle.last)}"
    )
    # The header is the table's head, so a cycle that flows onto a second sheet repeats it.
    out = [
        '<section class="cycle">',
        '<table class="diary">',
        '<colgroup><col class="c-date"><col class="c-time"><col class="c-what">'
        '<col class="c-tick"><col class="c-taken"><col class="c-note"></colgroup>',
        '<thead><tr><th colspan="6" class="head" scope="colgroup">',
        f'<div class="name">Dose diary · {esc(planned.name)}</div>',
        f'<div class="cycle-title">{esc(cycle.label)}: {esc(span)}</div>',
        f'<div class="meta">Doses taken at home · Times in {esc(planned.zone.key)} · '
        "Tick the box when you take each dose</div>",
        "</th></tr>",
        "<tr>"
        + "".join(
            f'<th scope="col">{heading}</th>'
            for heading in ("Date", "Time", "Medicine", "Taken", "Time taken", "Notes")
        )
        + "</tr></thead>",
        "<tbody>",
    ]
    for event in cycle.doses:
        out.append(_row(event, records.get(event.uid)))
    out.append("</tbody></table>")
    out.append('<footer class="diary">')
    items = precaution_banner(_in_force(precautions, cycle.first, cycle.last))
    if items:
        out.append('<div class="precautions" role="note"><strong>Precautions</strong><ul>')
        out += [f"<li><strong>{esc(title)}</strong>: {esc(text)}</li>" for title, text in items]
        out.append("</ul></div>")
    contact = planned.course.contact if planned.course is not None else ""
    if isinstance(contact, str) and contact.strip():
        out.append(f'<p class="contact">Your team: <strong>{esc(contact)}</strong></p>')
    else:
        out.append('<p class="contact">Your team\'s phone number: <span class="blank"></span></p>')
    out.append(
        '<p class="legend">☐ tick when taken · as recorded: ✓ given ✗ missed or refused '
        "↗ given elsewhere</p>"
    )
    out.append(source_line(regimen, planned, stamp, "If anything here differs"))
    out.append("</footer>")
    out.append("</section>")
    return "\n".join(out)


def _row(event: Event, record: Record | None) -> str:
    esc = html.escape
    day = day_of(event.start)
    at = event.start.strftime("%H:%M") if isinstance(event.start, datetime) else "any time"
    what = f'<span class="drug">{esc(event.drug or event.title)}</span>'
    if event.amount:
        what += f' <span class="amount">{esc(event.amount)}</span>'
    if event.flag:
        what += f'<div class="flag">⚠ {esc(event.flag)}</div>'
    status = str(record.status) if record is not None else ""
    mark, words = _RECORDED.get(status, ("", "not yet ticked"))
    return (
        f'<tr class="dose" data-uid="{esc(event.uid, quote=True)}">'
        f'<td class="date">{esc(format_date(day))}</td>'
        f'<td class="time">{esc(at)}</td>'
        f'<td class="what">{what}</td>'
        f'<td class="tick"><span class="box" role="img" aria-label="{words}">{mark}</span></td>'
        f'<td class="taken">{esc(_taken(record, event))}</td><td class="note"></td></tr>'
    )


def _taken(record: Record | None, event: Event) -> str:
    """The time a record says the dose was given, on the patient's clock (blank to write in)."""
    if record is None or record.time is None or not isinstance(event.start, datetime):
        return ""
    return f"{record.time.astimezone(event.start.tzinfo):%H:%M}"


def _in_force(precautions: list[Event], first: date, last: date) -> list[Event]:
    """The precautions that cover any day from ``first`` to ``last``, with the day that says to
    ask the team how long one goes on when its precaution is kept (or when that day falls in
    the span)."""
    spans = [
        e
        for e in precautions
        if not asks_team(e) and day_of(e.start) <= last and day_of(e.end) > first
    ]
    kept = {e.slot for e in spans}
    asks = [
        e
        for e in precautions
        if asks_team(e)
        and (e.slot.removesuffix(ASK_SLOT) in kept or first <= day_of(e.start) <= last)
    ]
    return [*spans, *asks]


_CSS = """
@page { size: portrait; margin: 10mm; }
* { box-sizing: border-box; }
html { color: #000; background: #fff; }
body { margin: 0; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 11pt;
  line-height: 1.25; }
.cycle { width: 190mm; margin: 0 auto; break-after: page; page-break-after: always; }
.cycle:last-child { break-after: auto; page-break-after: auto; }
table.diary { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
col.c-date { width: 38mm; } col.c-time { width: 17mm; } col.c-what { width: 52mm; }
col.c-tick { width: 15mm; } col.c-taken { width: 21mm; } col.c-note { width: auto; }
th.head { text-align: left; font-weight: normal; border: 0; padding: 0 0 2mm; }
.name { font-size: 10pt; }
.cycle-title { font-size: 17pt; font-weight: bold; margin: 0.5mm 0; }
.meta { font-size: 10pt; }
table.diary th[scope="col"] { font-size: 10pt; text-align: left; padding: 1mm 1.5mm;
  border: 0.4mm solid #000; }
table.diary td { border: 0.4mm solid #000; height: 9mm; padding: 1mm 1.5mm;
  vertical-align: top; overflow-wrap: anywhere; word-break: break-word; }
td.time { font-weight: bold; overflow-wrap: normal; word-break: normal; }
.drug { font-weight: bold; }
.amount { display: inline-block; max-width: 100%; }
.flag { font-size: 9pt; }
td.tick { text-align: center; }
.box { display: inline-block; width: 6mm; height: 6mm; border: 0.5mm solid #000;
  font-size: 12pt; line-height: 5mm; text-align: center; vertical-align: middle; }
footer.diary { font-size: 10pt; margin-top: 2mm; break-inside: avoid; }
.precautions { border: 0.6mm solid #000; padding: 1mm 2mm; margin: 1mm 0; }
.precautions ul { margin: 0; padding-left: 5mm; }
.contact { margin: 2mm 0 1mm; font-size: 11pt; overflow-wrap: anywhere; }
.blank { display: inline-block; width: 80mm; border-bottom: 0.4mm solid #000; height: 5mm;
  vertical-align: bottom; }
.legend { margin: 1mm 0; }
.small { margin: 0.5mm 0 0; font-size: 8pt; overflow-wrap: anywhere; }
@media screen { body { padding: 6mm; } .cycle { margin-bottom: 12mm;
  border-bottom: 0.5mm dashed #000; padding-bottom: 4mm; } }
"""
