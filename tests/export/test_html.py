"""The printable month calendar's HTML, read as text (the browser tests render it for real).

Dates are written by hand: aldesleukin-sc from Monday 4 January 2027 doses on 4-8, 11-15,
18-22 and 25-29 January (cycle 1), rests 1-7 February, and cycle 2 starts Monday 8 February
(doses 8-12, 15-19, 22-26 February and 1-5 March); blood tests on Sun 3 Jan and 18 Jan.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler.cli import main
from scheduler.planner import plan

STAMP = datetime(2027, 1, 2, tzinfo=UTC)


def page(regimen: str = "aldesleukin-sc", start: date = date(2027, 1, 4), cycles: int = 2,
         week_start: int | None = None, zone: str = "Europe/London", **options: object) -> str:  # fmt: skip
    planned = plan(regimen, start=start, zone=ZoneInfo(zone), cycles=cycles, **options)  # type: ignore[arg-type]
    return planned.render("html", stamp=STAMP, week_start=week_start).decode("utf-8")


def cell(html: str, label: str) -> tuple[str, str]:
    """The classes and the text of the day cell labelled ``Monday 1 February``."""
    match = re.search(rf'<td class="([^"]+)" aria-label="{label}">(.*?)</td>', html)
    assert match, label
    return match.group(1), " ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split())


def test_one_month_section_per_month_shown() -> None:
    html = page()
    months = re.findall(r"<h2>(\w+ \d{4})</h2>", html)
    assert months == ["January 2027", "February 2027", "March 2027"]


def test_the_aldesleukin_cycle_is_recognisable() -> None:
    html = page()
    doses = [
        d for d in range(1, 32) if "Aldesleukin" in cell(html, f"{_wd(2027, 1, d)} {d} January")[1]
    ]
    assert doses == [4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 18, 19, 20, 21, 22, 25, 26, 27, 28, 29]
    classes, text = cell(html, "Monday 4 January")
    assert "has-dose" in classes and "Cycle 1 · day 1" in text and "● Aldesleukin 09:00" in text
    classes, text = cell(html, "Saturday 9 January")
    assert "rest-day" in classes and "Rest" in text and "Aldesleukin" not in text
    assert "▲ Blood test before the cycle" in cell(html, "Sunday 3 January")[1]
    assert "▲ Blood test during the cycle" in cell(html, "Monday 18 January")[1]
    for day in range(1, 8):  # the rest week: hatched, said in words, no dose
        classes, text = cell(html, f"{_wd(2027, 2, day)} {day} February")
        assert "rest-week" in classes and "Rest week" in text and "Aldesleukin" not in text
    assert "Cycle 2 · day 1" in cell(html, "Monday 8 February")[1]


def test_any_start_day_keeps_the_shape() -> None:
    """From Wednesday 6 January 2027: doses Wed 6 - Sun 10, rest Mon 11 - Tue 12, ...; the rest
    week is Wed 3 - Tue 9 February and cycle 2 starts Wednesday 10 February."""
    html = page(start=date(2027, 1, 6))
    assert "Cycle 1 · day 1" in cell(html, "Wednesday 6 January")[1]
    assert "Rest" in cell(html, "Monday 11 January")[1]
    assert "Rest week" in cell(html, "Wednesday 3 February")[1]
    assert "Rest week" in cell(html, "Tuesday 9 February")[1]
    assert "Cycle 2 · day 1" in cell(html, "Wednesday 10 February")[1]


def test_week_start_by_option_and_by_country() -> None:
    def first_column(html: str) -> str:
        return re.findall(r'<th scope="col">(\w+)</th>', html)[0]

    assert first_column(page()) == "Monday"  # London
    assert first_column(page(week_start=6)) == "Sunday"
    assert first_column(page(zone="America/New_York")) == "Sunday"
    assert first_column(page(zone="America/New_York", week_start=0)) == "Monday"


def test_self_contained_legible_and_the_label_only_when_given() -> None:
    html = page()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<script" not in html and "@import" not in html and "url(" not in html
    assert "● Dose (drug and time)" in html and "Rest week" in html  # the legend
    assert "For:" not in html
    labelled = page(label="J S <b>&")
    assert "For: <strong>J S &lt;b&gt;&amp;</strong>" in labelled


def test_precautions_noted_on_their_days_and_in_a_banner_at_the_end() -> None:
    html = page()
    assert "No live vaccines" in cell(html, "Monday 4 January")[1]
    banner = html[html.index('class="banner"') :]
    assert "from Mon 4 Jan 2027 until Sun 5 Mar 2028 inclusive" in banner  # 12 months after 5 Mar
    assert html.count('class="banner"') == 1
    assert html.rindex('class="banner"') > html.rindex("<h2>")  # on the last month's page
    # Contraception "for a few months afterwards": the banner says to ask, and the day after
    # the last dose (Fri 5 Mar 2027) carries it in the grid; the banner does not list it twice.
    assert (
        "<strong>Use contraception; do not breastfeed</strong>: from Mon 4 Jan 2027 until "
        "Fri 5 Mar 2027 inclusive — and for a time afterwards: ask your team how long." in banner
    )
    assert (
        "⚠ Ask your team how long to continue: see Precautions" in cell(html, "Saturday 6 March")[1]
    )
    assert "ask your team how long to continue" not in banner
    assert ('title="Use contraception; do not breastfeed — ask your team how long to continue"'
            in html)  # fmt: skip


def test_calculated_amounts_and_several_doses_a_day() -> None:
    """HD aldesleukin, 70 kg: 600,000 IU/kg = 42,000,000 IU every 8 hours from 08:00."""
    html = page("aldesleukin-hd-iv", cycles=1, body=_body(70))
    text = cell(html, "Tuesday 5 January")[1]
    assert "Aldesleukin 42,000,000 IU" in text and "00:00, 08:00, 16:00" in text


def test_the_cli_writes_an_html_file_by_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")
    assert main(["plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                 "--tz", "Europe/London", "--format", "html"]) == 0  # fmt: skip
    written = (tmp_path / "aldesleukin-sc-2027-01-04.html").read_text(encoding="utf-8")
    assert written.startswith("<!DOCTYPE html>")
    assert main(["plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                 "--tz", "Europe/London", "--format", "html", "--week-start", "friday"]) == 1  # fmt: skip


def _wd(year: int, month: int, day: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
            "Sunday")[date(year, month, day).weekday()]  # fmt: skip


def _body(weight: int) -> object:
    from decimal import Decimal

    from scheduler.regimen.dosing import Body

    return Body(weight_kg=Decimal(weight))
