"""Batch planning (scheduler/batch.py, ``scheduler batch``): every row planned exactly as
``scheduler plan`` plans it, a bad row reported on its own line without stopping the others, and
a plans file that cannot be used as a whole refused before anything is written.

Expected dates are written by hand from the published schedule: aldesleukin SC from Monday
4 January 2027 gives doses on 4-8, 11-15, 18-22 and 25-29 January (5 days on, 2 off, for four
weeks), a week off, and cycle 2 from Monday 8 February 2027.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from scheduler.batch import MAX_ROWS, read_plans, run
from scheduler.cli import main
from scheduler.errors import PlansError
from tests.test_hostile import FIFO, _make, assert_refused, scheduler, snapshot, sparse
from tests.test_resources import LIMIT_BYTES, PEAK_KB, WRAPPER

EPOCH = "1800000000"
STAMP = datetime.fromtimestamp(int(EPOCH), UTC)

REGIMEN = """\
id = "weekly-tablet"
name = "One tablet on day 1 of a 7-day cycle"
indication = "Test fixture"
source = "treatment-scheduler batch tests"

[drugs.tablet]
name = "Tablet"
route = "oral"

[[phases]]
cycle_days = 7
cycles = 2

[[phases.doses]]
days = "1"
time = "08:00"
duration = "5m"
"""


def batch(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[str], list[str]]:
    code = main(["batch", *argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err.splitlines()


def plan_bytes(capsys: pytest.CaptureFixture[str], target: Path, *argv: str) -> bytes:
    """What ``scheduler plan ARGV -o TARGET`` writes."""
    code = main(["plan", *argv, "-o", str(target)])
    _, err = capsys.readouterr()
    assert (code, err) == (0, "")
    return target.read_bytes()


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")


# -- hand-written dates --------------------------------------------------------------------


def test_aldesleukin_from_monday_4_january_2027_by_hand(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "plans.csv").write_text(
        "regimen,start,zone,cycles,format,output\n"
        "aldesleukin-sc,2027-01-04,Europe/London,2,json,js.json\n"
    )
    code, out, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, [])
    assert out == [f"Planned 1, failed 0, written to {tmp_path / 'out'}"]
    records = json.loads((tmp_path / "out" / "js.json").read_text())["events"]
    doses = [r for r in records if r["kind"] == "dose"]
    cycle1 = [r["start"][:10] for r in doses if r["cycle"] == 1]
    assert cycle1 == [
        "2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08",
        "2027-01-11", "2027-01-12", "2027-01-13", "2027-01-14", "2027-01-15",
        "2027-01-18", "2027-01-19", "2027-01-20", "2027-01-21", "2027-01-22",
        "2027-01-25", "2027-01-26", "2027-01-27", "2027-01-28", "2027-01-29",
    ]  # fmt: skip
    cycle2 = [r["start"] for r in doses if r["cycle"] == 2]
    assert cycle2[0] == "2027-02-08T09:00:00+00:00"  # Monday 8 February 2027, GMT
    assert len(cycle2) == 20


def test_plan_ids_keep_two_patients_on_one_regimen_and_start_apart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Two patients, aldesleukin-sc from the same Monday: without plan ids their events would
    share UIDs in one clinic calendar; with them, none do, and each is what plan writes."""
    (tmp_path / "plans.csv").write_text(
        "regimen,start,zone,cycles,plan_id,output\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,MRN-001,a.ics\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,MRN-002,b.ics\n"
    )
    code, _, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, [])
    a, b = ((tmp_path / "out" / f).read_bytes() for f in ("a.ics", "b.ics"))
    uids = [{line for line in x.split(b"\r\n") if line.startswith(b"UID:")} for x in (a, b)]
    assert len(uids[0]) == 25 and not uids[0] & uids[1]  # 20 doses, 2 tests, 2 precautions, 1 ask
    assert a == plan_bytes(capsys, tmp_path / "p.ics", "aldesleukin-sc", "--start", "2027-01-04",
                           "--tz", "Europe/London", "--cycles", "1", "--plan-id", "MRN-001")  # fmt: skip


# -- mixed good and bad rows --------------------------------------------------------------

CSV = """\
regimen,start,zone,label,cycles,until,time,weight,height,output,format
aldesleukin-sc,2027-01-04,Europe/London,J S,4,,,,,,
aldesleukin-sc,2027-02-30,Europe/London,,4,,,,,,
r-chop-21,2027-01-04,America/New_York,A B,,,,70,175,,
aldesleukin-sc,2027-01-04,Europe/Londn,,4,,,,,,
aldesleukin,2027-01-04,Europe/London,,4,,,,,,
aldesleukin-sc,2027-01-04,Europe/London,,,,,,,,
aldesleukin-sc,2027-01-04,Europe/London,C D,0,,,,,,
"weekly.toml",2027-01-06,Australia/Sydney,,,,07:30,,,tablet.ics,
aldesleukin-sc,2027-01-04,,,4,,,,,,
methotrexate-weekly,2027-01-04,Asia/Kolkata,,3,,,,,mtx.json,json
"""


def test_csv_good_rows_written_as_plan_writes_them_bad_rows_reported(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "plans.csv").write_text(CSV)
    (tmp_path / "weekly.toml").write_text(REGIMEN)
    out_dir = tmp_path / "out"
    code, out, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(out_dir))
    plans = tmp_path / "plans.csv"
    assert err == [
        f"{plans}:3: start: '2027-02-30' is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)",
        f"{plans}:5: zone: unknown time zone 'Europe/Londn' (use an IANA name such as "
        "Europe/London or America/New_York; did you mean Europe/London, Europe/Lisbon, Europe/Vienna?)",
        f"{plans}:6: regimen: unknown regimen 'aldesleukin' (did you mean aldesleukin-hd-iv, "
        "aldesleukin-sc, aldesleukin-sc-18-9? bundled: " + err[2].split(" bundled: ")[-1],
        f"{plans}:7: regimen 'aldesleukin-sc' repeats until stopped, so the plan needs a bound: "
        "a number of cycles or an end date (give cycles or until)",
        f"{plans}:8: cycles: must be from 1 to 10,000, got 0",
        f"{plans}:10: zone: required with a regimen: the patient's IANA time zone, e.g. "
        "Europe/London (never this machine's zone)",
    ]
    assert out == [f"Planned 4, failed 6, written to {out_dir}"]
    assert code == 1
    assert sorted(p.name for p in out_dir.iterdir()) == ["A-B.ics", "J-S.ics", "mtx.json", "tablet.ics"]  # fmt: skip

    expected = tmp_path / "expected"
    expected.mkdir()
    start = ["--start", "2027-01-04"]
    assert (out_dir / "J-S.ics").read_bytes() == plan_bytes(
        capsys, expected / "js.ics", "aldesleukin-sc", *start, "--tz", "Europe/London",
        "--cycles", "4", "--label", "J S",
    )  # fmt: skip
    assert (out_dir / "A-B.ics").read_bytes() == plan_bytes(
        capsys, expected / "ab.ics", "r-chop-21", *start, "--tz", "America/New_York",
        "--weight", "70", "--height", "175", "--label", "A B",
    )  # fmt: skip
    assert (out_dir / "tablet.ics").read_bytes() == plan_bytes(
        capsys, expected / "tablet.ics", str(tmp_path / "weekly.toml"), "--start", "2027-01-06",
        "--tz", "Australia/Sydney", "--time", "07:30",
    )  # fmt: skip
    assert (out_dir / "mtx.json").read_bytes() == plan_bytes(
        capsys, expected / "mtx.json", "methotrexate-weekly", *start, "--tz", "Asia/Kolkata",
        "--cycles", "3", "--format", "json",
    )  # fmt: skip


TOML = """\
[[plans]]
regimen = "aldesleukin-sc"
start = 2027-01-04
zone = "Europe/London"
cycles = 4
label = "J S"

[[plans]]
regimen = "aldesleukin-sc"
start = "2027-01-04"
zone = "Europe/London"
cycles = "four"

[[plans]]
regimen = "sub/weekly.toml"
start = 2027-01-06
zone = "Australia/Sydney"
time = "07:30"
output = "tablet.ics"

[[plans]]
course = "js.toml"
start = 2027-01-04

[[plans]]
course = "js.toml"
label = "from the course"

[[plans]]
regimen = "r-chop-21"
start = 2027-01-04
zone = "Europe/London"
weight = 70
height = 2500
"""


def test_toml_good_rows_written_bad_rows_reported_by_index_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "weekly.toml").write_text(REGIMEN)
    course = tmp_path / "js.toml"
    assert main(["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "3",
                 "--tz", "Europe/London", "-o", str(course)]) == 0  # fmt: skip
    (tmp_path / "plans.toml").write_text(TOML)
    capsys.readouterr()
    out_dir = tmp_path / "out"
    # From another folder: paths in the plans file are relative to the plans file.
    code, out, err = batch(capsys, str(tmp_path / "plans.toml"), "-o", str(out_dir), "--jobs", "1")
    plans = tmp_path / "plans.toml"
    assert err == [
        f"{plans}:12: plans[1].cycles: expected a whole number, got 'four'",
        f"{plans}:23: plans[3].start: a course file sets its own start: leave it empty in a course row",
        f"{plans}:34: plans[5].height: height 2500 cm is outside 30 to 250 cm",
    ]
    assert out == [f"Planned 3, failed 3, written to {out_dir}"]
    assert code == 1
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["J-S.ics", "from-the-course.ics", "tablet.ics"]
    expected = tmp_path / "expected"
    expected.mkdir()
    assert (out_dir / "from-the-course.ics").read_bytes() == plan_bytes(
        capsys, expected / "c.ics", str(course), "--label", "from the course"
    )
    assert (out_dir / "tablet.ics").read_bytes() == plan_bytes(
        capsys, expected / "t.ics", str(tmp_path / "sub" / "weekly.toml"), "--start",
        "2027-01-06", "--tz", "Australia/Sydney", "--time", "07:30",
    )  # fmt: skip


def test_an_existing_calendar_is_a_row_failure_unless_force(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "plans.csv").write_text(
        "regimen,start,zone,cycles,output,plan_id\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,a.ics,P1\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,b.ics,P2\n"
    )
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / "a.ics").write_text("kept")
    code, out, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(out_dir))
    assert code == 1
    assert err == [
        f"{tmp_path / 'plans.csv'}:2: {out_dir / 'a.ics'} already exists and was left "
        "unchanged (use --force to replace it)"
    ]
    assert out == [f"Planned 1, failed 1, written to {out_dir}"]
    assert (out_dir / "a.ics").read_text() == "kept"
    code, out, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(out_dir), "--force")
    assert (code, err) == (0, [])
    assert (out_dir / "a.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert [p.name for p in out_dir.iterdir() if p.name.startswith(".")] == []


def test_default_names_from_label_or_regimen_start_and_row(tmp_path: Path) -> None:
    (tmp_path / "plans.csv").write_text(
        "regimen,start,zone,cycles,label,format\n"
        "aldesleukin-sc,2027-01-04,UTC,1,José García (2),\n"
        "aldesleukin-sc,2027-01-04,UTC,1,,json\n"
        "aldesleukin-sc,2027-01-04,UTC,1,???,\n"
    )
    rows = read_plans(tmp_path / "plans.csv").rows
    assert [row.output for row in rows] == [
        "Jose-Garcia-2.ics",
        "aldesleukin-sc-2027-01-04-row2.json",
        "aldesleukin-sc-2027-01-04-row3.ics",
    ]


def test_outcomes_come_back_in_file_order_from_parallel_workers(tmp_path: Path) -> None:
    lines = ["regimen,start,zone,cycles"]
    lines += [f"aldesleukin-sc,2027-01-{day:02d},UTC,1" for day in range(1, 29)]
    lines.insert(10, "aldesleukin-sc,2027-01-99,UTC,1")
    (tmp_path / "plans.csv").write_text("\n".join(lines) + "\n")
    plans = read_plans(tmp_path / "plans.csv")
    outcomes = list(run(plans, tmp_path / "out", stamp=STAMP, jobs=3))
    assert [o.row.number for o in outcomes] == list(range(1, 30))
    assert [o.ok for o in outcomes].count(False) == 1
    assert outcomes[9].error.startswith(f"{tmp_path / 'plans.csv'}:11: start: '2027-01-99'")
    assert "times in UTC; no patient identity" in outcomes[0].summary
    assert len(list((tmp_path / "out").iterdir())) == 28


def test_a_regimen_row_with_a_course_file_and_the_reverse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = tmp_path / "c.toml"
    assert main(["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                 "--tz", "UTC", "-o", str(course)]) == 0  # fmt: skip
    (tmp_path / "r.toml").write_text(REGIMEN)
    (tmp_path / "plans.csv").write_text(
        "regimen,course,start,zone\nc.toml,,2027-01-04,UTC\n,r.toml,,\nr.toml,c.toml,,\n"
    )
    capsys.readouterr()
    code, _, err = batch(capsys, str(tmp_path / "plans.csv"), "-o", str(tmp_path / "out"))
    plans = tmp_path / "plans.csv"
    assert code == 1
    assert err == [
        f"{plans}:2: {course}: is a course file: give it in the course column",
        f"{plans}:3: {tmp_path / 'r.toml'}: is not a course file (a regimen file goes in the "
        "regimen column)",
        f"{plans}:4: give a regimen or a course, not both",
    ]


# -- the plans file refused as a whole -----------------------------------------------------

GOOD = "regimen,start,zone,cycles\naldesleukin-sc,2027-01-04,UTC,1\n"
BATCH = ["batch", "plans.csv", "-o", "out"]

CASES: dict[str, tuple[list[str], str, dict[str, object]]] = {
    "fifo": (["batch", "pipe.csv", "-o", "out"], "pipe.csv: is a named pipe (FIFO), not a plans file", {"pipe.csv": FIFO}),
    "huge": (BATCH, "plans.csv: is larger than 16,000,000 bytes", {"plans.csv": sparse(5_000_000_000)}),
    "device": (["batch", "/dev/zero", "-o", "out"], "a plans file must be named .csv or .toml", {}),
    "missing": (["batch", "nothing.csv", "-o", "out"], "nothing.csv: no such file", {}),
    "not-utf8": (BATCH, "plans.csv: is not UTF-8 text", {"plans.csv": GOOD.replace("UTC", "Café").encode("latin-1")}),
    "empty": (BATCH, "plans.csv: holds no plans: the file is empty", {"plans.csv": ""}),
    "header-only": (BATCH, "plans.csv: holds no plans", {"plans.csv": "regimen,start,zone\n"}),
    "unknown-column": (BATCH, "plans.csv:1: unknown column 'timezone' (did you mean 'zone'?", {"plans.csv": GOOD.replace("zone", "timezone")}),
    "column-twice": (BATCH, "plans.csv:1: the column 'start' is named twice", {"plans.csv": "regimen,start,start,zone\n"}),
    "no-zone-column": (BATCH, "plans.csv:1: no zone column: a row with a regimen needs the patient's time zone", {"plans.csv": "regimen,start\naldesleukin-sc,2027-01-04\n"}),
    "bad-quoting": (BATCH, "plans.csv:2: not valid CSV", {"plans.csv": 'regimen,start,zone\n"aldesleukin-sc"x,2027-01-04,UTC\n'}),
    "too-many-rows": (BATCH, f"plans.csv:{MAX_ROWS + 2}: more than 100,000 plans: split the file", {"plans.csv": "regimen,start,zone\n" + "x,y,z\n" * (MAX_ROWS + 1)}),
    "toml-too-many-rows": (["batch", "p.toml", "-o", "out"], "p.toml:400001: more than 100,000 plans: split the file", {"p.toml": '[[plans]]\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\nzone = "UTC"\n' * (MAX_ROWS + 1)}),
    "duplicate-output": (BATCH, "plans.csv:3: output: writes 'A.ICS', the same file as line 2 ('a.ics') where case is ignored", {"plans.csv": "regimen,start,zone,output\n" + "aldesleukin-sc,2027-01-04,UTC,a.ics\n" + "aldesleukin-sc,2027-02-01,UTC,A.ICS\n"}),
    "duplicate-label": (BATCH, "plans.csv:3: output: writes 'J-S.ics', as line 2 does", {"plans.csv": "regimen,start,zone,cycles,label\n" + "aldesleukin-sc,2027-01-04,UTC,1,J S\n" * 2}),
    "output-traversal": (BATCH, "plans.csv:2: output: '../escape.ics' names a path, not a file", {"plans.csv": "regimen,start,zone,output\naldesleukin-sc,2027-01-04,UTC,../escape.ics\n"}),
    "output-absolute": (BATCH, "plans.csv:2: output: '/tmp/x.ics' names a path", {"plans.csv": "regimen,start,zone,output\naldesleukin-sc,2027-01-04,UTC,/tmp/x.ics\n"}),
    "output-dotdot": (BATCH, "plans.csv:2: output: '..' starts with a dot", {"plans.csv": "regimen,start,zone,output\naldesleukin-sc,2027-01-04,UTC,..\n"}),
    "output-replaces-plans": (["batch", "plans.csv", "-o", ".", "--force"], "plans.csv:2: output: 'plans.csv' would replace a file this batch reads", {"plans.csv": "regimen,start,zone,cycles,output\naldesleukin-sc,2027-01-04,UTC,1,plans.csv\n"}),
    "output-is-a-file": (["batch", "plans.csv", "-o", "plan.ics"], "plan.ics is not a folder", {"plans.csv": GOOD}),
    "wrong-extension": (["batch", "plans.txt", "-o", "out"], "a plans file must be named .csv or .toml", {"plans.txt": GOOD}),
    "toml-syntax": (["batch", "p.toml", "-o", "out"], "p.toml:1: not valid TOML", {"p.toml": "[[plans]\nregimen = 1\n"}),
    "toml-unknown-key": (["batch", "p.toml", "-o", "out"], "p.toml:3: plans[0].zon: unknown field 'zon' (did you mean 'zone'?", {"p.toml": '[[plans]]\nregimen = "aldesleukin-sc"\nzon = "UTC"\n'}),
    "toml-top-level-key": (["batch", "p.toml", "-o", "out"], "p.toml:1: zone: unknown field 'zone'", {"p.toml": 'zone = "UTC"\n[[plans]]\nregimen = "aldesleukin-sc"\n'}),
    "toml-no-plans": (["batch", "p.toml", "-o", "out"], "p.toml: holds no plans", {"p.toml": "# nothing\n"}),
    "toml-output-traversal": (["batch", "p.toml", "-o", "out"], "p.toml:5: plans[0].output: '../../x.ics' names a path", {"p.toml": '[[plans]]\nregimen = "aldesleukin-sc"\nstart = 2027-01-04\nzone = "UTC"\noutput = "../../x.ics"\n'}),
    "jobs-zero": ([*BATCH, "--jobs", "0"], "Invalid value for '--jobs'", {"plans.csv": GOOD}),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unusable_plans_file_is_refused_and_nothing_written(name: str, tmp_path: Path) -> None:
    argv, expect, files = CASES[name]
    _make(tmp_path, files)
    before = snapshot(tmp_path)
    result = scheduler(argv, tmp_path)
    assert_refused(result, 2, expect)
    assert result.stdout == ""
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name", ["huge", "too-many-rows", "toml-too-many-rows"])
def test_refused_within_a_memory_limit(name: str, tmp_path: Path) -> None:
    """Too many rows is found before the rows are kept (or, in TOML, parsed)."""
    import os
    import subprocess
    import sys

    argv, expect, files = CASES[name]
    _make(tmp_path, files)
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, str(LIMIT_BYTES), sys.executable, "-m", "scheduler", *argv],
        cwd=tmp_path, env={**os.environ, "TZ": "UTC"}, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    peak_kb = int(done.stdout.strip().splitlines()[-1])
    assert_refused(done, 2, expect)
    assert peak_kb < PEAK_KB, f"peak {peak_kb:,} kB"


def test_a_terminal_gets_a_progress_bar_and_a_pipe_only_the_summary(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    import os
    import subprocess
    import sys

    (tmp_path / "plans.csv").write_text(GOOD + "aldesleukin-sc,2027-01-99,UTC,1\n")
    piped = scheduler(BATCH, tmp_path)
    assert piped.stderr == "plans.csv:3: start: '2027-01-99' is not a real date (write YYYY-MM-DD, e.g. 2027-01-04)\n"  # fmt: skip
    assert piped.stdout == "Planned 1, failed 1, written to out\n"
    assert piped.returncode == 1

    leader, follower = pty.openpty()
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "COLUMNS": "100", "TERM": "xterm"}
    done = subprocess.run([sys.executable, "-m", "scheduler", "batch", "plans.csv", "-o", "tty", "--force"],
                          cwd=tmp_path, env=env, stderr=follower, stdout=subprocess.PIPE,
                          text=True, timeout=60, check=False)  # fmt: skip
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert done.returncode == 1
    assert done.stdout == "Planned 1, failed 1, written to tty\n"
    assert b"Planning" in shown and b"2/2" in shown
    assert b"plans.csv:3: start: '2027-01-99' is not a real date" in shown


def test_read_plans_refuses_before_reading_rows(tmp_path: Path) -> None:
    (tmp_path / "plans.csv").write_text("regimen,start,zone,colour\n")
    with pytest.raises(PlansError, match="unknown column 'colour'"):
        read_plans(tmp_path / "plans.csv")
