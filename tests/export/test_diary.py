"""The printable dose diary's HTML, read as text (test_diary_browser.py prints it for real).

Dates are written by hand from the published schedule (capecitabine 1,250 mg/m² twice daily on
days 1-14 of 21-day cycles): from Monday 4 January 2027, cycle 1's doses are at 08:00 and 20:00
on Mon 4 to Sun 17 January, and cycle 2 starts Monday 25 January, its last dose Sun 7 February
at 20:00. For 70 kg and 175 cm the BSA is 1.84 m² (Mosteller), so each dose is
1,250 mg/m² × 1.84 m² = 2,300 mg.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.course.history import Switch
from scheduler.course.records import Status
from scheduler.course.replan import Which, edit_course, new_course, record_event
from scheduler.errors import ArgumentError, PlanError
from scheduler.export.diary import to_diary
from scheduler.planner import Planned, plan
from scheduler.regimen.dosing import Body
from tests.helpers import REPO

STAMP = datetime(2027, 1, 2, 9, 30, tzinfo=UTC)
BODY = Body(Decimal(70), Decimal(175))

#: Cycle 1's dates, by hand: Mon 4 to Sun 17 January 2027, each at 08:00 and 20:00.
CYCLE_1_DAYS = ["Mon 4 Jan 2027", "Tue 5 Jan 2027", "Wed 6 Jan 2027", "Thu 7 Jan 2027",
                "Fri 8 Jan 2027", "Sat 9 Jan 2027", "Sun 10 Jan 2027", "Mon 11 Jan 2027",
                "Tue 12 Jan 2027", "Wed 13 Jan 2027", "Thu 14 Jan 2027", "Fri 15 Jan 2027",
                "Sat 16 Jan 2027", "Sun 17 Jan 2027"]  # fmt: skip
CYCLE_2_DAYS = ["Mon 25 Jan 2027", "Tue 26 Jan 2027", "Wed 27 Jan 2027", "Thu 28 Jan 2027",
                "Fri 29 Jan 2027", "Sat 30 Jan 2027", "Sun 31 Jan 2027", "Mon 1 Feb 2027",
                "Tue 2 Feb 2027", "Wed 3 Feb 2027", "Thu 4 Feb 2027", "Fri 5 Feb 2027",
                "Sat 6 Feb 2027", "Sun 7 Feb 2027"]  # fmt: skip


def capecitabine(**options: object) -> Planned:
    return plan("capecitabine-q21d", start=date(2027, 1, 4), zone="Europe/London", cycles=2,
                body=BODY, **options)  # type: ignore[arg-type]  # fmt: skip


def pages(text: str) -> list[str]:
    return text.split('<section class="cycle">')[1:]


def rows(page: str) -> list[list[str]]:
    """Each dose row's cells as text (tags dropped, entities left as written)."""
    out = []
    for row in re.findall(r'<tr class="dose"[^>]*>(.*?)</tr>', page, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        out.append([" ".join(re.sub(r"<[^>]+>", " ", c).split()) for c in cells])
    return out


def test_a_page_per_cycle_with_a_row_per_home_dose_in_time_order() -> None:
    text = to_diary(capecitabine(), stamp=STAMP)
    assert text.startswith("<!DOCTYPE html>")
    first, second = pages(text)
    expected = [[day, at, "Capecitabine 2,300 mg", "", "", ""]
                for day in CYCLE_1_DAYS for at in ("08:00", "20:00")]  # fmt: skip
    assert len(expected) == 28
    assert rows(first) == expected
    assert rows(second) == [[day, at, "Capecitabine 2,300 mg", "", "", ""]
                            for day in CYCLE_2_DAYS for at in ("08:00", "20:00")]  # fmt: skip
    assert "Cycle 1: Mon 4 Jan 2027 to Sun 17 Jan 2027" in first
    assert "Cycle 2: Mon 25 Jan 2027 to Sun 7 Feb 2027" in second
    assert "Dose diary · Capecitabine (capecitabine-q21d)" in first
    assert "Times in Europe/London" in first
    assert first.count('class="box"') == 28


def test_the_print_layout_breaks_pages_repeats_the_header_and_never_clips() -> None:
    text = to_diary(capecitabine(), stamp=STAMP)
    css = text[text.index("<style>") : text.index("</style>")]
    assert "@page { size: portrait;" in css
    assert "break-after: page" in css
    assert "thead { display: table-header-group; }" in css
    assert "height: 9mm" in css
    assert "overflow: hidden" not in css and "nowrap" not in css and "ellipsis" not in css
    # The header (calendar, cycle, dates, zone) is in the table's head, so it repeats.
    for page in pages(text):
        head = page[page.index("<thead>") : page.index("</thead>")]
        assert "Cycle" in head and "Times in Europe/London" in head


def test_the_footer_gives_the_source_the_team_rule_and_when_it_was_made() -> None:
    text = to_diary(capecitabine(), stamp=STAMP)
    for page in pages(text):
        footer = page[page.index('<footer class="diary">') :]
        assert "Source: Xeloda (capecitabine) US prescribing information" in footer
        assert "https://dailymed.nlm.nih.gov/" in footer
        assert (
            "If anything here differs from what your care team told you, follow your team."
            in footer
        )
        assert "Made 02 Jan 2027 09:30 UTC" in footer
        assert "from the regimen capecitabine-q21d." in footer
        # A plain plan has no contact: a line to write the team's number on.
        assert 'Your team\'s phone number: <span class="blank"></span>' in footer
        assert "Precautions" not in footer  # capecitabine lists none


def test_precautions_in_force_and_one_to_ask_about() -> None:
    """aldesleukin-sc from Mon 4 Jan 2027, one cycle: doses Mon 4 - Fri 29 Jan; no live
    vaccines until 12 months after the last dose (Sat 29 Jan 2028), contraception until the
    last dose and then "ask your team"."""
    planned = plan("aldesleukin-sc", start=date(2027, 1, 4), zone="Europe/London", cycles=1)
    (page,) = pages(to_diary(planned, stamp=STAMP))
    assert "Cycle 1: Mon 4 Jan 2027 to Fri 29 Jan 2027" in page
    assert len(rows(page)) == 20
    assert rows(page)[0][:3] == ["Mon 4 Jan 2027", "09:00", "Aldesleukin"]
    notes = page[page.index('class="precautions"') :]
    assert (
        "<strong>No live vaccines</strong>: from Mon 4 Jan 2027 until Sat 29 Jan 2028 inclusive."
        in notes
    )
    assert (
        "<strong>Use contraception; do not breastfeed</strong>: from Mon 4 Jan 2027 until "
        "Fri 29 Jan 2027 inclusive — and for a time afterwards: ask your team how long." in notes
    )


def test_only_home_doses_and_the_phase_when_there_are_several() -> None:
    """r-chop-21: prednisone at home on days 1-5 (Mon 4 - Fri 8 Jan 2027); the drip doses of
    day 1 are in clinic and not in the diary. temozolomide-stupp: 42 daily doses with
    radiotherapy from Mon 4 Jan 2027 (to Sun 14 Feb), then maintenance days 1-5 from 28 days
    later, Mon 15 Mar 2027 (Mon 15 - Fri 19 Mar at 21:00); two cycles in all."""
    (page,) = pages(to_diary(plan("r-chop-21", start=date(2027, 1, 4), zone="Europe/London",
                                  cycles=1, body=BODY), stamp=STAMP))  # fmt: skip
    assert [r[0] for r in rows(page)] == ["Mon 4 Jan 2027", "Tue 5 Jan 2027", "Wed 6 Jan 2027",
                                          "Thu 7 Jan 2027", "Fri 8 Jan 2027"]  # fmt: skip
    assert {r[2].split()[0] for r in rows(page)} == {"Prednisone"}
    stupp = plan("temozolomide-stupp", start=date(2027, 1, 4), zone="Europe/London", cycles=2,
                 body=BODY)  # fmt: skip
    first, second = pages(to_diary(stupp, stamp=STAMP))
    assert len(rows(first)) == 42
    assert rows(first)[0][:2] == ["Mon 4 Jan 2027", "08:00"]
    assert rows(first)[-1][:2] == ["Sun 14 Feb 2027", "08:00"]
    assert "Concomitant (with radiotherapy), days 1-42: Mon 4 Jan 2027 to Sun 14 Feb 2027" in first
    assert "Maintenance, cycle 1: Mon 15 Mar 2027 to Fri 19 Mar 2027" in second
    assert [r[0] for r in rows(second)] == ["Mon 15 Mar 2027", "Tue 16 Mar 2027",
                                            "Wed 17 Mar 2027", "Thu 18 Mar 2027",
                                            "Fri 19 Mar 2027"]  # fmt: skip
    assert {r[1] for r in rows(second)} == {"21:00"}


def test_a_course_shows_its_records_and_the_team_s_contact(tmp_path: Path) -> None:
    course = tmp_path / "js.toml"
    new_course("capecitabine-q21d", course, start=date(2027, 1, 4), zone="Europe/London",
               cycles=2, body=BODY, contact="Oncology day unit <b>020 7946 0000</b> & nights",
               identity="js")  # fmt: skip
    # Mon 4 Jan's morning dose given, its evening dose missed, Tue 5 Jan's morning given
    # elsewhere; recorded that evening and the next.
    record_event(course, Which(1, 1, 1, slot=1), Status.GIVEN,
                 now=datetime(2027, 1, 4, 21, 0, tzinfo=UTC))  # fmt: skip
    record_event(course, Which(1, 1, 1, slot=2), Status.MISSED, reason="forgot",
                 now=datetime(2027, 1, 4, 21, 5, tzinfo=UTC))  # fmt: skip
    record_event(course, Which(1, 1, 2, slot=1), Status.GIVEN_ELSEWHERE,
                 now=datetime(2027, 1, 5, 21, 0, tzinfo=UTC))  # fmt: skip
    text = to_diary(plan(course), stamp=STAMP)
    first = rows(pages(text)[0])
    assert first[0] == ["Mon 4 Jan 2027", "08:00", "Capecitabine 2,300 mg", "✓", "", ""]
    assert first[1] == ["Mon 4 Jan 2027", "20:00", "Capecitabine 2,300 mg", "✗", "", ""]
    assert first[2] == ["Tue 5 Jan 2027", "08:00", "Capecitabine 2,300 mg", "↗", "", ""]
    assert [r[3] for r in first[3:]] == [""] * 25
    assert 'aria-label="given"' in text and 'aria-label="not yet ticked"' in text
    assert text.count(
        "Your team: <strong>Oncology day unit &lt;b&gt;020 7946 0000&lt;/b&gt; &amp; nights</strong>"
    ) == 2  # fmt: skip
    assert "<b>" not in text
    assert "and its course file" in text


def test_a_course_that_switched_regimen_has_pages_of_each(tmp_path: Path) -> None:
    """Capecitabine from Mon 4 Jan 2027; switched on Wed 20 Jan to imatinib daily (09:00) from
    Mon 25 Jan for one 28-day block (to Sun 21 Feb), then on Sat 20 Feb back to capecitabine
    from Mon 1 Mar for one cycle (Mon 1 - Sun 14 Mar): each page names its regimen, counts its
    own cycles and cites its own source."""
    course = tmp_path / "sw.toml"
    new_course("capecitabine-q21d", course, start=date(2027, 1, 4), zone="Europe/London",
               cycles=3, body=BODY, identity="sw")  # fmt: skip
    edit_course(course, lambda _: Switch("imatinib-daily", date(2027, 1, 25), cycles=1),
                reason="intolerance", now=datetime(2027, 1, 20, 12, 0, tzinfo=UTC))  # fmt: skip
    edit_course(course, lambda _: Switch("capecitabine-q21d", date(2027, 3, 1), cycles=1),
                reason="resumed", now=datetime(2027, 2, 20, 12, 0, tzinfo=UTC))  # fmt: skip
    text = to_diary(plan(course), stamp=STAMP)
    assert re.findall(r'<div class="cycle-title">(.*?)</div>', text) == [
        "Capecitabine (capecitabine-q21d), cycle 1: Mon 4 Jan 2027 to Sun 17 Jan 2027",
        "Imatinib (imatinib-daily), days 1-28: Mon 25 Jan 2027 to Sun 21 Feb 2027",
        "Capecitabine (capecitabine-q21d), cycle 1: Mon 1 Mar 2027 to Sun 14 Mar 2027",
    ]
    first, imatinib, again = pages(text)
    assert [r[:2] for r in rows(first)] == [
        [d, t] for d in CYCLE_1_DAYS for t in ("08:00", "20:00")
    ]
    assert len(rows(imatinib)) == 28
    assert rows(imatinib)[0] == ["Mon 25 Jan 2027", "09:00", "Imatinib 400 mg", "", "", ""]
    assert rows(imatinib)[-1][:2] == ["Sun 21 Feb 2027", "09:00"]
    assert rows(again)[0][:2] == ["Mon 1 Mar 2027", "08:00"]
    assert rows(again)[-1][:2] == ["Sun 14 Mar 2027", "20:00"]
    assert "Source: Glivec/Gleevec (imatinib)" in imatinib
    assert "Source: Xeloda (capecitabine)" in first and "Source: Xeloda (capecitabine)" in again


def test_hostile_text_is_escaped(tmp_path: Path) -> None:
    source = (REPO / "regimens" / "capecitabine-q21d.toml").read_text("utf-8")
    source = source.replace('name = "Capecitabine"', 'name = "<script>alert(1)</script>"')
    regimen = tmp_path / "hostile.toml"
    regimen.write_text(source, "utf-8")
    planned = plan(regimen, start=date(2027, 1, 4), zone="Europe/London", cycles=1, body=BODY,
                   label='J "S" <i>')  # fmt: skip
    text = to_diary(planned, stamp=STAMP)
    assert "<script" not in text and "<i>" not in text
    drug = "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert (
        text.count(f'<span class="drug">{drug}</span> <span class="amount">2,300 mg</span>') == 28
    )
    assert "J &quot;S&quot; &lt;i&gt;" in text
    assert re.findall(r"<title>(.*?)</title>", text) == [
        f"Dose diary: {drug} (capecitabine-q21d) — J &quot;S&quot; &lt;i&gt;"
    ]


def test_a_plan_without_home_doses_is_one_line_plan_error() -> None:
    planned = plan("mfolfox6", start=date(2027, 1, 4), zone="Europe/London", cycles=2)
    with pytest.raises(PlanError) as caught:
        to_diary(planned, stamp=STAMP)
    assert caught.value.field == "format"
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(
        "a dose diary lists the doses taken at home, and this plan of mfolfox6 has none"
    )


def test_wrong_arguments_are_argument_errors() -> None:
    with pytest.raises(ArgumentError, match="planned must be a Planned plan"):
        to_diary("capecitabine-q21d", stamp=STAMP)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="stamp"):
        to_diary(capecitabine(), stamp=datetime(2027, 1, 2))  # naive


def test_the_format_table_names_writes_and_refuses_lying_suffixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from scheduler.export.formats import FORMATS, check_suffix, format_for_file

    diary = FORMATS["diary"]
    assert (diary.suffix, diary.media_type, diary.file_by_default) == (
        ".diary.html", "text/html; charset=utf-8", True)  # fmt: skip
    assert format_for_file("x.diary.html") == "diary"
    assert format_for_file("x.DIARY.HTML") == "diary"
    assert format_for_file("x.html") == "html"
    check_suffix("x.diary.html", "diary")
    check_suffix("x.txt", "diary")
    with pytest.raises(PlanError, match=r"^x\.html is named as html \(\.html\) but would hold "
                       r"diary: name it x\.diary\.html, or write html$"):  # fmt: skip
        check_suffix("x.html", "diary")
    with pytest.raises(PlanError, match=r"^x\.diary\.html is named as diary \(\.diary\.html\) "
                       r"but would hold html: name it x\.html, or write diary$"):  # fmt: skip
        check_suffix("x.diary.html", "html")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1798761600")
    args = ["plan", "capecitabine-q21d", "--start", "2027-01-04", "--cycles", "2", "--tz",
            "Europe/London", "--weight", "70", "--height", "175"]  # fmt: skip
    assert main([*args, "--format", "diary"]) == 0
    written = (tmp_path / "capecitabine-q21d-2027-01-04.diary.html").read_text("utf-8")
    assert (
        written == capecitabine().render("diary", stamp=datetime(2027, 1, 1, tzinfo=UTC)).decode()
    )
    assert main([*args, "-o", "mine.diary.html"]) == 0  # the suffix chooses the format
    assert (tmp_path / "mine.diary.html").read_text("utf-8") == written
    assert main([*args, "--format", "diary", "-o", "x.html"]) == 1
    assert not (tmp_path / "x.html").exists()
    capsys.readouterr()
    assert main(["plan", "mfolfox6", "--start", "2027-01-04", "--tz", "UTC", "--format",
                 "diary"]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("Error: --format: a dose diary lists the doses taken at home")
    assert err.count("\n") == 1
    assert not list(tmp_path.glob("mfolfox6*"))
