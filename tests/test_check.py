"""``scheduler check --regimen``: doses of a drug closer than the regimen allows, and weekly
drugs on consecutive days, found in any .ics file (ours or another tool's, expanded or as a
repeating series), with the dates written by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.check import check_bytes
from scheduler.cli import main
from scheduler.regimen.catalog import resolve


def calendar(*events: str) -> bytes:
    body = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}@test\r\nDTSTAMP:20270101T000000Z\r\n{e}END:VEVENT\r\n"
        for i, e in enumerate(events)
    )
    return (
        f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other clinic//EN\r\n{body}END:VCALENDAR\r\n"
    ).encode()


def dose(summary: str, start: str, end: str, extra: str = "") -> str:
    return f"SUMMARY:{summary}\r\nDTSTART:{start}\r\nDTEND:{end}\r\n{extra}"


def errors(data: bytes, regimen: str) -> list[str]:
    return [p.message for p in check_bytes(data, resolve(regimen)) if p.severity == "error"]


def test_weekly_methotrexate_on_consecutive_days_is_an_error() -> None:
    """Methotrexate on Wednesday 6 and Thursday 7 January 2027 at 09:00 UTC: 1 day apart,
    where the regimen's safety limit is 6 days."""
    data = calendar(
        dose("Methotrexate 7.5 mg", "20270106T090000Z", "20270106T090500Z"),
        dose("Methotrexate 7.5 mg", "20270107T090000Z", "20270107T090500Z"),
    )
    assert errors(data, "methotrexate-weekly") == [
        "Methotrexate doses on Wed 6 Jan 2027 09:00 and Thu 7 Jan 2027 09:00: closer than the "
        "safety limit of 6 days"
    ]


def test_a_daily_series_of_a_weekly_drug_is_found_when_expanded() -> None:
    """The daily-instead-of-weekly error written as one repeating event: three days running."""
    data = calendar(
        dose("METHOTREXATE", "20270106T090000Z", "20270106T090500Z", "RRULE:FREQ=DAILY;COUNT=3\r\n")
    )
    assert errors(data, "methotrexate-weekly") == [
        "Methotrexate doses on Wed 6 Jan 2027 09:00 and Thu 7 Jan 2027 09:00: closer than the "
        "safety limit of 6 days",
        "Methotrexate doses on Thu 7 Jan 2027 09:00 and Fri 8 Jan 2027 09:00: closer than the "
        "safety limit of 6 days",
    ]


def test_an_eight_hourly_drug_four_hours_apart_is_an_error() -> None:
    """HD aldesleukin is given every 8 hours: infusions at 08:00 and 12:00 are too close."""
    data = calendar(
        dose("Aldesleukin infusion", "20270104T080000Z", "20270104T081500Z"),
        dose("Aldesleukin infusion", "20270104T120000Z", "20270104T121500Z"),
    )
    assert errors(data, "aldesleukin-hd-iv") == [
        "Aldesleukin doses on Mon 4 Jan 2027 08:00 and Mon 4 Jan 2027 12:00: closer than 8 h, "
        "the closest aldesleukin-hd-iv gives them"
    ]


def test_a_weekly_drug_without_a_stated_limit_on_consecutive_days_is_an_error() -> None:
    """Weekly paclitaxel (days 1, 8, 15) on Monday 4 and Tuesday 5 January 2027: 24 hours apart
    is not closer than a day, but the regimen never gives it more often than weekly."""
    data = calendar(
        dose("Paclitaxel infusion", "20270104T100000Z", "20270104T110000Z"),
        dose("Paclitaxel infusion", "20270105T100000Z", "20270105T110000Z"),
    )
    assert errors(data, "paclitaxel-weekly-q28d") == [
        "Paclitaxel doses on Mon 4 Jan 2027 10:00 and Tue 5 Jan 2027 10:00: consecutive days, "
        "but paclitaxel-weekly-q28d gives Paclitaxel at most weekly"
    ]


def test_cancelled_doses_and_other_categories_are_not_counted() -> None:
    data = calendar(
        dose("Methotrexate 7.5 mg", "20270106T090000Z", "20270106T090500Z"),
        dose("Methotrexate 7.5 mg", "20270107T090000Z", "20270107T090500Z", "STATUS:CANCELLED\r\n"),
        dose("Methotrexate blood test", "20270108T090000Z", "20270108T091500Z", "CATEGORIES:Blood test\r\n"),
    )  # fmt: skip
    assert errors(data, "methotrexate-weekly") == []


def test_a_fourth_methotrexate_dose_within_seven_days_is_flagged() -> None:
    """Another clinic's calendar: 2.5 mg at 08:00 and 20:00 Wed 6 Jan, 08:00 Thu 7 Jan, and again
    on Mon 11 Jan: four doses within 5 days, against "3 doses in any 7 days"."""
    data = calendar(
        dose("Methotrexate 2.5 mg", "20270106T080000Z", "20270106T080500Z"),
        dose("Methotrexate 2.5 mg", "20270106T200000Z", "20270106T200500Z"),
        dose("Methotrexate 2.5 mg", "20270107T080000Z", "20270107T080500Z"),
        dose("Methotrexate 2.5 mg", "20270111T080000Z", "20270111T080500Z"),
    )  # fmt: skip
    assert errors(data, "methotrexate-weekly-divided") == [
        "4 Methotrexate doses from Wed 6 Jan 2027 08:00 to Mon 11 Jan 2027 08:00: more than the "
        "safety limit of 3 doses in any 7 days"
    ]


@pytest.mark.parametrize(
    "regimen",
    ["methotrexate-weekly", "methotrexate-weekly-divided", "aldesleukin-hd-iv", "mfolfox6",
     "docetaxel-q21d", "radiotherapy-60gy-30f"],
)  # fmt: skip
def test_our_own_plans_pass_their_regimens_check(
    regimen: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for form in ("expand", "rrule"):
        path = tmp_path / f"{form}.ics"
        assert main(["plan", regimen, "--start", "2027-01-04", "--cycles", "3", "--tz", "Europe/London",
                     "--weight", "70", "--height", "175", "--recurrence", form, "-o", str(path)]) == 0  # fmt: skip
        capsys.readouterr()
        assert main(["check", str(path), "--regimen", regimen]) == 0
        assert capsys.readouterr().out == f"ok: {path}\n"


def test_the_cli_reports_spacing_errors_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "other-clinic.ics"
    path.write_bytes(
        calendar(
            dose("Methotrexate 7.5 mg", "20270106T090000Z", "20270106T090500Z"),
            dose("Methotrexate 7.5 mg", "20270108T090000Z", "20270108T090500Z"),
        )
    )
    assert main(["check", str(path), "--regimen", "methotrexate-weekly"]) == 1
    _, err = capsys.readouterr()
    assert err == (
        f"{path}: error: Methotrexate doses on Wed 6 Jan 2027 09:00 and Fri 8 Jan 2027 09:00: "
        "closer than the safety limit of 6 days\n"
    )
