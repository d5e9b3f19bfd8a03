"""The terminal views: month grids (--format calendar) and a compact list (--format table).

Every expected date is written out by hand from the published schedule. Aldesleukin SC from
Monday 4 January 2027: doses Mon-Fri for four weeks (4-8, 11-15, 18-22, 25-29 Jan), blood tests
on day -1 (Sun 3 Jan) and day 15 (Mon 18 Jan), nothing from Sat 30 Jan to Sun 7 Feb (the two
days off of week 4 and the rest week, days 27-35), cycle 2 from Mon 8 Feb.
"""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.export.terminal import to_calendar, to_table
from scheduler.planner import Planned, plan
from scheduler.regimen.dosing import Body

JANUARY_DOSES = [4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29]
PLAN = ["plan", "aldesleukin-sc", "--start", "2027-01-04", "--tz", "Europe/London"]


def aldesleukin(cycles: int = 2, zone: str = "Europe/London") -> Planned:
    return plan("aldesleukin-sc", start=date(2027, 1, 4), zone=zone, cycles=cycles)


def month(text: str, title: str) -> tuple[list[str], dict[int, str]]:
    """The weekday header and each day's cell (its lines joined by newlines) of one month's
    grid in plain text."""
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip() == title)
    grid = []
    for line in lines[at + 2 :]:
        if line.startswith("└"):
            break
        grid.append(line)
    groups: list[list[str]] = [[]]
    for line in grid:
        if line.startswith("├"):
            groups.append([])
        else:
            groups[-1].append(line)
    header = [cell.strip() for cell in groups[0][0].split("│")[1:-1]]
    cells: dict[int, str] = {}
    for group in groups[1:]:
        columns = zip(*(line.split("│")[1:-1] for line in group), strict=True)
        for column in columns:
            body = "\n".join(part.strip() for part in column).strip()
            if body:
                cells[int(body.split()[0].rstrip("!"))] = body
    return header, cells


def test_january_2027_shows_four_weeks_of_five_doses_and_the_blood_tests() -> None:
    text = to_calendar(aldesleukin(), width=100, color=False, week_start=None)
    header, cells = month(text, "January 2027")
    assert header == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sorted(cells) == list(range(1, 32))
    assert [day for day, cell in cells.items() if "●" in cell] == JANUARY_DOSES
    assert all("● 09:00 ALD" in cells[day] for day in JANUARY_DOSES)
    assert [day for day, cell in cells.items() if "○" in cell] == [3, 18]
    assert "○ Test" in cells[18]  # "Blood test" needs a wider cell (below)
    # Weekends off inside the weeks of treatment are rest days; from Sat 30 Jan no dose for
    # nine days (days 27-35), which is the rest week.
    assert [day for day, cell in cells.items() if "· rest" in cell] == [9, 10, 16, 17, 23, 24]
    assert [day for day, cell in cells.items() if "░ rest week" in cell] == [30, 31]
    assert cells[1] == "1" and cells[2] == "2"  # before the plan: nothing at all
    assert cells[3].split("\n")[0].split() == ["3", "C1", "D-1"]
    assert cells[4].split("\n")[0].split() == ["4", "C1", "D1"]
    assert cells[18].split("\n")[0].split() == ["18", "D15"]


def test_february_1_to_7_is_the_rest_week_and_cycle_2_starts_on_the_8th() -> None:
    text = to_calendar(aldesleukin(), width=100, color=False, week_start=None)
    _, cells = month(text, "February 2027")
    for day in range(1, 8):
        assert "░ rest week" in cells[day] and "●" not in cells[day], cells[day]
    assert "○ Test" in cells[7]  # day -1 of cycle 2, Sun 7 Feb
    assert cells[8].split("\n")[0].split() == ["8", "C2", "D1"]
    doses = [8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26]
    assert [day for day, cell in cells.items() if "●" in cell] == doses
    assert [day for day, cell in cells.items() if "○" in cell] == [7, 22]  # day -1, day 15
    _, march = month(text, "March 2027")
    assert [day for day, cell in march.items() if "●" in cell] == [1, 2, 3, 4, 5]
    assert [day for day, cell in march.items() if "░" in cell] == list(range(6, 15))
    assert all(march[day] == str(day) for day in range(15, 32))  # after cycle 2's day 35
    assert "April 2027" not in text


def test_a_pump_that_runs_for_46_hours_is_not_rest() -> None:
    """mFOLFOX6 from Mon 4 Jan 2027: the 46-hour fluorouracil pump starts at 11:05 on day 1 and
    runs through Tue 5 Jan to 09:05 on Wed 6 Jan, when it is disconnected; rest from Thu 7 Jan
    (days 4-14, eleven days: a rest week)."""
    planned = plan("mfolfox6", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    text = to_calendar(planned, width=100, color=False, week_start=None)
    _, cells = month(text, "January 2027")
    assert "─ FLU runs" in cells[5] and "rest" not in cells[5]
    assert "◆ Visit" in cells[6] and "─ FLU runs" in cells[6] and "rest" not in cells[6]
    assert [day for day, cell in cells.items() if "░ rest week" in cell] == list(range(7, 18))
    assert "─ a dose still running" in text
    narrow = to_calendar(planned, width=60, color=False, week_start=None)
    _, small = month(narrow, "January 2027")
    assert "─ FLU" in small[5] and "…" not in small[5]
    # aldesleukin's 15-minute injections never run past their day: no such key.
    assert "still running" not in to_calendar(
        aldesleukin(), width=100, color=False, week_start=None
    )


def test_without_colour_no_escape_codes_and_marks_still_tell_doses_from_rest() -> None:
    planned = aldesleukin()
    plain = to_calendar(planned, width=100, color=False, week_start=None)
    assert "\x1b" not in plain
    coloured = to_calendar(planned, width=100, color=True, week_start=None)
    assert "\x1b[" in coloured
    _, cells = month(plain, "January 2027")
    assert "●" in cells[4] and "rest" not in cells[4]
    assert "· rest" in cells[9] and "●" not in cells[9]
    assert "░ rest week" in cells[30] and "●" not in cells[30]
    assert "Key: ● dose (time, drug)  ○ blood test  ◆ appointment  · rest day  ░ rest week" in (
        " ".join(plain.split("\n"))
    )
    assert "Drugs: ALD Aldesleukin" in plain
    table = to_table(planned, width=100, color=False, week_start=None)
    assert "\x1b" not in table
    assert "\x1b[" in to_table(planned, width=100, color=True, week_start=None)


def test_week_start_sunday_or_monday_changes_the_columns() -> None:
    planned = aldesleukin(cycles=1)
    monday, _ = month(to_calendar(planned, width=100, color=False, week_start=0), "January 2027")
    sunday, _ = month(to_calendar(planned, width=100, color=False, week_start=6), "January 2027")
    assert monday == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert sunday == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    # Sunday first: Sun 3 Jan opens the second row, Mon 4 Jan (day 1) is the second column.
    text = to_calendar(planned, width=100, color=False, week_start=6)
    row = next(line for line in text.splitlines() if line.startswith("│  3 "))
    assert [cell.split()[0] for cell in row.split("│")[1:-1]] == ["3", "4", "5", "6", "7", "8", "9"]
    assert "weeks start on Sunday" in text


def test_week_start_defaults_by_the_zones_country() -> None:
    new_york = aldesleukin(cycles=1, zone="America/New_York")
    header, _ = month(
        to_calendar(new_york, width=100, color=False, week_start=None), "January 2027"
    )
    assert header[0] == "Sun"
    london = aldesleukin(cycles=1)
    header, _ = month(to_calendar(london, width=100, color=False, week_start=None), "January 2027")
    assert header[0] == "Mon"


@pytest.mark.parametrize("width", [36, 40, 60, 80, 100, 160, 300])
def test_the_grid_fits_the_width_and_narrow_cells_still_mark_doses_and_rest(width: int) -> None:
    text = to_calendar(aldesleukin(), width=width, color=False, week_start=None)
    assert max(len(line) for line in text.splitlines()) <= width
    _, cells = month(text, "January 2027")
    assert [day for day, cell in cells.items() if "●" in cell] == JANUARY_DOSES
    assert all("●" not in cells[day] and "░" in cells[day] for day in (30, 31))
    assert all("●" not in cells[day] and "·" in cells[day] for day in (9, 10))


@pytest.mark.parametrize(
    ("regimen", "body"),
    [
        ("r-chop-21", Body(weight_kg=Decimal(70), height_cm=Decimal(175))),
        ("r-chop-21", None),
        ("palbociclib-fulvestrant", None),
        ("temozolomide-stupp", None),
        ("aldesleukin-hd-iv", None),
    ],
)
@pytest.mark.parametrize("width", [40, 60, 100])
def test_a_regimen_with_several_drugs_fits(regimen: str, body: Body | None, width: int) -> None:
    planned = plan(regimen, start=date(2027, 1, 4), zone="Europe/London", cycles=2, body=body)
    for render in (to_calendar, to_table):
        text = render(planned, width=width, color=False, week_start=None)
        assert max(len(line) for line in text.splitlines()) <= max(width, 44), render


def test_r_chop_day_1_shows_all_five_drugs_then_sixteen_days_without_a_dose() -> None:
    planned = plan("r-chop-21", start=date(2027, 1, 4), zone="Europe/London", cycles=2)
    text = to_calendar(planned, width=100, color=False, week_start=None)
    _, cells = month(text, "January 2027")
    assert cells[4].split("\n")[1:] == [
        "● 08:00 PRE", "● 09:00 RIT", "● 13:00 DOX", "● 13:15 VIN", "● 13:25 CYC",
    ]  # fmt: skip
    doses = [4, 5, 6, 7, 8, 25, 26, 27, 28, 29]  # days 1-5 of cycles 1 and 2
    assert [day for day, cell in cells.items() if "●" in cell] == doses
    assert all("░ rest week" in cells[day] for day in range(9, 25))
    assert "Drugs: CYC Cyclophosphamide, DOX Doxorubicin, PRE Prednisone, RIT Rituximab, " in text
    wide = to_calendar(planned, width=200, color=False, week_start=None)
    _, cells = month(wide, "January 2027")
    assert "● 13:25 Cyclophosphamide" in cells[4]
    assert "Drugs:" not in wide
    wide = to_calendar(aldesleukin(), width=160, color=False, week_start=None)
    assert "○ Blood test" in month(wide, "January 2027")[1][18]


def test_twelve_cycles_draw_every_month_to_the_last_cycles_end() -> None:
    """12 cycles of 35 days from Mon 4 Jan 2027: cycle 12 starts Mon 24 Jan 2028 and ends on
    its day 35, Sun 27 Feb 2028: fourteen months."""
    text = to_calendar(aldesleukin(cycles=12), width=100, color=False, week_start=None)
    month_title = re.compile(r" *[A-Z][a-z]+ 20\d\d *")
    titles = [line.strip() for line in text.splitlines() if month_title.fullmatch(line)]
    assert titles[0] == "January 2027" and titles[-1] == "February 2028"
    assert len(titles) == 14
    _, cells = month(text, "January 2028")
    assert cells[24].split("\n")[0].split() == ["24", "C12", "D1"]
    _, cells = month(text, "February 2028")
    assert cells[27].split("\n")[0].split() == ["27", "D35"]
    assert cells[28] == "28"


def test_precautions_are_listed_with_their_spans() -> None:
    """Two cycles: the last dose is Fri 5 Mar 2027, so no live vaccines to Sun 5 Mar 2028."""
    text = to_calendar(aldesleukin(), width=100, color=False, week_start=None)
    assert "△ No live vaccines: every day from Mon 4 Jan 2027 to Sun 5 Mar 2028" in text
    assert "2028" not in "".join(line for line in text.splitlines() if line.startswith("│"))


def test_cancelled_and_flagged_events_are_marked_in_words_too() -> None:
    planned = aldesleukin(cycles=1)
    events = list(planned.events)
    wednesday = next(i for i, e in enumerate(events) if e.kind == "dose" and e.day == 3)
    thursday = next(i for i, e in enumerate(events) if e.kind == "dose" and e.day == 4)
    events[wednesday] = replace(events[wednesday], cancelled=True)
    events[thursday] = replace(events[thursday], flag="the clinic is closed; kept")
    changed = replace(planned, events=tuple(events))
    text = to_calendar(changed, width=100, color=False, week_start=None)
    _, cells = month(text, "January 2027")
    assert "× 09:00 ALD" in cells[6] and "●" not in cells[6]
    assert cells[7].split("\n")[:2] == ["7!      D4", "● 09:00 ALD"]
    assert cells[8].split("\n")[0] == "8       D5"
    assert "× cancelled" in text and "! see the warnings below" in text
    assert "! Thu 7 Jan 2027, Aldesleukin injection: the clinic is closed; kept" in text
    table = to_table(changed, width=120, color=False, week_start=None)
    assert "× Aldesleukin injection (cancelled)" in table
    assert "● Aldesleukin injection ! the clinic is closed; kept" in table


def test_appointments_have_their_own_mark() -> None:
    planned = plan("aldesleukin-hd-iv", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    assert "◆ " in to_calendar(planned, width=100, color=False, week_start=None)
    assert "◆ Response assessment (scans and review)" in to_table(
        planned, width=100, color=False, week_start=None
    )


def test_table_is_one_line_per_event_with_weekday_time_what_and_cycle_day() -> None:
    text = to_table(aldesleukin(cycles=1), width=100, color=False, week_start=None)
    lines = text.splitlines()
    assert lines[0] == "Aldesleukin (aldesleukin-sc)"
    assert lines[1].split() == ["Date", "Time", "What", "Cycle"]
    rows = lines[2:]
    assert len(rows) == 25  # 20 doses, 2 blood tests, 2 precautions, the day to ask
    assert rows[0].split() == ["Sun", "3", "Jan", "2027", "all", "day", "○", "Blood", "test",
                               "before", "the", "cycle", "C1", "D-1"]  # fmt: skip
    assert rows[3].split() == ["Mon", "4", "Jan", "2027", "09:00", "●", "Aldesleukin",
                               "injection", "C1", "D1"]  # fmt: skip
    assert "△ until Sat 29 Jan 2028: No live vaccines" in rows[2]
    narrow = to_table(aldesleukin(cycles=1), width=80, color=False, week_start=None)
    assert "△ until Fri 29 Jan 2027: Use contraception; d…" in narrow.splitlines()[3]
    assert rows[-2].split()[:5] == ["Fri", "29", "Jan", "2027", "09:00"]
    assert rows[-2].split()[-2:] == ["C1", "D26"]
    # Contraception goes on for a time the source does not state: the day after the last dose
    # says so, with no "until" (it is one day), and its title is not cut at the " — ".
    assert rows[-1].split()[:6] == ["Sat", "30", "Jan", "2027", "all", "day"]
    assert "△ Use contraception; do not breastfeed — ask your team how long" in rows[-1]
    assert [row.split()[4] for row in rows if "○" in row] == ["all", "all"]
    assert max(len(line) for line in lines) <= 100


def test_table_several_phases_name_the_phase() -> None:
    planned = plan("temozolomide-stupp", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    text = to_table(planned, width=100, color=False, week_start=None)
    assert text.splitlines()[2].split()[-3:] == ["P1", "C1", "D1"]
    assert "P1 Concomitant (with radiotherapy)  P2 Maintenance" in text


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_calendar_under_no_color_has_no_escape_codes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    code, out, err = run(capsys, *PLAN, "--cycles", "1", "--format", "calendar")
    assert (code, err) == (0, "")
    # A terminal without NO_COLOR gets colour, so the check below means something.
    assert "\x1b[" in out
    monkeypatch.setenv("NO_COLOR", "1")
    code, out, err = run(capsys, *PLAN, "--cycles", "1", "--format", "calendar")
    assert (code, err) == (0, "")
    assert "\x1b" not in out
    _, cells = month(out, "January 2027")
    assert [day for day, cell in cells.items() if "●" in cell] == JANUARY_DOSES
    assert list(tmp_path.iterdir()) == []  # the terminal formats write no file


def test_cli_table_and_week_start(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *PLAN, "--cycles", "1", "--format", "table")
    assert code == 0
    assert out.splitlines()[1].split() == ["Date", "Time", "What", "Cycle"]
    code, out, _ = run(
        capsys, *PLAN, "--cycles", "1", "--format", "calendar", "--week-start", "sunday"
    )
    assert code == 0
    header, _ = month(out, "January 2027")
    assert header[0] == "Sun"


def test_cli_week_start_friday_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, *PLAN, "--cycles", "1", "--format", "calendar", "--week-start", "friday"
    )
    assert code != 0
    assert out == ""
    assert err.startswith("Error: ") and "--week-start" in err and "friday" in err
    assert err.count("\n") == 1
