"""A clinic plans many patients: two patients never share an event identity (courses, plain plans,
batch rows), and a file's name never lies about the format it holds (one table of formats)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scheduler.cli import main

EPOCH = "1798761600"  # 2027-01-01T00:00:00Z


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("SCHEDULER_NOW", "2027-01-02T10:00:00Z")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def uids(data: bytes) -> set[bytes]:
    return {line for line in data.split(b"\r\n") if line.startswith(b"UID:")}


NEW = ["course", "new", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1", "--tz",
       "Europe/London"]  # fmt: skip


# -- identity ---------------------------------------------------------------------------------


def test_two_courses_on_one_regimen_and_start_share_no_uid(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The audit's case: the same regimen, start and bound for two patients, told apart only by
    # their labels, gave 25 of 25 identical UIDs.
    for name, label in (("a", "A B"), ("b", "C D"), ("c", "A B")):
        code, _, err = run(capsys, *NEW, "--label", label, "-o", str(tmp_path / f"{name}.toml"))
        assert (code, err) == (0, "")
    made = {}
    for name in "abc":
        code, out, err = run(capsys, "plan", str(tmp_path / f"{name}.toml"), "-o",
                             str(tmp_path / f"{name}.ics"))  # fmt: skip
        assert (code, err) == (0, "")
        assert "no patient identity" not in out
        made[name] = uids((tmp_path / f"{name}.ics").read_bytes())
        assert len(made[name]) == 25
    assert not made["a"] & made["b"] and not made["a"] & made["c"] and not made["b"] & made["c"]
    ids = [
        re.search(r'^id = "(.*)"$', (tmp_path / f"{n}.toml").read_text(), re.M).group(1)  # type: ignore[union-attr]
        for n in "abc"
    ]
    assert len(set(ids)) == 3
    assert all(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", i)
               for i in ids)  # fmt: skip


def test_a_course_keeps_its_identity_through_changes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = tmp_path / "c.toml"
    assert run(capsys, *NEW, "-o", str(course))[0] == 0
    assert run(capsys, "plan", str(course), "-o", str(tmp_path / "1.ics"))[0] == 0
    code, _, err = run(capsys, "course", "delay", str(course), "--cycle", "1", "--days", "2")
    assert (code, err) == (0, "")
    assert run(capsys, "plan", str(course), "-o", str(tmp_path / "2.ics"))[0] == 0
    before, after = (uids((tmp_path / f).read_bytes()) for f in ("1.ics", "2.ics"))
    assert before == after  # the calendar app updates each event in place


def test_a_course_made_before_random_ids_says_it_carries_no_identity(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    course = tmp_path / "old.toml"
    assert run(capsys, *NEW, "-o", str(course))[0] == 0
    text = course.read_text()
    course.write_text(re.sub(r'^id = ".*"$', 'id = "aldesleukin-sc-2027-01-04"', text, flags=re.M))
    code, out, err = run(capsys, "plan", str(course), "-o", str(tmp_path / "old.ics"))
    assert (code, err) == (0, "")
    assert "no patient identity in its event UIDs" in out


def test_plain_plans_told_apart_by_label_or_plan_id_do_not_collide(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    base = [
        "plan",
        "aldesleukin-sc",
        "--start",
        "2027-01-04",
        "--cycles",
        "1",
        "--tz",
        "Europe/London",
    ]
    outs = {}
    for name, extra in (("none", []), ("ab", ["--label", "A B"]), ("cd", ["--label", "C D"]),
                        ("ab2", ["--label", "A  B"]), ("id", ["--plan-id", "MRN-1"])):  # fmt: skip
        code, out, err = run(capsys, *base, *extra, "-o", str(tmp_path / f"{name}.ics"))
        assert (code, err) == (0, "")
        outs[name] = out
    got = {n: uids((tmp_path / f"{n}.ics").read_bytes()) for n in outs}
    assert "no patient identity" in outs["none"]
    assert all("no patient identity" not in outs[n] for n in ("ab", "cd", "id"))
    for a, b in (("none", "ab"), ("ab", "cd"), ("none", "id"), ("ab", "id")):
        assert not got[a] & got[b], (a, b)
    # Deterministic: the same input gives the same UIDs (the label's spacing is not identity).
    assert got["ab"] == got["ab2"]
    code, _, _ = run(capsys, *base, "--label", "A B", "-o", str(tmp_path / "again.ics"))
    assert code == 0 and uids((tmp_path / "again.ics").read_bytes()) == got["ab"]


def test_batch_refuses_two_rows_that_would_share_identities(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "regimen,start,zone,cycles,output\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,a.ics\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,b.ics\n"
    )
    code, out, err = run(capsys, "batch", str(plans), "-o", str(tmp_path / "out"))
    assert code != 0 and out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"Error: {plans}:3: would give its events the same UIDs as line 2")
    assert not (tmp_path / "out").exists()


def test_batch_refuses_one_course_planned_twice_even_as_a_copy(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, *NEW, "-o", str(tmp_path / "a.toml"))[0] == 0
    (tmp_path / "copy.toml").write_bytes((tmp_path / "a.toml").read_bytes())
    (tmp_path / "copy.toml").chmod(0o600)
    plans = tmp_path / "plans.csv"
    plans.write_text("course,output\na.toml,a.ics\ncopy.toml,b.ics\n")
    code, _, err = run(capsys, "batch", str(plans), "-o", str(tmp_path / "out"))
    assert code != 0 and err.count("\n") == 1
    assert f"{plans}:3: plans the course with id " in err and "as line 2 does" in err


def test_batch_rows_with_labels_plan_apart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "regimen,start,zone,cycles,label\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,A B\n"
        "aldesleukin-sc,2027-01-04,Europe/London,1,C D\n"
    )
    code, _, err = run(capsys, "batch", str(plans), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    a, b = (uids((tmp_path / "out" / f).read_bytes()) for f in ("A-B.ics", "C-D.ics"))
    assert len(a) == 25 and not a & b
    # The same as plan writes with that label.
    code, _, _ = run(capsys, "plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1",
                     "--tz", "Europe/London", "--label", "A B", "-o", str(tmp_path / "p.ics"))  # fmt: skip
    assert code == 0 and uids((tmp_path / "p.ics").read_bytes()) == a


# -- one table of formats ---------------------------------------------------------------------

PLAN = ["plan", "aldesleukin-sc", "--start", "2027-01-04", "--cycles", "1", "--tz", "Europe/London",
        "--label", "A B"]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "starts"),
    [
        ("plan.json", b"{"),
        ("plan.csv", b"uid,kind,"),
        ("plan.html", b"<!DOCTYPE html>"),
        ("plan.HTM", b"<!DOCTYPE html>"),
        ("plan.fhir.json", b"{"),
        ("plan.diary.html", b"<!DOCTYPE html>"),
        ("plan.ics", b"BEGIN:VCALENDAR"),
        ("plan.txt", b"BEGIN:VCALENDAR"),
        ("plan", b"BEGIN:VCALENDAR"),
    ],
)
def test_the_output_suffix_chooses_the_format_when_none_is_given(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, starts: bytes
) -> None:
    code, _, err = run(capsys, *PLAN, "-o", str(tmp_path / name))
    assert (code, err) == (0, "")
    data = (tmp_path / name).read_bytes()
    assert data.upper().startswith(starts.upper()), data[:40]
    if name == "plan.fhir.json":
        assert json.loads(data)["resourceType"] == "Bundle"
    if name == "plan.json":
        assert "resourceType" not in json.loads(data)
    assert (b"<title>Dose diary: " in data) == (name == "plan.diary.html")


@pytest.mark.parametrize(
    ("name", "fmt", "message"),
    [
        ("plan.ics", "json", "plan.ics is named as ics (.ics) but would hold json: name it plan.json, or write ics"),
        ("plan.json", "html", "plan.json is named as json (.json) but would hold html: name it plan.html, or write json"),
        ("plan.html", "ics", "plan.html is named as html (.html) but would hold ics: name it plan.ics, or write html"),
        ("plan.csv", "fhir", "plan.csv is named as csv (.csv) but would hold fhir: name it plan.json, or write csv"),
        ("plan.html", "diary", "plan.html is named as html (.html) but would hold diary: name it plan.diary.html, or write html"),
        ("plan.diary.html", "html", "plan.diary.html is named as diary (.diary.html) but would hold html: name it plan.html, or write diary"),
        ("plan.fhir.json", "json", "plan.fhir.json is named as fhir (.fhir.json) but would hold json: name it plan.json, or write fhir"),
    ],
)  # fmt: skip
def test_a_suffix_that_disagrees_with_format_is_refused_and_nothing_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, fmt: str, message: str
) -> None:
    code, out, err = run(capsys, *PLAN, "--format", fmt, "-o", str(tmp_path / name))
    assert code != 0 and out == ""
    assert err == f"Error: --format: {message}\n"
    assert list(tmp_path.iterdir()) == []


def test_a_fhir_bundle_may_be_named_json_and_json_may_go_to_txt(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert run(capsys, *PLAN, "--format", "fhir", "-o", str(tmp_path / "b.json"))[0] == 0
    assert json.loads((tmp_path / "b.json").read_text())["resourceType"] == "Bundle"
    assert run(capsys, *PLAN, "--format", "json", "-o", str(tmp_path / "p.txt"))[0] == 0
    assert json.loads((tmp_path / "p.txt").read_text())


def test_the_help_lists_every_format_of_the_table(capsys: pytest.CaptureFixture[str]) -> None:
    from scheduler.export.formats import FORMATS

    code, out, _ = run(capsys, "plan", "--help")
    assert code == 0
    flat = " ".join(out.replace("│", " ").split())
    for name in FORMATS:
        assert f"{name} (" in flat, name


def test_a_batch_row_file_suffix_follows_its_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "regimen,start,zone,cycles,label,format\n"
        "aldesleukin-sc,2027-01-04,UTC,1,A,html\n"
        "aldesleukin-sc,2027-01-04,UTC,1,B,csv\n"
        "aldesleukin-sc,2027-01-04,UTC,1,C,fhir\n"
        "aldesleukin-sc,2027-01-04,UTC,1,D,\n"
    )
    code, _, err = run(capsys, "batch", str(plans), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "A.html", "B.csv", "C.json", "D.ics"]  # fmt: skip
    assert (tmp_path / "out" / "A.html").read_bytes().upper().startswith(b"<!DOCTYPE HTML>")


def test_a_batch_row_whose_output_disagrees_with_its_format_fails_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plans = tmp_path / "plans.csv"
    plans.write_text(
        "regimen,start,zone,cycles,label,format,output\n"
        "aldesleukin-sc,2027-01-04,UTC,1,A,html,a.ics\n"
        "aldesleukin-sc,2027-01-04,UTC,1,B,,b.ics\n"
    )
    code, _, err = run(capsys, "batch", str(plans), "-o", str(tmp_path / "out"))
    assert code == 1
    assert err == (f"{plans}:2: format: a.ics is named as ics (.ics) but would hold html: name "
                   "it a.html, or write ics\n")  # fmt: skip
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["b.ics"]
