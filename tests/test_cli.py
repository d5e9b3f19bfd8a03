"""The command line: a thin shell whose every bad input is one line on stderr, exit code != 0."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import vobject

from scheduler.cli import app, main
from tests.helpers import REPO, TESTDATA

PLAN = ["plan", "aldesleukin-sc", "--start", "2027-01-04", "--tz", "Europe/London"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_regimens_lists_the_bundled_ids(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "regimens")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:3] == ["ID", "CYCLE", "NAME"]
    assert any(row.startswith("aldesleukin-sc ") and "35 days until stopped" in row for row in rows)


@pytest.mark.parametrize("columns", [60, 200])
def test_regimens_fit_the_terminal(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    """Issue 13: the listing ran to 458 columns whatever the terminal's width."""
    from scheduler.regimen.catalog import bundled_ids

    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = run(capsys, "regimens")
    assert code == 0
    header, *rows = out.splitlines()
    assert max(len(line) for line in out.splitlines()) <= columns
    assert [row.split()[0] for row in rows] == sorted(bundled_ids())  # ids whole
    assert header.split()[:3] == ["ID", "CYCLE", "NAME"]
    first = next(row for row in rows if row.startswith("aldesleukin-hd-iv "))
    if columns == 60:
        assert first == "aldesleukin-hd-iv            19 days × 1   Aldesleukin high…"
        assert "SOURCE" not in header
    else:
        assert first.startswith("aldesleukin-hd-iv            19 days × 1                   "
                                "Aldesleukin high-dose IV: 600,000 IU/kg every 8 hours, days 1-5 "
                                "and 15-19 (max 14 + 14 doses)  ")  # fmt: skip
        assert first.endswith("…") and header.endswith("SOURCE")


def test_regimens_piped_are_whole_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    from scheduler.regimen.catalog import summaries

    code, out, _ = run(capsys, "regimens")
    assert code == 0 and "…" not in out
    for summary, row in zip(summaries(), out.splitlines()[1:], strict=True):
        assert row.startswith(f"{summary.id} ") and row.endswith(f"  {summary.source}")


def test_show_in_words_and_day_by_day(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "aldesleukin-sc", "--start", "2027-01-04")
    assert code == 0
    assert "35-day cycles, repeated until stopped" in out
    assert "Phase 1 'Treatment': 35-day cycles, repeated until stopped" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("Aldesleukin  "))
    assert row.split() == ["Aldesleukin", "(not", "stated)", "SC", "09:00,", "over", "15", "min",
                           "1-5,", "8-12,", "15-19,", "22-26", "all"]  # fmt: skip
    assert "                   day  12345678901234567890123456789012345" in out
    assert "●●●●●··●●●●●··●●●●●··●●●●●·········" in out
    assert "Day  -1  Sun 3 Jan 2027  Blood test before the cycle (all day)" in out
    assert "Day   1  Mon 4 Jan 2027  Aldesleukin SC 09:00" in out
    assert "Day   6  Sat 9 Jan 2027  rest (days 6-7)" in out
    assert "Day  27  Sat 30 Jan 2027  rest (days 27-35)" in out


def test_plan_writes_an_ics_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    code, out, err = run(capsys, *PLAN, "--cycles", "2", "-o", str(target))
    assert (code, err) == (0, "")
    assert "44 doses" not in out and "40 doses in 2 cycles" in out
    calendar = icalendar.Calendar.from_ical(target.read_bytes())
    # 40 doses, 4 blood tests, 2 precautions and the day after the last dose to ask how long
    # contraception goes on.
    assert len(calendar.walk("VEVENT")) == 47


def test_plan_json_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *PLAN, "--cycles", "1", "--format", "json", "--time", "07:45")
    assert code == 0
    records = json.loads(out)["events"]
    doses = [r for r in records if r["kind"] == "dose"]
    assert doses[0]["start"] == "2027-01-04T07:45:00+00:00"
    assert {"kind", "start", "end", "cycle", "day", "title"} <= set(doses[0])


def test_plan_until(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, *PLAN, "--until", "2027-01-08", "--format", "json")
    assert code == 0
    starts = [r["start"][:10] for r in json.loads(out)["events"] if r["kind"] == "dose"]
    assert starts == ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08"]


def test_plan_ics_to_stdout_is_reproducible(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    outputs = []
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-m", "scheduler", *PLAN, "--cycles", "1", "-o", "-"],
            capture_output=True, check=True,
        )  # fmt: skip
        outputs.append(completed.stdout)
    assert outputs[0] == outputs[1]
    assert b"DTSTAMP:20270115T080000Z" in outputs[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["plan", "nope", "--start", "2027-01-04", "--cycles", "1", "--tz", "UTC"],
         "Error: unknown regimen 'nope' (bundled: "),
        ([*PLAN[:3], "2027-02-30", "--cycles", "1", "--tz", "UTC"],
         "Error: --start '2027-02-30' is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)"),
        ([*PLAN, "--until", "31/12/2027"], "Error: --until '31/12/2027' is not a real date"),
        (["plan", "aldesleukin-sc", "--start", "2027-01-04", "--tz", "Mars/Olympus", "--cycles", "1"],
         "Error: --tz: unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/London"),
        (PLAN, "Error: regimen 'aldesleukin-sc' repeats until stopped, so the plan needs a bound: "
               "a number of cycles or an end date (give --cycles N or --until YYYY-MM-DD)"),
        ([*PLAN, "--cycles", "0"], "Error: --cycles must be from 1 to 10,000, got 0"),
        ([*PLAN, "--cycles", "two"], "Error: Invalid value for '--cycles'"),
        ([*PLAN, "--cycles", "1", "--time", "25:00"], "Error: --time: '25:00' is not a time of day"),
        ([*PLAN, "--cycles", "1", "--format", "svg"], "Error: --format: unknown format 'svg' (allowed: ics, html, diary, json, csv, fhir, fhir-r4b, calendar, table)"),
        (["plan", "aldesleukin-sc", "--cycles", "1"], "Error: Missing option '--start' (the first day of cycle 1, YYYY-MM-DD)"),
        (["plan", str(TESTDATA / "invalid" / "day-past-cycle.toml"), "--start", "2027-01-04", "--tz", "UTC"],
         "day-past-cycle.toml:15: phases[0].doses[0].days: day 36 is past the end"),
        (["show", "nope"], "Error: unknown regimen 'nope'"),
        (["frobnicate"], "Error: No such command 'frobnicate'."),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    argv: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *argv)
    assert code in (1, 2)
    assert out == ""
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_existing_output_is_left_untouched_without_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "plan.ics"
    target.write_text("the nurse's earlier calendar")
    code, _, err = run(capsys, *PLAN, "--cycles", "1", "-o", str(target))
    assert code == 1
    assert (
        err
        == f"Error: {target} already exists and was left unchanged (use --force to replace it)\n"
    )
    assert target.read_text() == "the nurse's earlier calendar"
    code, _, _ = run(capsys, *PLAN, "--cycles", "1", "-o", str(target), "--force")
    assert code == 0
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\n")
    assert [p.name for p in tmp_path.iterdir()] == ["plan.ics"]  # no temporary file left


def test_failed_plan_writes_nothing(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    code, _, _ = run(capsys, *PLAN, "-o", str(target))  # no bound: fails before writing
    assert code == 1
    assert not target.exists()


def test_output_into_a_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, *PLAN, "--cycles", "1", "-o", str(tmp_path / "no" / "x.ics"))
    assert code == 1
    assert "the folder" in err and "does not exist" in err


def test_default_output_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, *PLAN, "--cycles", "1")
    assert code == 0
    assert out.startswith("Wrote aldesleukin-sc-2027-01-04.ics: 25 events, 20 doses in 1 cycle,")
    assert (tmp_path / "aldesleukin-sc-2027-01-04.ics").is_file()


def test_validate(capsys: pytest.CaptureFixture[str]) -> None:
    good = REPO / "regimens" / "aldesleukin-sc.toml"
    bad = TESTDATA / "invalid" / "time-25.toml"
    code, out, err = run(capsys, "validate", str(good), str(bad))
    assert code == 1
    assert out == f"ok: {good} (aldesleukin-sc)\n"
    assert err.startswith(f"Error: {bad}:16: phases[0].doses[0].time: '25:00' is not a time")
    assert run(capsys, "validate", str(good))[0] == 0


def test_every_command_has_help_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    import typer

    top = typer.main.get_command(app)
    names = sorted(top.commands)  # type: ignore[attr-defined]
    assert names == ["batch", "check", "course", "diff", "fhir", "plan", "publish", "regimens",
                     "schema", "serve", "show", "store", "users", "validate"]  # fmt: skip
    course = sorted(top.commands["course"].commands)  # type: ignore[attr-defined]
    assert course == ["close", "delay", "dose", "given", "hold", "missed", "new", "omit", "record",
                      "retime", "revoke-token", "rotate-token", "show", "stop", "switch", "url",
                      "withdraw"]  # fmt: skip
    fhir = sorted(top.commands["fhir"].commands)  # type: ignore[attr-defined]
    assert fhir == ["export-regimen", "import-regimen"]
    stores = sorted(top.commands["store"].commands)  # type: ignore[attr-defined]
    assert stores == ["export", "import"]
    users = sorted(top.commands["users"].commands)  # type: ignore[attr-defined]
    assert users == ["add", "disable", "list", "passwd"]
    paths = [[n] for n in names if n not in ("course", "fhir", "store", "users")]
    paths += [["course", n] for n in course] + [["fhir", n] for n in fhir]
    paths += [["store", n] for n in stores] + [["users", n] for n in users]
    for path in paths:
        code, out, _ = run(capsys, *path, "--help")
        assert code == 0
        assert f"Example: scheduler {' '.join(path)}" in " ".join(out.split()), path
        assert run(capsys, *path, "-h") == (0, out, "")


def test_help_names_what_to_give_not_python_types(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13: `check --help` showed `FILE.ics... <list[Path]>` and options `--start <str>`."""
    import re

    import typer

    top = typer.main.get_command(app)
    paths: list[list[str]] = [[]]
    for name, command in top.commands.items():  # type: ignore[attr-defined]
        paths.append([name])
        paths += [[name, sub] for sub in getattr(command, "commands", {})]
    assert len(paths) > 20
    for path in paths:
        code, out, _ = run(capsys, *path, "--help")
        assert code == 0, path
        placeholder = re.search(
            r"<[a-z][^>]*>|\b(TEXT|INTEGER|PATH|FLOAT|BOOLEAN)\b|\.\.\.}\.\.\.", out
        )
        assert placeholder is None, (path, placeholder)
    _, out, _ = run(capsys, "plan", "--help")
    for option in ("--start YYYY-MM-DD", "--cycles N", "--tz ZONE", "--time HH:MM", "--weight KG",
                   "--height CM", "-o, --output FILE"):  # fmt: skip
        assert option in out
    _, out, _ = run(capsys, "check", "--help")
    assert "Usage: scheduler check [OPTIONS] {FILE.ics...}\n" in out
    assert "\n  FILE.ics...  Calendar files." in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    code, out, err = run(capsys, "--version")
    assert (code, out, err) == (0, f"treatment-scheduler {version('treatment-scheduler')}\n", "")


@pytest.mark.parametrize("group", [[], ["course"], ["fhir"]])
def test_no_arguments_prints_the_help_and_exits_2(
    capsys: pytest.CaptureFixture[str], group: list[str]
) -> None:
    code, out, err = run(capsys, *group)
    assert (code, out) == (2, "")
    assert err.startswith(f"Usage: scheduler {' '.join([*group, ''])}[OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in err


def test_bare_python_dash_m_exits_2_with_the_help(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "scheduler"], capture_output=True, text=True,
                          cwd=tmp_path, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith("Usage: scheduler [OPTIONS] COMMAND [ARGS]...")


def test_python_dash_m_and_no_traceback_from_a_subprocess(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "plan", "aldesleukin-sc", "--start", "2027-13-01",
         "--tz", "UTC"],
        capture_output=True, text=True, cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stderr == (
        "Error: --start '2027-13-01' is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)\n"
    )


def test_plan_with_weight_and_height_shows_the_working(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "plan", "aldesleukin-hd-iv", "--start", "2027-01-04", "--tz", "Europe/London",
        "--weight", "70", "--format", "json",
    )  # fmt: skip
    assert code == 0
    document = json.loads(out)
    first = document["events"][0]
    assert first["amount"] == {"value": 42000000, "unit": "IU", "text": "42,000,000 IU"}
    assert first["amount_written"] == {"value": 600000, "unit": "IU/kg", "text": "600,000 IU/kg"}
    assert first["amount_working"].startswith("600,000 IU/kg × 70 kg = 42,000,000 IU.")
    description = "\n".join(document["descriptions"][i] for i in first["description"])
    assert "Working: 600,000 IU/kg × 70 kg = 42,000,000 IU." in description


def test_dubois_formula(capsys: pytest.CaptureFixture[str]) -> None:
    # DuBois: 0.007184 × 70^0.425 × 175^0.725 = 1.848 -> 1.85 m²; 80 mg/m² × 1.85 = 148 mg.
    code, out, _ = run(
        capsys, "plan", "paclitaxel-weekly-q28d", "--start", "2027-01-04", "--cycles", "1",
        "--tz", "Europe/London", "--weight", "70", "--height", "175", "--bsa", "dubois",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["events"][0]["amount"] == {"value": 148, "unit": "mg", "text": "148 mg"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--weight", "seventy"], "Error: --weight: 'seventy' is not a number of kg (e.g. 70)"),
        (["--weight", "70", "--height", "1.75m"], "Error: --height: '1.75m' is not a number of cm"),
        (["--height", "175"], "Error: --height: a height needs a weight too"),
        (["--weight", "700"], "Error: --weight 700 kg is outside 0.5 to 400 kg"),
        (["--weight", "70", "--height", "175", "--bsa", "haycock"], "Error: --bsa: unknown BSA formula 'haycock' (allowed: mosteller, dubois)"),
    ],
)  # fmt: skip
def test_bad_body_figures(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = run(capsys, *PLAN, "--cycles", "1", "--format", "json", *extra)
    assert code == 1 and out == ""
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize(
    ("regimen", "expected"),
    [
        ("mfolfox6", "Fluorouracil (5-FU)        2,400 mg/m²  IV     after Fluorouracil (5-FU) (fluorouracil-bolus), over 46 h"),
        ("r-chop-21", "Drug: Vincristine, intravenous (IV); at most 2 mg per dose"),
        ("aldesleukin-hd-iv", "every 8 h from 08:00, over 15 min, max 14 per cycle  15-19"),
        ("temozolomide-stupp", "Then 4 weeks without treatment."),
        ("pembrolizumab-q3w", "21-day cycles, repeated for up to 24 months"),
        ("methotrexate-weekly", "the regimen suggests Mondays"),
        ("palbociclib-fulvestrant", "cycles 2 onwards"),
        ("capecitabine-q21d", "08:00, 20:00, over 5 min"),
    ],
)  # fmt: skip
def test_show_writes_regimens_the_way_oncology_does(
    capsys: pytest.CaptureFixture[str], regimen: str, expected: str
) -> None:
    code, out, _ = run(capsys, "show", regimen)
    assert code == 0
    assert expected in out


def test_validate_plans_each_file_once(capsys: pytest.CaptureFixture[str]) -> None:
    bad = TESTDATA / "two-weekly-phases.toml"
    code, out, err = run(capsys, "validate", str(bad))
    assert (code, out) == (1, "")
    assert err == (
        f"Error: {bad}: a trial plan fails: Methotrexate doses on Sun 7 Jan 2001 at 09:00 and "
        "Mon 8 Jan 2001 at 09:00 are closer than the safety limit of 6 days\n"
    )


def test_plan_compact_form_reminders_and_label(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "plan.ics"
    code, _, err = run(
        capsys, *PLAN, "--cycles", "11", "--recurrence", "rrule", "--remind", "none",
        "--label", "J.S.; room 3, ward\\A", "-o", str(target),
    )  # fmt: skip
    assert (code, err) == (0, "")
    data = target.read_bytes()
    assert data.count(b"RRULE:FREQ=DAILY;INTERVAL=35;COUNT=11") == 20
    assert b"VALARM" not in data
    # vobject unescapes NAME and X-WR-CALNAME (icalendar 7 keeps both as unknown, raw values).
    calendar = vobject.readOne(data.decode("utf-8"))
    for prop in ("name", "x-wr-calname"):
        assert (
            calendar.contents[prop][0].value
            == "Aldesleukin (aldesleukin-sc) — J.S.; room 3, ward\\A"
        )
    assert b"NAME:Aldesleukin (aldesleukin-sc) \xe2\x80\x94 J.S.\\; room 3\\, ward\\\\A" in data


def test_no_label_leaves_it_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    target = tmp_path / "plan.ics"
    assert run(capsys, *PLAN, "--cycles", "1", "-o", str(target))[0] == 0
    assert (
        icalendar.Calendar.from_ical(target.read_bytes())["NAME"] == "Aldesleukin (aldesleukin-sc)"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--recurrence", "weekly"], "Error: --recurrence: unknown recurrence form 'weekly' (allowed: expand, rrule)"),
        (["--remind", "soon"], "Error: --remind: reminder 'soon': 'soon' is not a duration"),
    ],
)  # fmt: skip
def test_bad_export_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, extra: list[str], message: str
) -> None:
    code, _, err = run(capsys, *PLAN, "--cycles", "1", "-o", str(tmp_path / "x.ics"), *extra)
    assert code == 1 and err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "x.ics").exists()


def test_check_accepts_our_files_and_explains_problems_in_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ours = tmp_path / "ours.ics"
    assert run(capsys, *PLAN, "--cycles", "2", "--recurrence", "rrule", "-o", str(ours))[0] == 0
    code, out, err = run(capsys, "check", str(ours))
    assert (code, out, err) == (0, f"ok: {ours}\n", "")

    other = tmp_path / "other.ics"
    other.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\nMETHOD:REQUEST\r\n"
        b"BEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n"
        b"DTSTART;TZID=Europe/London:20270601T090000\r\nDTEND;TZID=Europe/London:20270601T080000\r\n"
        b"SUMMARY:Dose\r\nEND:VEVENT\r\n"
        b"BEGIN:VEVENT\r\nUID:2\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270601T090000\r\n"
        b"SUMMARY:Floating dose\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    code, out, err = run(capsys, "check", str(other))
    assert code == 1
    said = out + err
    assert (
        f"{other}: warning: METHOD:REQUEST makes Outlook treat the file as one invitation" in said
    )
    assert f"{other}: error: event 'Dose' ends before or when it starts" in said
    assert f"{other}: error: event 'Floating dose' has a floating time" in said
    assert f"{other}: error: TZID Europe/London is used but the file has no VTIMEZONE" in said


def test_a_nurse_records_a_delay_an_omission_and_a_christmas_closure(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    course = tmp_path / "js.toml"
    code, out, err = run(capsys, "course", "new", "aldesleukin-sc", "--start", "2027-01-04",
                         "--cycles", "11", "--tz", "Europe/London", "-o", str(course))  # fmt: skip
    assert (code, err) == (0, "") and out == f"Created {course}: 220 doses from 2027-01-04\n"
    assert run(capsys, "plan", str(course), "-o", str(tmp_path / "before.ics"))[0] == 0

    code, out, _ = run(capsys, "course", "delay", str(course), "--cycle", "2", "--days", "7",
                       "--reason", "neutrophils 0.9")  # fmt: skip
    assert code == 0
    assert out.splitlines()[0] == (
        f"Recorded in {course} (previous version: {course}.bak): cycle 2 and later cycles "
        "delayed by 7 days — neutrophils 0.9"
    )
    assert (
        "  Cycle 2 moves from Mon 8 Feb 2027 to Mon 15 Feb 2027: 20 doses and 2 blood tests shift by 7 days"
        in out
    )
    assert run(capsys, "course", "omit", str(course), "--cycle", "1", "--day", "3")[0] == 0
    # Christmas: the day -1 blood test of cycle 11 falls on Sunday 26 December 2027 (Boxing
    # Day), the day before cycle 11's first injection on Monday 27 December. A test placed before
    # its cycle stays before it: Saturday 25 is Christmas Day, so it moves to Friday 24 December
    # (issue 8, defect 2: it used to move to Wednesday 29 December, after the cycle had started).
    code, out, _ = run(capsys, "course", "close", str(course), "--holidays", "GB-ENG",
                       "--reason", "Christmas and bank holidays")  # fmt: skip
    assert code == 0
    assert (
        "Blood test before the cycle — cycle 11 moves from Sun 26 Dec 2027 to Fri 24 Dec 2027 (2 days earlier)"
        in out
    )

    after = tmp_path / "after.ics"
    assert run(capsys, "plan", str(course), "-o", str(after))[0] == 0
    code, out, _ = run(capsys, "diff", str(tmp_path / "before.ics"), str(after))
    assert code == 0
    assert out.splitlines()[0] == "Removed: Aldesleukin injection — cycle 1, day 3 (Wed 6 Jan 2027)"
    code, out, _ = run(capsys, "course", "show", str(course))
    assert (
        "Changes:\n  1. 2027-01-02 10:00 UTC: cycle 2 and later cycles delayed by 7 days — neutrophils 0.9"
        in out
    )
    assert "Now: 219 doses (1 removed by changes)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["delay", "{course}", "--cycle", "2", "--days", "0"], "Error: --days must be from 1 to 366, got 0"),
        (["delay", "{course}", "--cycle", "2"], "Error: give exactly one of --days D or --to YYYY-MM-DD"),
        (["delay", "{course}", "--cycle", "2", "--to", "2027-02-01"], "Error: --to: Mon 1 Feb 2027 is not after cycle 2's planned start (Mon 8 Feb 2027)"),
        (["omit", "{course}", "--cycle", "1", "--day", "6"], "refused: cycle 1, day 6 omitted (not replaced) changes nothing in the plan (cycle 1 has no dose on day 6)"),
        (["omit", "{course}", "--cycle", "9", "--day", "1"], "changes nothing in the plan (the plan has cycles 1 to 3 of phase 1)"),
        (["delay", "{course}", "--cycle", "4", "--days", "7"], "changes nothing in the plan (the plan has cycles 1 to 3 of phase 1)"),
        (["stop", "{course}", "--cycle", "3"], "changes nothing in the plan (cycle 3 is already the last)"),
        # Three cycles from Mon 4 Jan 2027: the last dose is day 26 of cycle 3, Fri 9 Apr 2027.
        (["stop", "{course}", "--after", "2027-06-01"], "changes nothing in the plan (the last dose is on Fri 9 Apr 2027)"),
        (["retime", "{course}", "--from", "2027-05-01", "--time", "18:00"], "(the last dose is on Fri 9 Apr 2027)"),
        (["retime", "{course}", "--from", "2027-02-01", "--time", "09:00"], "(the doses from then are already at 09:00)"),
        (["stop", "{course}"], "Error: give exactly one of --after YYYY-MM-DD or --cycle N"),
        (["close", "{course}", "--holidays", "GB-XX"], "Error: --holidays: unknown subdivision 'XX' of GB"),
        (["close", "{course}", "--weekday", "Funday"], "Error: --weekday: 'Funday' is not a weekday"),
        (["retime", "{course}", "--from", "2027-01-01", "--time", "08:00"], "before today (Sat 2 Jan 2027)"),
        (["show", "{missing}"], "no such file"),
    ],
)  # fmt: skip
def test_bad_course_edits_change_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    argv: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    course = tmp_path / "c.toml"
    assert run(capsys, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
               "--tz", "Europe/London", "-o", str(course))[0] == 0  # fmt: skip
    before = course.read_bytes()
    filled = [a.format(course=course, missing=tmp_path / "missing.toml") for a in argv]
    code, out, err = run(capsys, "course", *filled)
    assert code in (1, 2) and out == ""
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert course.read_bytes() == before
    assert not (tmp_path / "c.toml.bak").exists()


def test_plan_from_a_course_refuses_plan_options(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = tmp_path / "c.toml"
    assert run(capsys, "course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
               "--tz", "Europe/London", "-o", str(course))[0] == 0  # fmt: skip
    code, _, err = run(capsys, "plan", str(course), "--start", "2027-02-01")
    assert code == 1
    assert (
        err
        == f"Error: {course} is a course file: it sets --start itself (change the course with scheduler course ...)\n"
    )


def test_every_view_of_a_wednesday_start_says_wednesday(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 8, defect 3): ``show methotrexate-weekly --start 2026-12-09`` put day 1
    on Wednesday 9 December while ``plan`` put the first dose on Monday 14 December (the regimen's
    placeholder ``start_on = "Monday"`` overrode --start). Every view now says Wednesday 9, 16
    and 23 December 2026, and names the weekday."""
    monkeypatch.setenv("SCHEDULER_NOW", "2026-11-23T10:00:00Z")
    start = ["--start", "2026-12-09"]
    code, out, _ = run(capsys, "show", "methotrexate-weekly", *start)
    assert code == 0
    assert "Day 1: Wed 9 Dec 2026 (the start date given)" in out
    assert "Weekday: Wednesdays, the weekday of the start date" in out
    assert "Day   1  Wed 9 Dec 2026  Methotrexate 7.5 mg PO 09:00" in out
    plan = ["plan", "methotrexate-weekly", *start, "--cycles", "3", "--tz", "Europe/London"]
    code, out, _ = run(capsys, *plan, "--format", "json")
    document = json.loads(out)
    records = document["events"]
    assert [r["start"] for r in records if r["kind"] == "dose"] == [
        "2026-12-09T09:00:00+00:00", "2026-12-16T09:00:00+00:00", "2026-12-23T09:00:00+00:00",
    ]  # fmt: skip
    assert records[0]["title"] == "Methotrexate (ONCE WEEKLY) 7.5 mg — every Wednesday, week 1"
    lines = [document["descriptions"][i] for i in records[0]["description"]]
    assert any(line.startswith("When: Wed 9 Dec 2026 at 09:00") for line in lines)
    code, _, _ = run(capsys, *plan, "-o", str(tmp_path / "m.ics"))
    calendar = icalendar.Calendar.from_ical((tmp_path / "m.ics").read_bytes())
    assert [str(e.start.date()) for e in calendar.walk("VEVENT") if "Methotrexate" in str(e["SUMMARY"])] == [
        "2026-12-09", "2026-12-16", "2026-12-23",
    ]  # fmt: skip
    course = tmp_path / "m.toml"
    assert run(capsys, "course", "new", "methotrexate-weekly", *start, "--cycles", "3",
               "--tz", "Europe/London", "-o", str(course))[0] == 0  # fmt: skip
    code, out, _ = run(capsys, "course", "show", str(course))
    assert (
        "Wed 9 Dec 2026 09:00  Methotrexate (ONCE WEEKLY) 7.5 mg — every Wednesday, week 1" in out
    )


def test_omit_matches_a_drug_exactly_by_name_or_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Regression (issue 8, defect 5): ``--drug in`` omitted Doxorubicin and Vincristine by
    substring. R-CHOP day 1 from Monday 4 January 2027 gives five drugs; omitting Doxorubicin
    by its name leaves the other four."""
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    course = tmp_path / "r.toml"
    assert run(capsys, "course", "new", "r-chop-21", "--start", "2027-01-04", "--cycles", "1",
               "--tz", "Europe/London", "-o", str(course))[0] == 0  # fmt: skip
    code, out, err = run(capsys, "course", "omit", str(course), "--cycle", "1", "--day", "1",
                         "--drug", "Doxorubicin")  # fmt: skip
    assert (code, err) == (0, "")
    assert "cycle 1, day 1 (doxorubicin) omitted (not replaced)" in out
    code, out, _ = run(capsys, "plan", str(course), "--format", "json")
    records = [r for r in json.loads(out)["events"] if r["kind"] == "dose" and r["day"] == 1]
    live = sorted(r["drug"] for r in records if r["status"] == "confirmed")
    assert live == ["Cyclophosphamide", "Prednisone", "Rituximab", "Vincristine"]
    assert [r["drug"] for r in records if r["status"] == "cancelled"] == ["Doxorubicin"]


def test_an_unreadable_file_in_check_is_an_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Regression (issue 8, defect 10): check's unreadable-file messages lacked ``Error:``."""
    code, out, err = run(capsys, "check", str(tmp_path / "missing.ics"))
    assert (code, out) == (1, "")
    assert err == f"Error: {tmp_path / 'missing.ics'}: no such file\n"


def test_counts_of_one_read_as_one(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 13: messages said "line(s)" and would say "1 doses"; counts go through plural()."""
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")
    course = tmp_path / "m.toml"
    code, out, _ = run(capsys, "course", "new", "methotrexate-weekly", "--start", "2027-01-04",
                       "--cycles", "1", "--tz", "Europe/London", "-o", str(course))  # fmt: skip
    assert (code, out) == (0, f"Created {course}: 1 dose from 2027-01-04\n")
    code, out, _ = run(capsys, "course", "show", str(course))
    assert code == 0 and "Now: 1 dose" in out and "Now: 1 doses" not in out
    code, out, _ = run(capsys, "show", "aldesleukin-hd-iv")
    assert "Phase 1 'Course': 19-day cycles, 1 cycle\n" in out
    odd = tmp_path / "odd.ics"
    odd.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//other//EN\r\n"
        b"X-NOTE:" + b"x" * 80 + b"\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTAMP:20260101T000000Z\r\n"
        b"DTSTART;VALUE=DATE:20270601\r\nSUMMARY:Test\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    _, out, err = run(capsys, "check", str(odd))
    said = out + err
    assert "1 line ending in LF alone" in said
    assert "1 line longer than 75 octets (first: line 4)" in said


def test_rrule_summary_says_what_was_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 13: with --recurrence rrule the summary said 244 events when 44 VEVENTs were
    written. aldesleukin-sc, 11 cycles: 220 injections, whose 20 slots a cycle (days 1-5, 8-12,
    15-19, 22-26) each repeat every 35 days as one series; so 200 fewer entries than events."""
    import re

    series, expanded = tmp_path / "series.ics", tmp_path / "expanded.ics"
    code, out, err = run(capsys, *PLAN, "--cycles", "11", "--recurrence", "rrule", "-o",
                         str(series))  # fmt: skip
    assert (code, err) == (0, "")
    said = re.fullmatch(
        rf"Wrote {re.escape(str(series))}: (\d+) events as (\d+) calendar entries \(repeating "
        r"doses as series\), 220 doses in 11 cycles, 2027-01-03 to .*\n",
        out,
    )
    assert said is not None, out
    events, entries = int(said[1]), int(said[2])
    assert entries == events - 200
    assert len(icalendar.Calendar.from_ical(series.read_bytes()).walk("VEVENT")) == entries
    code, out, _ = run(capsys, *PLAN, "--cycles", "11", "-o", str(expanded))
    assert out.startswith(f"Wrote {expanded}: {events} events, 220 doses in 11 cycles,")
    assert len(icalendar.Calendar.from_ical(expanded.read_bytes()).walk("VEVENT")) == events


def test_a_long_expanded_plan_warns_about_googles_limit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 13: an expanded .ics past ~1 MB is cut short by Google's import and subscription;
    say so once, on stderr, and still succeed. 60 cycles of aldesleukin-sc are about 1.5 MB."""
    target = tmp_path / "long.ics"
    code, out, err = run(capsys, *PLAN, "--cycles", "60", "-o", str(target))
    assert code == 0 and out.startswith(f"Wrote {target}: ")
    assert ", 1200 doses in 60 cycles, " in out
    assert target.stat().st_size > 1_000_000
    assert err.count("\n") == 1
    assert err.startswith(f"Warning: {target} is 1.5 MB; Google Calendar reads about 1 MB")
    assert "--recurrence rrule" in err
    code, _, err = run(capsys, *PLAN, "--cycles", "60", "-o", str(target), "--force",
                       "--recurrence", "rrule")  # fmt: skip
    assert (code, err) == (0, "") and target.stat().st_size < 200_000
    code, _, err = run(capsys, *PLAN, "--cycles", "2", "-o", str(target), "--force")
    assert (code, err) == (0, "")


def test_the_patients_zone_is_never_this_machines_by_accident(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Issue 13: without --tz a UTC server planned a London patient's 08:30 dose at 09:30 in
    summer, silently (with --format json or -o - nothing even said which zone was used)."""
    for argv in (["plan", "aldesleukin-sc", "--start", "2027-06-07", "--cycles", "1", "-o", "-"],
                 ["course", "new", "aldesleukin-sc", "--start", "2027-06-07", "--cycles", "1",
                  "-o", str(tmp_path / "c.toml")]):  # fmt: skip
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "")
        assert err.startswith(
            "Error: give the patient's time zone with --tz, e.g. --tz Europe/London, or use "
            "this machine's with --local-zone"
        )
    assert not (tmp_path / "c.toml").exists()
    code, _, err = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-06-07", "--cycles", "1",
                       "--tz", "UTC", "--local-zone", "-o", "-")  # fmt: skip
    assert code == 1 and "give --tz or --local-zone, not both" in err
    code, out, _ = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-06-07", "--cycles", "1",
                       "--local-zone", "--format", "json")  # fmt: skip
    assert code == 0 and out.strip(), err


def test_unknown_names_suggest_what_was_meant(capsys: pytest.CaptureFixture[str]) -> None:
    """A regimen named without its schedule suffix, a city for a zone: the one line says what
    was probably meant."""
    code, _, err = run(capsys, "plan", "docetaxel", "--start", "2027-01-04", "--tz", "UTC",
                       "--cycles", "1")  # fmt: skip
    assert code == 1
    assert err.startswith(
        "Error: unknown regimen 'docetaxel' (did you mean docetaxel-q21d? bundled:"
    )
    code, _, err = run(capsys, "plan", "folfox6", "--start", "2027-01-04", "--tz", "UTC")
    assert code == 1 and "(did you mean mfolfox6? bundled:" in err
    code, _, err = run(capsys, *PLAN, "--cycles", "1", "--format", "pdf")
    assert code == 1 and err.endswith("; for a PDF, write html and print it from a browser)\n")
    for typed, meant in (("london", "Europe/London"), ("new york", "America/New_York"),
                         ("Kolkata", "Asia/Kolkata")):  # fmt: skip
        code, _, err = run(capsys, *PLAN[:4], "--tz", typed, "--cycles", "1", "-o", "-")
        assert code == 1 and err.endswith(f"did you mean {meant}?)\n"), err


def test_show_says_what_closed_days_move_as_plan_moves_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """show and plan agree with the same closures. aldesleukin-sc from Mon 4 Jan 2027 with
    weekends and England's holidays closed: the day -1 test moves from Sun 3 Jan to Thu 31 Dec
    2026 (Sat 2 Jan closed, Fri 1 Jan New Year's Day). mFOLFOX6 from Mon 27 Dec 2027: 27 and 28
    Dec are England's Christmas and Boxing Day holidays (observed), so cycle 1 starts on Wed 29
    Dec, its 4 doses and the pump disconnection with it."""
    code, out, err = run(capsys, "show", "aldesleukin-sc", "--start", "2027-01-04",
                         "--holidays", "GB-ENG", "--closed", "Saturday", "--closed", "Sunday")  # fmt: skip
    assert (code, err) == (0, "")
    tail = out.split("On closed clinic days in cycle 1")[1].splitlines()[1:]
    assert tail == [
        "  Blood test before the cycle — cycle 1 moves from Sun 3 Jan 2027 to Thu 31 Dec 2026 "
        "(3 days earlier)",
        "  Closed: Sun 3 Jan 2027 (closed on Sundays)",
    ]
    code, out, err = run(
        capsys, "show", "mfolfox6", "--start", "2027-12-27", "--holidays", "GB-ENG"
    )
    assert (code, err) == (0, "")
    tail = out.split("On closed clinic days in cycle 1")[1].splitlines()[1:]
    assert tail == [
        "  Cycle 1 moves from Mon 27 Dec 2027 to Wed 29 Dec 2027: 4 doses and 1 appointment shift "
        "by 2 days",
        "  Closed: Mon 27 Dec 2027 (Christmas Day (observed))",
    ]
    code, out, _ = run(capsys, "plan", "mfolfox6", "--start", "2027-12-27", "--tz", "Europe/London",
                       "--cycles", "1", "--holidays", "GB-ENG", "--format", "json")  # fmt: skip
    assert code == 0
    doses = [e["start"][:10] for e in json.loads(out)["events"] if e["kind"] == "dose"]
    assert doses == ["2027-12-29"] * 4
    code, out, _ = run(capsys, "show", "mfolfox6", "--start", "2027-12-20", "--holidays", "GB-ENG")
    assert code == 0 and "  nothing of cycle 1 falls on a closed day" in out
    code, _, err = run(capsys, "show", "mfolfox6", "--closed", "Sunday")
    assert (
        code == 1 and err == "Error: --holidays and --closed need --start: they move dated days\n"
    )


def test_plan_moves_tests_off_closed_clinic_days(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 13: every pre-cycle test of aldesleukin-sc from Mon 4 Jan 2027 fell on a Sunday.
    With weekends and England's holidays closed, cycle 1's day -1 test moves from Sun 3 Jan past
    Sat 2 Jan and New Year's Day (Fri 1 Jan) to Thu 31 Dec 2026; cycle 2's from Sun 7 Feb to
    Fri 5 Feb; the day 15 tests (Mondays) stay; the home injections do not move."""
    code, out, err = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "2",
                         "--tz", "Europe/London", "--closed", "Saturday", "--closed", "Sunday",
                         "--holidays", "GB-ENG", "--format", "json")  # fmt: skip
    assert (code, err) == (0, "")
    document = json.loads(out)
    events = document["events"] if isinstance(document, dict) else document
    labs = [e["start"] for e in events if e["kind"] == "lab"]
    assert labs == ["2026-12-31", "2027-01-18", "2027-02-05", "2027-02-22"]
    doses = [e["start"][:10] for e in events if e["kind"] == "dose"]
    assert doses[0] == "2027-01-04" and len(doses) == 40
    code, _, err = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                       "--tz", "UTC", "--closed", "Caturday")  # fmt: skip
    assert code == 1 and err.startswith("Error: --closed: 'Caturday' is not a weekday")


BAD_UTF8 = "ab\udcff"
"""What Python makes of the bytes ``ab\\xff`` on a command line (not UTF-8: a lone surrogate)."""
SURROGATE_LINE = (
    "contains a lone surrogate \\udcff at character 3, which is not a character (the text was "
    "cut or mis-encoded: give UTF-8 text)"
)


@pytest.mark.parametrize("fmt", ["ics", "json", "html", "diary", "csv", "fhir"])
def test_a_label_that_is_not_utf8_is_one_line_in_every_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, fmt: str
) -> None:
    """Issue 19, item 10: ``--label $'ab\\xff'`` ended in 'internal error (UnicodeEncodeError)'
    when the calendar was written."""
    target = tmp_path / f"plan.{fmt}"
    code, out, err = run(capsys, *PLAN, "--cycles", "1", "--label", BAD_UTF8, "--format", fmt,
                         "-o", str(target))  # fmt: skip
    assert (code, out) == (1, "")
    assert err == f"Error: --label {SURROGATE_LINE}\n"
    assert not target.exists()


def test_course_texts_that_are_not_utf8_are_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = tmp_path / "js.toml"
    new = ["course", "new", "aldesleukin-sc", "-o", str(course), "--start", "2027-01-04",
           "--cycles", "2", "--tz", "Europe/London"]  # fmt: skip
    assert run(capsys, *new, "--label", BAD_UTF8) == (1, "", f"Error: --label {SURROGATE_LINE}\n")
    assert not course.exists()
    assert run(capsys, *new)[0] == 0
    before = course.read_bytes()
    code, out, err = run(capsys, "course", "delay", str(course), "--cycle", "2", "--days", "3",
                         "--reason", BAD_UTF8)  # fmt: skip
    assert (code, out, err) == (1, "", f"Error: --reason {SURROGATE_LINE}\n")
    assert course.read_bytes() == before
