"""The printable dose diary in a real browser: headless Chromium (Debian's ``chromium``, as for
the month calendar in test_html_browser.py, whose helpers this reuses) prints the page the
project's own command writes to PDF, on Letter and on A4, and pypdf reads it back with each piece
of text's position, so a dose's date and time are found in their own row and columns.

Text that the print layout clips (``overflow: hidden``) is not in a PDF at all, so finding every
planned row, the header and the footer on the printed pages proves nothing was cut; every piece
of text starting inside the page's margins proves nothing ran off the sheet.

Expected dates are written by hand from the published schedules: capecitabine 1,250 mg/m² twice
daily on days 1-14 of 21-day cycles (from Mon 4 Jan 2027: cycle 1 Mon 4 - Sun 17 Jan, cycle 2
Mon 25 Jan - Sun 7 Feb, 08:00 and 20:00), and aldesleukin subcutaneous 5 days on, 2 off for 4
weeks then a week off (cycle 1 doses 4-8, 11-15, 18-22, 25-29 Jan; cycle 2 from Mon 8 Feb:
8-12, 15-19, 22-26 Feb and 1-5 Mar 2027, at 09:00).
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader

from scheduler.course.records import Status
from scheduler.course.replan import Which, new_course, record_event
from scheduler.regimen.dosing import Body
from tests.export.test_html_browser import EPOCH, _chromium, print_pdf, screenshot
from tests.helpers import REPO

pytestmark = pytest.mark.external

#: PDF points (1/72 inch): Chromium's default paper is Letter; A4 when the page asks for it.
LETTER_PORTRAIT = (612.0, 792.0)
A4_PORTRAIT = (594.96, 841.92)
#: The page's margin is 10 mm (28.35 pt): text starts inside it or it is off the sheet.
MARGIN = 28.0
COLUMNS = ("Date", "Time", "Medicine", "Taken", "Time taken", "Notes")
_DATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2} \d{4}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _days(year: int, month: int, *spans: range) -> list[date]:
    """Dates from hand-written runs of days of one month: _days(2027, 1, range(4, 9))."""
    return [date(year, month, d) for span in spans for d in span]


def _label(day: date) -> str:
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    return f"{names[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}"


def twice_daily(days: list[date]) -> list[tuple[str, str]]:
    return [(_label(d), at) for d in days for at in ("08:00", "20:00")]


CAPECITABINE_1 = twice_daily(_days(2027, 1, range(4, 18)))
CAPECITABINE_2 = twice_daily(_days(2027, 1, range(25, 32)) + _days(2027, 2, range(1, 8)))
ALDESLEUKIN_1 = [(_label(d), "09:00") for d in _days(2027, 1, range(4, 9), range(11, 16),
                                                      range(18, 23), range(25, 30))]  # fmt: skip
ALDESLEUKIN_2 = [(_label(d), "09:00") for d in _days(2027, 2, range(8, 13), range(15, 20),
                                                      range(22, 27)) + _days(2027, 3, range(1, 6))]  # fmt: skip


@dataclass
class Row:
    """One dose row as printed: each column's text, line by line, top to bottom."""

    cells: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    """Each column -> how many lines its text takes."""


@dataclass
class Sheet:
    """One printed page of the diary."""

    text: str
    size: tuple[float, float]
    title: str
    """The cycle line of the header: ``Cycle 1: Mon 4 Jan 2027 to Sun 17 Jan 2027``."""
    columns: list[str]
    rows: list[Row]
    outside: list[tuple[float, float, str]]
    """Text that starts outside the page's margins (none on a good page)."""

    def dates_and_times(self) -> list[tuple[str, str]]:
        return [(r.cells["Date"], r.cells["Time"]) for r in self.rows]


def write_diary(folder: Path, source: str, *extra: str, name: str = "diary") -> Path:
    """The page exactly as ``scheduler plan ... --format diary -o FILE`` writes it."""
    out = folder / f"{name}.diary.html"
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", source, "--format", "diary", "-o", str(out),
         *extra],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def plain(folder: Path, regimen: str, *extra: str) -> Path:
    return write_diary(folder, regimen, "--start", "2027-01-04", "--cycles", "2", "--tz",
                       "Europe/London", *extra, name=regimen)  # fmt: skip


def on_a4(page: Path) -> Path:
    """A copy of the page that asks for A4 portrait (``--print-to-pdf`` has no paper option;
    the page's own ``@page { size: portrait }`` takes the printer's paper)."""
    text = page.read_text("utf-8")
    assert text.count("</style>") == 1
    copy = page.with_name(page.name.replace(".diary.html", "-a4.diary.html"))
    copy.write_text(text.replace("</style>", "@page { size: A4 portrait; }</style>"), "utf-8")
    return copy


def printed(page: Path) -> list[Sheet]:
    pdf = print_pdf(page, page.with_name(page.name.replace(".html", ".pdf")))
    return [_read(p) for p in PdfReader(pdf).pages]


def _read(page: PageObject) -> Sheet:
    pieces: list[tuple[float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((x, y, text.strip()))

    text = page.extract_text(visitor_text=visit)
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    outside = [p for p in pieces if not (MARGIN - 2 < p[0] < width - MARGIN
                                         and MARGIN - 8 < p[1] < height - MARGIN)]  # fmt: skip
    titles = [p[2] for p in pieces if re.match(r"^(.+, )?(Cycle \d+|[Dd]ays \d+-\d+): ", p[2])]
    assert len(titles) == 1, f"no single cycle line in the header: {text[:300]}"
    # The column headings: "Date" and the headings on its line ("Time taken" may wrap).
    date_head = next(p for p in pieces if p[2] == "Date")
    heads = sorted((p for p in pieces if abs(p[1] - date_head[1]) < 8 and p[0] >= date_head[0]
                    and p[2] in {"Date", "Time", "Medicine", "Taken", "Notes"}),
                   key=lambda p: p[0])  # fmt: skip
    columns = [p[2] for p in heads]
    columns[columns.index("Time", 2)] = "Time taken"
    lefts = [p[0] for p in heads]
    # Below the table: the precautions box or the team's line starts the footer.
    footer = [p[1] for p in pieces if p[2].startswith(("Precautions", "Your team"))]
    bottom = max(footer, default=0.0)
    inside = [p for p in pieces if bottom < p[1] < date_head[1] - 8 and p[0] >= lefts[0] - 1]
    starts = sorted({round(p[1], 1) for p in inside if p[0] < lefts[1] - 1 and _DATE.fullmatch(p[2])},
                    reverse=True)  # fmt: skip
    rows = []
    for index, top in enumerate(starts):
        below = starts[index + 1] if index + 1 < len(starts) else bottom
        mine = [p for p in inside if below < round(p[1], 1) <= top + 0.5]
        row = Row()
        for number, name in enumerate(columns):
            right = lefts[number + 1] if number + 1 < len(lefts) else width
            cell = sorted((p for p in mine if lefts[number] - 1 <= p[0] < right - 1),
                          key=lambda p: (-p[1], p[0]))  # fmt: skip
            row.cells[name] = " ".join(p[2] for p in cell)
            row.lines[name] = len({round(p[1], 1) for p in cell})
        rows.append(row)
    return Sheet(text=text, size=(width, height), title=titles[0], columns=columns, rows=rows,
                 outside=outside)  # fmt: skip


_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}


def _flat(text: str) -> str:
    """The words as printed, on one line: pypdf keeps the font's ligatures (ﬁ), and a line
    that breaks after a hyphen ("film-" / "coated") reads back with a space."""
    for ligature, letters in _LIGATURES.items():
        text = text.replace(ligature, letters)
    return " ".join(text.split()).replace("- ", "-")


def by_cycle(sheets: list[Sheet]) -> dict[str, list[Sheet]]:
    """The sheets of each cycle, in print order; a cycle's sheets follow each other."""
    out: dict[str, list[Sheet]] = {}
    for sheet in sheets:
        assert sheet.title not in out or out[sheet.title][-1] is sheets[sheets.index(sheet) - 1], (
            f"{sheet.title}: its sheets are not together"
        )
        out.setdefault(sheet.title, []).append(sheet)
    return out


def _good_sheets(sheets: list[Sheet], size: tuple[float, float], name: str) -> None:
    """Every sheet: the paper asked for, the whole header (repeated on a cycle's later sheets),
    nothing off the sheet."""
    for sheet in sheets:
        assert sheet.size == pytest.approx(size, abs=0.5)
        assert sheet.columns == list(COLUMNS), sheet.title
        flat = _flat(sheet.text)
        assert f"Dose diary · {name}" in flat
        assert "Doses taken at home · Times in Europe/London" in flat
        assert sheet.outside == [], f"{sheet.title}: text off the sheet: {sheet.outside[:3]}"


def _footer_on_the_last_sheet(sheets: list[Sheet]) -> None:
    for sheet in sheets[:-1]:
        assert "follow your team" not in sheet.text
    last = _flat(sheets[-1].text)
    assert "If anything here differs from what your care team told you, follow your team." in last
    assert "Made 18 Nov 2026 11:06 UTC by treatment-scheduler" in last


@pytest.fixture(scope="module")
def capecitabine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return plain(tmp_path_factory.mktemp("capecitabine"), "capecitabine-q21d", "--weight", "70",
                 "--height", "175")  # fmt: skip


@pytest.mark.parametrize("paper", ["letter", "a4"])
def test_capecitabine_every_dose_of_each_cycle_is_on_its_pages(
    capecitabine: Path, paper: str
) -> None:
    """28 doses a cycle are more than a sheet holds at 9 mm a row: each cycle flows onto a
    second sheet, which repeats the header; every row is printed whole, in order."""
    page, size = (capecitabine, LETTER_PORTRAIT) if paper == "letter" else (
        on_a4(capecitabine), A4_PORTRAIT)  # fmt: skip
    sheets = printed(page)
    cycles = by_cycle(sheets)
    assert list(cycles) == ["Cycle 1: Mon 4 Jan 2027 to Sun 17 Jan 2027",
                            "Cycle 2: Mon 25 Jan 2027 to Sun 7 Feb 2027"]  # fmt: skip
    _good_sheets(sheets, size, "Capecitabine (capecitabine-q21d)")
    for title, expected in zip(cycles, (CAPECITABINE_1, CAPECITABINE_2), strict=True):
        mine = cycles[title]
        assert 1 <= len(mine) <= 2, f"{title}: {len(mine)} sheets"
        assert [dt for sheet in mine for dt in sheet.dates_and_times()] == expected
        for sheet in mine:
            assert {r.cells["Medicine"] for r in sheet.rows} == {"Capecitabine 2,300 mg"}
            assert {r.cells["Taken"] for r in sheet.rows} == {""}  # empty boxes: nothing recorded
            # Room to write: the rows are at least 9 mm (25.5 pt) apart.
        _footer_on_the_last_sheet(mine)
        assert "Your team's phone number:" in mine[-1].text
    assert len(sheets) == sum(len(s) for s in cycles.values())


def test_rows_are_tall_enough_to_write_in(capecitabine: Path) -> None:
    pdf = print_pdf(capecitabine, capecitabine.with_name("rows.pdf"))
    first = PdfReader(pdf).pages[0]
    ys: list[float] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if _DATE.fullmatch(text.strip()):
            ys.append(tm[5] * cm[3] + cm[5])

    first.extract_text(visitor_text=visit)
    gaps = [a - b for a, b in itertools.pairwise(ys)]
    assert gaps and min(gaps) >= 9 * 72 / 25.4 - 0.5, gaps


def test_aldesleukin_a_sheet_per_cycle_with_its_precautions(tmp_path: Path) -> None:
    page = plain(tmp_path, "aldesleukin-sc")
    for paper, size in ((page, LETTER_PORTRAIT), (on_a4(page), A4_PORTRAIT)):
        sheets = printed(paper)
        assert [s.title for s in sheets] == ["Cycle 1: Mon 4 Jan 2027 to Fri 29 Jan 2027",
                                             "Cycle 2: Mon 8 Feb 2027 to Fri 5 Mar 2027"]  # fmt: skip
        _good_sheets(sheets, size, "Aldesleukin (aldesleukin-sc)")
        for sheet, expected in zip(sheets, (ALDESLEUKIN_1, ALDESLEUKIN_2), strict=True):
            assert sheet.dates_and_times() == expected
            flat = _flat(sheet.text)
            assert "No live vaccines: from Mon 4 Jan 2027 until Sun 5 Mar 2028 inclusive." in flat
            assert (
                "Use contraception; do not breastfeed: from Mon 4 Jan 2027 until Fri 5 Mar 2027 "
                "inclusive — and for a time afterwards: ask your team how long." in flat
            )
            _footer_on_the_last_sheet([sheet])


def test_long_names_wrap_a_record_shows_and_the_contact_is_whole(tmp_path: Path) -> None:
    """A course of a regimen whose drug has a long name, with a long contact and the first
    dose recorded as given: the name wraps inside its column on every row (no word lost), the
    first row's box shows ✓, and the contact is printed whole."""
    text = (REPO / "regimens" / "capecitabine-q21d.toml").read_text("utf-8")
    long = ("Capecitabine film-coated tablets (Xeloda or a generic of the same strength), "
            "swallowed whole with water within thirty minutes after breakfast or supper")  # fmt: skip
    text = text.replace('name = "Capecitabine"', f'name = "{long}"')
    regimen = tmp_path / "long-name.toml"
    regimen.write_text(text, "utf-8")
    contact = ("Oncology day unit, St Elsewhere's Hospital, Ward 7 (Rowan Suite): 020 7946 0000 "
               "weekdays 08:00-18:00; out of hours the acute oncology line 0800 000 0000")  # fmt: skip
    course = tmp_path / "js.toml"
    new_course(str(regimen), course, start=date(2027, 1, 4), zone="Europe/London", cycles=1,
               body=Body(Decimal(70), Decimal(175)), contact=contact, identity="js")  # fmt: skip
    record_event(course, Which(1, 1, 1, slot=1), Status.GIVEN,
                 now=datetime(2027, 1, 4, 21, 0, tzinfo=UTC))  # fmt: skip
    page = write_diary(tmp_path, str(course))
    for paper in (page, on_a4(page)):
        sheets = printed(paper)
        assert {s.title for s in sheets} == {"Cycle 1: Mon 4 Jan 2027 to Sun 17 Jan 2027"}
        rows = [r for s in sheets for r in s.rows]
        assert [(r.cells["Date"], r.cells["Time"]) for r in rows] == CAPECITABINE_1
        for row in rows:
            assert _flat(row.cells["Medicine"]) == f"{long} 2,300 mg"
            assert row.lines["Medicine"] >= 3  # wrapped inside its column, not cut
        assert [r.cells["Taken"] for r in rows] == ["✓"] + [""] * 27
        for sheet in sheets:
            assert sheet.outside == []
        last = _flat(sheets[-1].text)
        assert f"Your team: {contact}" in last
        _footer_on_the_last_sheet(sheets)


def test_screenshot_is_kept_as_an_artifact(capecitabine: Path, tmp_path: Path) -> None:
    """The first screenful of the diary, kept in $ARTIFACTS_DIR (CI uploads it) or tmp."""
    _chromium()
    folder = Path(os.environ.get("ARTIFACTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    png = screenshot(capecitabine, folder / "diary.png")
    print(f"diary screenshot: {png}")
    # A blank white page compresses to a few kilobytes; the drawn table is far larger.
    assert png.stat().st_size > 30_000
