"""The printable calendar in a real browser: headless Chromium (Debian's ``chromium``, installed
by scripts/test.sh under CI) prints the page the project's own command writes to PDF and to PNG.

The PDF is read back with pypdf, with each piece of text's position on the page, so a day's
text is found in that day's box of the grid — not merely somewhere on the page. Text that the
print layout clips (``overflow: hidden``) is not in the PDF at all, so finding every day of the
month and the footer on each page also proves the month fits on its page.

Every expected date, count and weekday is written by hand from the published schedule ("a daily
injection under the skin for 5 days then 2 days rest ... for 4 weeks and then a week without
treatment"): doses on cycle days 1-5, 8-12, 15-19 and 22-26 of a 35-day cycle.

Two tests are regressions for faults these checks found in the printed page: the last cycle's
rest week was unmarked, and months of five or six full weeks cut off the legend and footer
(each row now has a fixed height computed from the page). The screenshot is kept in ``$ARTIFACTS_DIR`` when set (``tests/artifacts/`` is git-ignored).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from pypdf import PageObject, PdfReader

from tests.helpers import REPO, require

pytestmark = pytest.mark.external

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
#: PDF points (1/72 inch): Chromium's default paper is Letter; A4 when the page asks for it.
LETTER_LANDSCAPE = (792.0, 612.0)
A4_LANDSCAPE = (841.92, 594.96)
DOSE = "● Aldesleukin"
#: A fixed "Made ..." time, so the pages are the same on every run.
EPOCH = "1795000000"


def _chromium() -> str:
    """Debian's chromium (or Ubuntu's chromium-browser); a skip locally, a failure under CI."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    require(found is not None, "chromium is not installed (apt-get install chromium)")
    assert found is not None
    return found


def _browser(args: Sequence[str], out: Path, scratch: Path) -> Path:
    """Run headless Chromium once with its own profile; ``out`` must exist afterwards."""
    profile = scratch / f"profile-{out.stem}"
    done = subprocess.run(
        [
            _chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert out.is_file() and out.stat().st_size > 0, f"chromium wrote no {out.name}: {done.stderr}"
    shutil.rmtree(profile, ignore_errors=True)
    return out


def print_pdf(page: Path, out: Path) -> Path:
    return _browser(
        ["--no-pdf-header-footer", f"--print-to-pdf={out}", page.as_uri()], out, out.parent
    )


def screenshot(page: Path, out: Path) -> Path:
    return _browser(
        [f"--screenshot={out}", "--window-size=1400,1000", page.as_uri()], out, out.parent
    )


def write_calendar(folder: Path, start: str, *extra: str, regimen: str = "aldesleukin-sc") -> Path:
    """The page exactly as ``scheduler plan ... --format html -o FILE`` writes it."""
    out = folder / "calendar.html"
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", regimen, "--start", start,
         "--cycles", "2", "--tz", "Europe/London", "--format", "html", "-o", str(out), *extra],
        capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out


def on_a4(page: Path) -> Path:
    """A copy of the page that asks for A4 landscape (``--print-to-pdf`` has no paper option;
    the page's own ``@page { size: landscape }`` takes the printer's paper)."""
    text = page.read_text("utf-8")
    assert text.count("</style>") == 1
    copy = page.with_name(page.stem + "-a4.html")
    copy.write_text(text.replace("</style>", "@page { size: A4 landscape; }</style>"), "utf-8")
    return copy


@dataclass
class Month:
    """One printed page: its whole text, and the text inside each day's box of the grid."""

    title: str
    text: str
    size: tuple[float, float]
    columns: list[str] = field(default_factory=list)
    """The weekday headings, left to right."""
    days: dict[date, str] = field(default_factory=dict)
    """Each day of the month shown -> the text in its box, top to bottom, one line each."""
    column_of: dict[date, str] = field(default_factory=dict)
    """Each day -> the weekday heading above it."""
    row_of: dict[date, int] = field(default_factory=dict)
    """Each day -> its week row, 0 at the top."""

    def dose_days(self) -> list[int]:
        return sorted(d.day for d, text in self.days.items() if DOSE in text)


def read_pdf(path: Path) -> list[Month]:
    return [_read_page(page) for page in PdfReader(path).pages]


def _read_page(page: PageObject) -> Month:
    pieces: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            pieces.append((x, y, size, text.strip()))

    text = page.extract_text(visitor_text=visit)
    box = page.mediabox
    month = Month(title="", text=text, size=(float(box.width), float(box.height)))
    titles = [p for p in pieces if re.fullmatch(rf"({'|'.join(_MONTHS)}) \d{{4}}", p[3])]
    assert len(titles) == 1, f"no single month title on the page: {text[:300]}"
    month.title = titles[0][3]
    name, year = month.title.split()
    number = _MONTHS.index(name) + 1
    heads = sorted((p for p in pieces if p[3] in _WEEKDAYS), key=lambda p: p[0])
    assert len(heads) == 7, f"weekday headings: {[h[3] for h in heads]}"
    month.columns = [h[3] for h in heads]
    top = heads[0][1]
    # Below the grid, the legend and footer lines start at the page's left edge, left of the
    # text in the first column's boxes; a page may lack them when the layout clips them.
    below = [p[1] for p in pieces if p[1] < top and p[0] < heads[0][0] - 2]
    bottom = max(below, default=0.0)
    inside = [p for p in pieces if bottom < p[1] < top]
    # The day numbers are the largest type inside the grid.
    biggest = max(p[2] for p in inside)
    numbers = [p for p in inside if p[2] == biggest and p[3].isdigit()]
    rows = sorted({round(p[1], 1) for p in numbers}, reverse=True)
    boxes: dict[tuple[int, int], date] = {}
    for x, y, _, digits in numbers:
        key = (_column(heads, x), rows.index(round(y, 1)))
        boxes[key] = date(int(year), number, int(digits))
    lines: dict[date, dict[float, list[tuple[float, str]]]] = {d: {} for d in boxes.values()}
    for x, y, _, piece in inside:
        row = max(i for i, r in enumerate(rows) if r >= round(y, 1) - 0.5)
        day = boxes.get((_column(heads, x), row))
        if day is not None:
            lines[day].setdefault(round(y, 1), []).append((x, piece))
    for (column, row), day in boxes.items():
        by_line = sorted(lines[day].items(), reverse=True)
        month.days[day] = "\n".join(" ".join(t for _, t in sorted(line)) for _, line in by_line)
        month.column_of[day] = month.columns[column]
        month.row_of[day] = row
    return month


def _column(heads: list[tuple[float, float, float, str]], x: float) -> int:
    return max(i for i, head in enumerate(heads) if head[0] <= x + 1.0)


def _run(*spans: range) -> list[int]:
    """Days of the month, from hand-written runs: _run(range(4, 9)) is the 4th to the 8th."""
    return [d for span in spans for d in span]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def monday(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cycle 1 day 1 on Monday 4 January 2027, two cycles, London."""
    return write_calendar(tmp_path_factory.mktemp("monday"), "2027-01-04")


@pytest.fixture(scope="module")
def letter(monday: Path) -> list[Month]:
    return read_pdf(print_pdf(monday, monday.with_suffix(".pdf")))


def _fits(pages: list[Month], size: tuple[float, float]) -> None:
    """One page per month from the blood test on Sun 3 Jan 2027 to the last dose on Fri 5 Mar
    2027, each with every day of its month and the footer (clipped text is not in a PDF)."""
    assert [p.title for p in pages] == ["January 2027", "February 2027", "March 2027"]
    for page, length in zip(pages, (31, 28, 31), strict=True):
        assert page.size == pytest.approx(size, abs=0.5)
        assert sorted(d.day for d in page.days) == list(range(1, length + 1)), page.title
        assert page.columns == list(_WEEKDAYS)  # Europe/London: Monday first
        assert "follow your team" in page.text, f"{page.title}: the footer is cut off"


def test_one_page_per_month_on_letter(letter: list[Month]) -> None:
    _fits(letter, LETTER_LANDSCAPE)


def test_one_page_per_month_on_a4(monday: Path) -> None:
    copy = on_a4(monday)
    _fits(read_pdf(print_pdf(copy, copy.with_suffix(".pdf"))), A4_LANDSCAPE)


def test_january_shows_cycle_1_day_1_and_the_weekly_shape(letter: list[Month]) -> None:
    january = letter[0]
    day = {n: january.days[date(2027, 1, n)] for n in range(1, 32)}
    assert day[1] == "1" and day[2] == "2"  # before the plan: the number only
    assert "▲ Blood test" in day[3] and "before the cycle" in day[3]
    assert "Cycle" not in day[3] and "Aldesleukin" not in day[3]
    assert january.column_of[date(2027, 1, 3)] == "Sunday"
    # The time may wrap below the drug's name in a narrow box: compare the box's words.
    assert _flat(day[4]).startswith("4 Cycle 1 · day 1 ● Aldesleukin 09:00")
    assert january.column_of[date(2027, 1, 4)] == "Monday"
    assert january.dose_days() == _run(range(4, 9), range(11, 16), range(18, 23), range(25, 30))
    assert january.text.count(DOSE) == 20
    for n, cycle_day in ((9, 6), (10, 7), (16, 13), (17, 14), (23, 20), (24, 21)):
        assert f"Cycle 1 · day {cycle_day}" in day[n]
        assert "Rest" in day[n].splitlines() and "Aldesleukin" not in day[n], n
    assert [january.column_of[date(2027, 1, n)] for n in (9, 10)] == ["Saturday", "Sunday"]
    assert "Blood test during the cycle" in _flat(day[18]) and DOSE in day[18]  # cycle day 15
    for n in (30, 31):  # cycle days 27 and 28: no dose until 8 February
        assert "Rest" in day[n] and "Aldesleukin" not in day[n]


def test_february_rest_week_then_cycle_2(letter: list[Month]) -> None:
    february = letter[1]
    for n, cycle_day in zip(range(1, 8), range(29, 36), strict=True):
        text = february.days[date(2027, 2, n)]
        assert f"Cycle 1 · day {cycle_day}" in text
        assert "Rest week" in text and "Aldesleukin" not in text, n
    assert "Blood test before the cycle" in _flat(february.days[date(2027, 2, 7)])
    assert _flat(february.days[date(2027, 2, 8)]).startswith(
        "8 Cycle 2 · day 1 ● Aldesleukin 09:00"
    )
    assert february.column_of[date(2027, 2, 8)] == "Monday"
    assert february.dose_days() == _run(range(8, 13), range(15, 20), range(22, 27))
    assert february.text.count(DOSE) == 15
    for n in (13, 14, 20, 21, 27, 28):
        assert "Rest" in february.days[date(2027, 2, n)].splitlines()
    assert "Blood test during the cycle" in _flat(february.days[date(2027, 2, 22)])


def test_march_last_doses_and_the_precautions_banner(letter: list[Month]) -> None:
    march = letter[2]
    assert march.dose_days() == [1, 2, 3, 4, 5]
    assert march.text.count(DOSE) == 5
    assert "Cycle 2 · day 26" in march.days[date(2027, 3, 5)]
    flat = _flat(march.text)
    assert "No live vaccines: from Mon 4 Jan 2027 until Sun 5 Mar 2028 inclusive" in flat
    # Contraception goes on "for a few months afterwards": the banner says so, and the day
    # after the last dose (Sat 6 Mar) prints the ask whole, before its rest-week label.
    assert (
        "Use contraception; do not breastfeed: from Mon 4 Jan 2027 until Fri 5 Mar 2027 "
        "inclusive — and for a time afterwards: ask your team how long." in flat
    )
    saturday = _flat(march.days[date(2027, 3, 6)])
    assert "Ask your team how long to continue: see Precautions" in saturday
    assert "Rest week" in saturday
    assert "Precautions" not in _flat(letter[0].text) + _flat(letter[1].text)


def test_the_last_cycle_s_rest_week_is_marked_too(letter: list[Month]) -> None:
    """Regression: cycle 2's days 27-35 (Sat 6 - Sun 14 Mar 2027) said only 'Cycle 2 · day N',
    not 'Rest week' as cycle 1's do in February (rest was marked only up to the last dose)."""
    march = letter[2]
    for n in range(6, 15):
        text = march.days[date(2027, 3, n)]
        if "Cycle 2" in text:
            assert "Rest" in text, f"{n} March: {text!r}"


def test_a_wednesday_start(tmp_path: Path) -> None:
    """Cycle 1 day 1 on Wednesday 6 January 2027: doses Wednesday to Sunday, rest Monday and
    Tuesday; the rest week is Wed 3 - Tue 9 Feb; cycle 2 from Wed 10 Feb; last dose Sun 7 Mar."""
    pages = read_pdf(print_pdf(write_calendar(tmp_path, "2027-01-06"), tmp_path / "wed.pdf"))
    assert [p.title for p in pages] == ["January 2027", "February 2027", "March 2027"]
    january, february, march = pages
    assert "Blood test before the cycle" in _flat(january.days[date(2027, 1, 5)])
    assert "Cycle 1 · day 1" in january.days[date(2027, 1, 6)]
    assert january.column_of[date(2027, 1, 6)] == "Wednesday"
    assert january.dose_days() == _run(range(6, 11), range(13, 18), range(20, 25), range(27, 32))
    assert january.text.count(DOSE) == 20
    for n in (11, 12, 18, 19, 25, 26):  # Mondays and Tuesdays
        assert "Rest" in january.days[date(2027, 1, n)].splitlines(), n
    for n in range(1, 10):  # cycle days 27-35
        assert "Aldesleukin" not in february.days[date(2027, 2, n)], n
    for n in range(3, 10):
        assert "Rest week" in february.days[date(2027, 2, n)], n
    assert "Cycle 2 · day 1" in february.days[date(2027, 2, 10)]
    assert february.dose_days() == _run(range(10, 15), range(17, 22), range(24, 29))
    assert march.dose_days() == [3, 4, 5, 6, 7]
    assert "Cycle 2 · day 26" in march.days[date(2027, 3, 7)]
    assert march.column_of[date(2027, 3, 7)] == "Sunday"


def test_a_sunday_week_start(tmp_path: Path) -> None:
    """--week-start sunday: Sunday is the first column, so each 5-on/2-off week reads
    Monday-Friday doses in columns 2-6 with the rest days split across the rows' ends."""
    page = write_calendar(tmp_path, "2027-01-04", "--week-start", "sunday")
    pages = read_pdf(print_pdf(page, tmp_path / "sunday.pdf"))
    assert len(pages) == 3
    january, february, _ = pages
    for month in pages:
        assert month.columns == ["Sunday", *_WEEKDAYS[:6]]
    # Fri 1 and Sat 2 Jan close the first row; Sun 3 (the blood test) opens the second.
    assert january.row_of[date(2027, 1, 2)] == 0 and january.row_of[date(2027, 1, 3)] == 1
    assert january.column_of[date(2027, 1, 3)] == "Sunday"
    assert "Blood test" in january.days[date(2027, 1, 3)]
    assert january.row_of[date(2027, 1, 4)] == 1
    assert "Cycle 1 · day 1" in january.days[date(2027, 1, 4)]
    assert january.row_of[date(2027, 1, 9)] == 1 and january.row_of[date(2027, 1, 10)] == 2
    assert january.dose_days() == _run(range(4, 9), range(11, 16), range(18, 23), range(25, 30))
    assert february.column_of[date(2027, 2, 7)] == "Sunday"  # Sun 7 Feb: the rest week's end
    assert "Rest week" in february.days[date(2027, 2, 7)]
    assert "Cycle 2 · day 1" in february.days[date(2027, 2, 8)]
    assert february.dose_days() == _run(range(8, 13), range(15, 20), range(22, 27))


@pytest.mark.parametrize(
    ("start", "week_start", "months", "six_rows"),
    [
        # Sunday weeks: January 2027 runs Sun 27 Dec - Sat 6 Feb, six rows.
        ("2027-01-04", "sunday", ["January 2027", "February 2027", "March 2027"], "January 2027"),
        # Monday weeks: August 2027 runs Mon 26 Jul - Sun 5 Sep, six rows; the blood test is
        # Sun 1 Aug, cycle 2 starts Mon 6 Sep and its last dose is Fri 1 Oct.
        ("2027-08-02", "monday", ["August 2027", "September 2027", "October 2027"], "August 2027"),
    ],
)
def test_months_of_full_weeks_fit_their_page(
    tmp_path: Path, start: str, week_start: str, months: list[str], six_rows: str
) -> None:
    page = write_calendar(tmp_path, start, "--week-start", week_start)
    for paper, size in ((page, LETTER_LANDSCAPE), (on_a4(page), A4_LANDSCAPE)):
        pages = read_pdf(print_pdf(paper, paper.with_suffix(".pdf")))
        assert [p.title for p in pages] == months
        month = pages[months.index(six_rows)]
        assert len(set(month.row_of.values())) == 6
        for printed in pages:
            assert printed.size == pytest.approx(size, abs=0.5)
            assert "Dose (drug and time)" in printed.text, f"{printed.title}: no legend"
            assert "follow your team" in printed.text, f"{printed.title}: the footer is cut off"


def test_header_names_regimen_and_source_and_the_label_only_when_given(
    letter: list[Month], tmp_path: Path
) -> None:
    name = "Aldesleukin subcutaneous: 5 days on, 2 off for 4 weeks, then a week off (5-week cycles)"
    for page in letter:
        flat = _flat(page.text).replace("ﬀ", "ff")  # pypdf keeps the font's ligature
        assert flat.startswith(name + " Day 1: Mon 4 Jan 2027 · Times in Europe/London")
        assert (
            "Source: Cancer Research UK, 'Aldesleukin (IL-2, Proleukin or interleukin 2)'" in flat
        )
        assert "For:" not in flat and "J S" not in flat
    labelled = write_calendar(tmp_path, "2027-01-04", "--label", "J S")
    pages = read_pdf(print_pdf(labelled, tmp_path / "labelled.pdf"))
    assert len(pages) == 3
    for page in pages:
        assert "Day 1: Mon 4 Jan 2027 · For: J S · Times in Europe/London" in _flat(page.text)


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_screenshot_is_kept_as_an_artifact(monday: Path, tmp_path: Path) -> None:
    """The first screenful of the calendar, kept in $ARTIFACTS_DIR (CI uploads it) or tmp."""
    folder = Path(os.environ.get("ARTIFACTS_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    png = screenshot(monday, folder / "calendar.png")
    print(f"calendar screenshot: {png}")
    assert _png_size(png) == (1400, 1000)
    # A blank white page compresses to a few kilobytes; the drawn grid is far larger.
    assert png.stat().st_size > 50_000


def test_long_precautions_wrap_in_the_banner_and_the_month_still_fits(tmp_path: Path) -> None:
    """A regimen whose precautions have long titles: each banner line wraps, and the last page
    still holds every day, the whole banner and the footer on Letter and A4."""
    text = (REPO / "regimens" / "aldesleukin-sc.toml").read_text("utf-8")
    long = "Use contraception; do not breastfeed, and tell any doctor, dentist or pharmacist "
    long += "who treats you that you are having this treatment, even for something else"
    text = text.replace('title = "Use contraception; do not breastfeed"', f'title = "{long}"')
    text = text.replace('title = "No live vaccines"', f'title = "No live vaccines. {long}"')
    regimen = tmp_path / "long.toml"
    regimen.write_text(text, "utf-8")
    page = write_calendar(tmp_path, "2027-01-04", regimen=str(regimen))
    for paper, size in ((page, LETTER_LANDSCAPE), (on_a4(page), A4_LANDSCAPE)):
        pages = read_pdf(print_pdf(paper, paper.with_suffix(".pdf")))
        assert [p.title for p in pages] == ["January 2027", "February 2027", "March 2027"]
        march = pages[-1]
        assert march.size == pytest.approx(size, abs=0.5)
        assert sorted(d.day for d in march.days) == list(range(1, 32))
        flat = _flat(march.text)
        assert "for a time afterwards: ask your team how long." in flat
        assert "until Sun 5 Mar 2028 inclusive." in flat
        assert "follow your team" in march.text, "the footer is cut off"
