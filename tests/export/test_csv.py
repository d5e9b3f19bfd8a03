"""The CSV view: one row per event, columns fixed and documented (docs/formats.md)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.export.csv import COLUMNS, to_csv
from scheduler.regimen.dosing import Body
from tests.helpers import REPO, plan

HEADER = (
    "uid,kind,category,title,start_date,start_time,end_date,end_time,all_day,timezone,"
    "utc_offset,phase,cycle,day,drug,route,amount,amount_written,amount_working,setting,status,"
    "sequence,flag,recorded_status,recorded_time,recorded_amount,recorded_reason,recorded_note,"
    "recorded_by,recorded_at"
)


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_the_header_is_exactly_the_documented_columns() -> None:
    text = to_csv(plan(cycles=1))
    assert text.split("\r\n", 1)[0] == HEADER
    assert ",".join(COLUMNS) == HEADER
    docs = (REPO / "docs" / "formats.md").read_text("utf-8")
    assert HEADER in docs
    for column in COLUMNS:
        assert f"| `{column}` |" in docs, column


def test_a_dose_row() -> None:
    dose = next(r for r in rows(to_csv(plan(cycles=1))) if r["kind"] == "dose")
    assert {k: v for k, v in dose.items() if k != "uid"} == {
        "kind": "dose", "category": "Dose", "title": "Aldesleukin injection — cycle 1, day 1",
        "start_date": "2027-01-04", "start_time": "09:00", "end_date": "2027-01-04",
        "end_time": "09:15", "all_day": "false", "timezone": "Europe/London",
        "utc_offset": "+00:00", "phase": "Treatment", "cycle": "1", "day": "1",
        "drug": "Aldesleukin", "route": "subcutaneous", "amount": "", "amount_written": "",
        "amount_working": "", "setting": "home", "status": "confirmed", "sequence": "0",
        "flag": "",
        "recorded_status": "",
        "recorded_time": "",
        "recorded_amount": "",
        "recorded_reason": "",
        "recorded_note": "",
        "recorded_by": "",
        "recorded_at": "",
    }  # fmt: skip
    assert dose["uid"].endswith("@treatment-scheduler")


def test_all_day_rows_end_on_their_last_day() -> None:
    """One cycle from Mon 4 Jan 2027: the blood test on day -1 is Sun 3 Jan, one day; the last
    dose is Fri 29 Jan 2027, so no live vaccines to Sat 29 Jan 2028 inclusive, and Sat 30 Jan
    2027 is the one day that says to ask how long contraception goes on."""
    records = rows(to_csv(plan(cycles=1)))
    lab = records[0]
    assert (lab["kind"], lab["start_date"], lab["end_date"], lab["all_day"]) == (
        "lab", "2027-01-03", "2027-01-03", "true",
    )  # fmt: skip
    assert (lab["start_time"], lab["end_time"], lab["utc_offset"], lab["day"]) == ("", "", "", "-1")
    vaccines = next(r for r in records if r["title"] == "No live vaccines")
    assert (vaccines["start_date"], vaccines["end_date"]) == ("2027-01-04", "2028-01-29")
    assert (vaccines["cycle"], vaccines["day"], vaccines["phase"]) == ("", "", "")
    ask = records[-1]
    assert (ask["kind"], ask["start_date"], ask["end_date"], ask["all_day"]) == (
        "precaution", "2027-01-30", "2027-01-30", "true",
    )  # fmt: skip
    assert ask["title"].endswith("ask your team how long to continue")
    assert len(records) == 25  # 20 doses, 2 blood tests, 2 precautions, the day to ask
    assert [r["start_date"] for r in records if r["kind"] == "dose"][-1] == "2027-01-29"


def test_summer_time_is_local_with_its_offset() -> None:
    """From Mon 5 Apr 2027 London is on BST: 09:00 local, +01:00."""
    dose = next(
        r for r in rows(to_csv(plan(start=date(2027, 4, 5), cycles=1))) if r["kind"] == "dose"
    )
    assert (dose["start_date"], dose["start_time"], dose["utc_offset"]) == (
        "2027-04-05",
        "09:00",
        "+01:00",
    )


def test_calculated_amounts_show_what_was_written_and_the_working() -> None:
    body = Body(weight_kg=Decimal(70), height_cm=Decimal(175))
    records = rows(to_csv(plan("r-chop-21", cycles=1, body=body)))
    rituximab = next(r for r in records if r["drug"] == "Rituximab")
    assert (rituximab["amount"], rituximab["amount_written"]) == ("690 mg", "375 mg/m²")
    assert "1.84" in rituximab["amount_working"]  # Mosteller BSA of 70 kg, 175 cm
    assert (rituximab["route"], rituximab["setting"]) == ("intravenous", "clinic")


def test_cancelled_events_stay_with_their_status_and_sequence() -> None:
    events = list(plan(cycles=1))
    events[3] = replace(events[3], cancelled=True, revision=2, flag="moved: clinic closed")
    record = rows(to_csv(events))[3]
    assert (record["status"], record["sequence"], record["flag"]) == (
        "cancelled",
        "2",
        "moved: clinic closed",
    )
    assert len(rows(to_csv(events))) == 25


def test_rfc_4180_quoting_and_crlf_and_no_formulas() -> None:
    first, second = plan(cycles=1)[:2]
    tricky = 'Blood test, "fasting"\nbring the letter'
    text = to_csv([replace(first, title=tricky), replace(second, title="=HYPERLINK(1)")])
    assert text.endswith("\r\n") and text.count("\r\n") == 3  # the newline in a field stays bare
    assert '"Blood test, ""fasting""\nbring the letter"' in text
    records = rows(text)
    assert records[0]["title"] == tricky
    assert records[1]["title"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, never runs it
    assert to_csv([]) == HEADER + "\r\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_csv_goes_to_stdout_and_round_trips(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                         "--tz", "Europe/London", "--format", "csv")  # fmt: skip
    assert (code, err) == (0, "")
    assert list(tmp_path.iterdir()) == []
    records = rows(out)
    assert list(records[0]) == list(COLUMNS)
    doses = [r for r in records if r["kind"] == "dose"]
    assert [r["start_date"][8:] for r in doses] == [
        "04", "05", "06", "07", "08", "11", "12", "13", "14", "15",
        "18", "19", "20", "21", "22", "25", "26", "27", "28", "29",
    ]  # fmt: skip
    assert {(r["start_time"], r["timezone"], r["cycle"]) for r in doses} == {
        ("09:00", "Europe/London", "1")
    }
    assert [(r["start_date"], r["day"]) for r in records if r["kind"] == "lab"] == [
        ("2027-01-03", "-1"), ("2027-01-18", "15"),
    ]  # fmt: skip
