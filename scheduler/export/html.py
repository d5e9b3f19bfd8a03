"""A printable month calendar: one self-contained HTML file, one month per landscape page.

For the fridge: large type, black on white, and nothing said by colour alone — every day says in
words and symbols what happens (● dose, ▲ blood test, ■ appointment), rest days say "Rest" and
rest weeks are hatched and say "Rest week". Cycle and cycle-day labels show where a day sits in
the regimen; precautions are a note on the days they cover and a banner at the end with their
full span. No scripts, no external assets, no network: the file prints the same anywhere.

Print CSS: ``@page { size: landscape }`` takes the printer's paper (A4 or Letter), and each month
is laid out to fit the smaller of the two (259 × 190 mm inside 10 mm margins), so the page count
is the number of months.
"""

from __future__ import annotations

import html
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from ..arguments import need_aware
from ..errors import PlanError
from ..plan.clock import day_of, later_days
from ..plan.events import ASK_SLOT, Event, asks_team
from ..regimen.model import EventKind
from ..regimen.notation import day_offset, format_date
from .planned import checked_planned
from .weeks import (
    default_week_start,
    delayed_days,
    month_weeks,
    months_between,
    need_week_start,
)

if TYPE_CHECKING:
    from ..regimen.model import Regimen
    from .planned import Planned

__all__ = ["MAX_MONTHS", "to_html"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: A run of this many days without a dose inside a cycle is a rest week, not rest days.
_REST_WEEK = 7
#: The most pages (months) one printable calendar has: 10 years; longer plans go to .ics.
MAX_MONTHS = 120
# The printed page, in mm: 190 high inside 10 mm margins (Letter landscape is 215.9 mm high,
# A4 210), less the header (regimen, day 1, month), the footer (legend, source) and, on the
# last page, the precautions banner (a title plus a line per precaution).
_PAGE_MM = 186.0
_HEADER_MM = 25.0
_FOOTER_MM = 19.0
_BANNER_MM = 9.0
_BANNER_CHARS = 110
"""Characters of a banner line that surely fit one line of landscape A4 or Letter at 10pt."""


@dataclass
class _Day:
    doses: dict[str, list[str]] = field(default_factory=dict)
    """Drug (with amount when calculated) -> clock times."""
    continues: list[str] = field(default_factory=list)
    """Drugs whose dose started on an earlier day and still runs (a 46-hour pump)."""
    tests: list[str] = field(default_factory=list)
    visits: list[str] = field(default_factory=list)
    precautions: list[str] = field(default_factory=list)
    asks: list[str] = field(default_factory=list)
    """Precautions that go on for a time the source does not state: ask the team, this day."""
    where: str = ""
    """``Cycle 1 · day 3``, or empty outside any cycle."""
    rest: str = ""
    """``rest`` (a day off inside a cycle), ``rest-week``, ``gap`` (between phases), or ``""``."""
    delayed: str = ""
    """What a course's delay moved away from this day ("Cycle 2, day 1 delayed to Tue 2 Feb
    2027"): a delay, not rest."""


def to_html(planned: Planned, *, stamp: datetime, week_start: int | None = None) -> str:
    """The plan as a printable month calendar (see the module docstring); ``week_start`` 0 =
    Monday to 6 = Sunday, None = by the zone's country. ArgumentError for an argument of the
    wrong type or value, naming it."""
    planned = checked_planned(planned)
    need_aware(stamp, "stamp")
    week_start = need_week_start(week_start)
    events = [e for e in planned.events if not e.cancelled]
    start = week_start if week_start is not None else default_week_start(planned.zone.key)
    days = _days(planned, events)
    shown = [
        d
        for d, info in days.items()
        if info.doses or info.tests or info.visits or info.asks or info.where
    ]
    first = min(shown, default=planned.start)
    last = max(shown, default=planned.start)
    if (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
        raise PlanError(
            f"a printable calendar has at most {MAX_MONTHS} months (pages), and this plan runs "
            f"from {format_date(first)} to {format_date(last)}: plan fewer cycles or an earlier "
            "end date",
            field="format",
        )
    months = months_between(first, last)
    precautions = [e for e in events if e.kind == EventKind.PRECAUTION]
    pages = [
        _month(
            planned,
            year,
            month,
            start,
            days,
            first,
            last,
            stamp,
            index == len(months) - 1,
            precautions,
        )
        for index, (year, month) in enumerate(months)
    ]
    title = html.escape(planned.name)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        + "\n".join(pages)
        + "\n</body>\n</html>\n"
    )


def _days(planned: Planned, events: list[Event]) -> dict[date, _Day]:
    """What happens on each day, and where each day sits in its cycle."""
    days: dict[date, _Day] = defaultdict(_Day)
    doses = [e for e in events if e.kind == EventKind.DOSE]
    records = planned.records
    for event in events:
        when = day_of(event.start)
        if event.kind == EventKind.DOSE:
            name = event.drug or event.title
            if event.amount and event.amount_working:
                name += f" {event.amount}"
            at = event.start.strftime("%H:%M") if isinstance(event.start, datetime) else ""
            record = records.get(event.uid)
            if record is not None:
                at = f"{at} {_RECORDED.get(str(record.status), '')}".strip()
            days[when].doses.setdefault(name, []).append(at)
            for running in later_days(event.start, event.end):
                days[running].continues.append(event.drug or event.title)
        elif event.kind == EventKind.LAB:
            days[when].tests.append(_short(event.title))
        elif event.kind == EventKind.VISIT:
            days[when].visits.append(_short(event.title))
        elif asks_team(event):
            days[when].asks.append(event.title)
        else:
            covered = day_of(event.start)
            end = day_of(event.end)
            last_dose = max((day_of(d.start) for d in doses), default=covered)
            # On the calendar's days only: the banner gives the whole span.
            while covered < end and covered <= last_dose:
                days[covered].precautions.append(event.title)
                covered += timedelta(days=1)
    # Cycle spans from the doses' own cycle days (delays included), the length from the regimen.
    spans: dict[tuple[str, int, int], tuple[date, int]] = {}
    models = {}
    for event in doses:
        if event.phase_number is None or event.cycle is None or event.day is None:
            continue
        start = day_of(event.start) - timedelta(days=day_offset(event.day))
        regimen = planned.regimen_of(event)
        models[regimen.id] = regimen
        length = regimen.phases[event.phase_number - 1].days_from(start)
        key = (regimen.id, event.phase_number, event.cycle)
        spans.setdefault(key, (start, length))
    for (made_by, phase, cycle), (start, length) in spans.items():
        multi_phase = len(models[made_by].phases) > 1
        phase_model = models[made_by].phases[phase - 1]
        for offset in range(length):
            when = start + timedelta(days=offset)
            prefix = f"{phase_model.name}, " if multi_phase else ""
            if phase_model.continuous:
                days[when].where = f"{prefix}day {(cycle - 1) * length + offset + 1}"
            else:
                days[when].where = f"{prefix}Cycle {cycle} · day {offset + 1}"
    if doses:
        first = min(day_of(e.start) for e in doses)
        # Through the end of the last cycle: its rest week is part of the plan too.
        last = max(start + timedelta(days=length - 1) for start, length in spans.values())
        last = max(last, max(day_of(e.start) for e in doses))
        _mark_rest(days, first, last)
    for day, label in delayed_days(events).items():
        days[day].delayed = label
    return days


def _mark_rest(days: dict[date, _Day], first: date, last: date) -> None:
    """Days without a dose from the first dose to the end of the last cycle: rest days, or a
    rest week when the run is a week or longer; days in no cycle at all are a gap between
    phases."""
    run: list[date] = []
    day = first
    while day <= last + timedelta(days=1):
        info = days.get(day)
        if day <= last and (info is None or not (info.doses or info.continues)):
            run.append(day)
        else:
            kind = "rest-week" if len(run) >= _REST_WEEK else "rest"
            for quiet in run:
                days[quiet].rest = kind if days[quiet].where else "gap"
            run = []
        day += timedelta(days=1)


def _short(title: str) -> str:
    """``Blood test before the cycle — cycle 2`` -> ``Blood test before the cycle``."""
    return title.split(" — ")[0]


def _month(
    planned: Planned,
    year: int,
    month: int,
    week_start: int,
    days: dict[date, _Day],
    first: date,
    last: date,
    stamp: datetime,
    final: bool,
    precautions: list[Event],
) -> str:
    esc = html.escape
    regimen = planned.regimen
    head = [
        '<section class="month">',
        '<header class="plan">',
        f"<h1>{esc(regimen.name)}</h1>",
        '<p class="meta">',
        f"Day 1: {esc(format_date(planned.start))}",
    ]
    if planned.label:
        head.append(f" · For: <strong>{esc(planned.label)}</strong>")
    head.append(f" · Times in {esc(planned.zone.key)}</p>")
    head.append(f"<h2>{_MONTHS[month - 1]} {year}</h2>")
    head.append("</header>")
    order = [(week_start + i) % 7 for i in range(7)]
    weeks = month_weeks(year, month, week_start)
    # Every row gets the same fixed height, computed from what else is on the page, so a month
    # always fits one landscape page (A4 or Letter) and the legend and footer are never cut:
    # a day with more than fits shows its first lines (the .ics file has every detail).
    items = precaution_banner(precautions) if final else []
    # A banner item longer than a line wraps: count its lines, not its items.
    lines = sum(-(-len(f"{title}: {text}") // _BANNER_CHARS) for title, text in items)
    room = _PAGE_MM - _HEADER_MM - _FOOTER_MM - (_BANNER_MM + 4.5 * lines if items else 0)
    height = min(room / len(weeks), 34.0)
    rows = [f'<table class="grid" style="--row: {height:.1f}mm">', "<thead><tr>"]
    rows += [f'<th scope="col">{_WEEKDAYS[w]}</th>' for w in order]
    rows.append("</tr></thead><tbody>")
    for week in weeks:
        rows.append("<tr>")
        for day in week:
            rows.append(_cell(day, days.get(day), in_month=day.month == month,
                              in_plan=first <= day <= last))  # fmt: skip
        rows.append("</tr>")
    rows.append("</tbody></table>")
    foot = ['<footer class="plan">', _LEGEND]
    if items:
        foot.append('<div class="banner" role="note"><strong>Precautions</strong><ul>')
        for title, text in items:
            foot.append(f"<li><strong>{esc(title)}</strong>: {esc(text)}</li>")
        foot.append("</ul></div>")
    foot.append(source_line(regimen, planned, stamp, "If anything differs"))
    foot.append("</footer>")
    return "\n".join([*head, *rows, *foot, "</section>"])


def source_line(regimen: Regimen, planned: Planned, stamp: datetime, differs: str) -> str:
    """The printed pages' last line: the source of the regimen the page shows, when and from
    what the page was made, and to follow the team where it differs (``differs`` opens that
    sentence)."""
    esc = html.escape
    source = esc(regimen.source)
    if regimen.source_url:
        source += f" ({esc(regimen.source_url)})"
    return (
        f'<p class="small">Source: {source}. Made {esc(stamp.strftime("%d %b %Y %H:%M UTC"))} by '
        f"treatment-scheduler from the regimen {esc(regimen.id)}"
        + (" and its course file" if planned.course is not None else "")
        + f". {differs} from what your care team told you, follow your team.</p>"
    )


def precaution_banner(precautions: list[Event]) -> list[tuple[str, str]]:
    """The banner's lines as (title, span): each precaution's whole span, and one that
    goes on for a time the source does not state says to ask the team. A day to ask stands on
    its own only when it has no precaution of its own (one from after the treatment)."""
    asked = {e.slot.removesuffix(ASK_SLOT) for e in precautions if asks_team(e)}
    spans = [e for e in precautions if not asks_team(e)]
    slots = {e.slot for e in spans}
    out: list[tuple[str, str]] = []
    for event in spans:
        first, last = day_of(event.start), day_of(event.end) - timedelta(days=1)
        after = (
            " — and for a time afterwards: ask your team how long" if event.slot in asked else ""
        )
        span = f"from {format_date(first)} until {format_date(last)} inclusive{after}."
        out.append((event.title, span))
    for event in precautions:
        if asks_team(event) and event.slot.removesuffix(ASK_SLOT) not in slots:
            out.append((event.title, f"{format_date(day_of(event.start))}."))
    return out


def _cell(day: date, info: _Day | None, *, in_month: bool, in_plan: bool) -> str:
    esc = html.escape
    if not in_month:
        return '<td class="other" aria-hidden="true"><div class="cell"></div></td>'
    classes = ["day"]
    lines = [f'<div class="date">{day.day}</div>']
    if info is not None and in_plan:
        if info.where:
            lines.append(f'<div class="where">{esc(info.where)}</div>')
        for drug, times in info.doses.items():
            lines.append(
                f'<div class="dose">● {esc(drug)} <span class="time">{", ".join(times)}</span></div>'
            )
            classes.append("has-dose")
        for drug in dict.fromkeys(info.continues):
            lines.append(f'<div class="dose continues">● {esc(drug)} continues</div>')
            classes.append("has-dose")
        for title in info.tests:
            lines.append(f'<div class="test">▲ {esc(title)}</div>')
        for title in info.visits:
            lines.append(f'<div class="visit">■ {esc(title)}</div>')
        if info.asks:
            # Before the rest label and short, so a full cell never cuts it; the banner names
            # the precautions it is about, and so does the note's title (on screen, on hover).
            about = esc(" · ".join(info.asks), quote=True)
            lines.append(
                f'<div class="note ask" title="{about}">⚠ Ask your team how long to continue: '
                "see Precautions</div>"
            )
        busy = info.doses or info.continues
        if info.delayed:  # also beside a dose taken before the delay was decided
            lines.append(f'<div class="rest delayed">{esc(info.delayed)}</div>')
            classes.append("delayed")
        elif not busy and info.rest == "rest-week":
            lines.append('<div class="rest">Rest week</div>')
            classes.append("rest-week")
        elif not busy and info.rest == "rest":
            lines.append('<div class="rest">Rest</div>')
            classes.append("rest-day")
        elif not busy and info.rest == "gap":
            lines.append('<div class="rest">No treatment</div>')
            classes.append("rest-week")
        if info.precautions:
            lines.append(f'<div class="note">⚠ {esc(" · ".join(info.precautions))}</div>')

    label = f"{_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}"
    return (
        f'<td class="{" ".join(dict.fromkeys(classes))}" aria-label="{label}">'
        f'<div class="cell">{"".join(lines)}</div></td>'
    )


_LEGEND = (
    '<p class="legend"><span>● Dose (drug and time)</span> <span>▲ Blood test</span> '
    '<span>■ Appointment</span> <span class="key rest-day">Rest: no dose that day</span> '
    '<span class="key rest-week">Rest week</span> <span class="key delayed">Delayed</span> '
    "<span>✓ given ✗ missed or refused ↗ given elsewhere (as recorded)</span> "
    "<span>⚠ Precaution in force (listed in full at the end)</span></p>"
)
#: A dose's recorded status, after its time.
_RECORDED = {"given": "✓", "missed": "✗", "refused": "✗", "given-elsewhere": "↗"}

_CSS = """
@page { size: landscape; margin: 10mm; }
* { box-sizing: border-box; }
html { color: #000; background: #fff; }
body { margin: 0; font-family: "DejaVu Sans", Verdana, Arial, sans-serif; font-size: 11pt;
  line-height: 1.2; }
.month { width: 259mm; margin: 0 auto; break-after: page; page-break-after: always; }
.month:last-child { break-after: auto; page-break-after: auto; }
header.plan h1 { font-size: 13pt; margin: 0; font-weight: normal; }
header.plan .meta { margin: 0.5mm 0; font-size: 10pt; }
header.plan h2 { font-size: 22pt; margin: 0.5mm 0 1.5mm; }
table.grid { width: 100%; border-collapse: collapse; table-layout: fixed; }
table.grid th { font-size: 11pt; text-align: left; padding: 1mm 1.5mm;
  border: 0.4mm solid #000; background: #fff; }
table.grid td { border: 0.4mm solid #000; vertical-align: top; padding: 0; }
.cell { height: var(--row); padding: 0.8mm 1.5mm; overflow: hidden; }
td.other { background: #fff; border-color: #999; }
.date { font-size: 15pt; font-weight: bold; line-height: 1; }
.where { font-size: 9pt; margin-bottom: 0.5mm; }
.dose { font-size: 12pt; font-weight: bold; }
.dose .time { font-weight: normal; }
.dose.continues { font-weight: normal; font-style: italic; }
.test, .visit { font-size: 10pt; font-weight: bold; }
.rest { font-size: 11pt; font-style: italic; }
.note { font-size: 8pt; margin-top: 0.3mm; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis; }
.note.ask { white-space: normal; }
td.rest-week, .key.rest-week {
  background: repeating-linear-gradient(135deg, #fff 0, #fff 2.2mm, #d0d0d0 2.2mm, #d0d0d0 2.8mm); }
td.rest-day, .key.rest-day { background: #f2f2f2; }
td.delayed, .key.delayed {
  background: repeating-linear-gradient(45deg, #fff 0, #fff 1.4mm, #bbb 1.4mm, #bbb 1.8mm); }
.rest.delayed { font-size: 9pt; font-style: normal; font-weight: bold; }
.key { border: 0.3mm solid #000; padding: 0 1.5mm; }
footer.plan { font-size: 9pt; margin-top: 1mm; }
.legend { margin: 0.5mm 0; font-size: 10pt; }
.legend span { margin-right: 3mm; white-space: nowrap; }
.banner { border: 0.6mm solid #000; padding: 1mm 2mm; margin: 1mm 0; font-size: 10pt; }
.banner ul { margin: 0; padding-left: 5mm; }
.small { margin: 0.5mm 0 0; font-size: 8pt; }
@media print { * { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
@media screen { body { padding: 6mm; background: #fff; } .month { margin-bottom: 12mm;
  border-bottom: 0.5mm dashed #000; padding-bottom: 4mm; } }
"""
