"""Regimen files: valid ones load to the right model; invalid ones fail with golden messages
that name the file, the line, the field path and what is allowed."""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path

import pytest

from scheduler import RegimenError, load_regimen, parse_regimen
from scheduler.regimen.catalog import bundled_ids, bundled_path
from tests.helpers import TESTDATA

INVALID = sorted((TESTDATA / "invalid").glob("*.toml"))
VALID = sorted((TESTDATA / "valid").glob("*.toml"))


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_file_gives_the_golden_message(path: Path) -> None:
    expected = path.with_suffix(".err").read_text(encoding="utf-8").strip()
    with pytest.raises(RegimenError) as caught:
        load_regimen(path)
    assert str(caught.value) == expected.replace("{file}", str(path))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_file_loads(path: Path) -> None:
    assert load_regimen(path).id == path.stem


#: What a citation of a file of our own looks like: a path, a file name, our working folders.
LOCAL_FILE = re.compile(
    r"[\w.-]+/[\w./-]+\.(md|txt|toml|pdf|html?)\b|\b[\w-]+\.(md|txt|toml)\b"
    r"|\bshared/|\bseeds?\b|\breference/|\b\d{3}_|file:",
    re.IGNORECASE,
)


@pytest.mark.parametrize("regimen_id", bundled_ids())
def test_bundled_regimens_load_and_cite_a_source(regimen_id: str) -> None:
    regimen = load_regimen(bundled_path(regimen_id))
    assert regimen.id == regimen_id
    assert regimen.source and regimen.source_url.startswith("https://")


@pytest.mark.parametrize("regimen_id", bundled_ids())
def test_bundled_regimens_cite_only_public_sources(regimen_id: str) -> None:
    """Issue 13, item 5: four regimens cited "shared/reference/regimens.md", a file in neither
    the repository nor the wheel, and the citation reached every event's description."""
    regimen = load_regimen(bundled_path(regimen_id))
    for field, text in (("source", regimen.source), ("notes", regimen.notes)):
        found = LOCAL_FILE.search(text)
        assert found is None, f"{regimen_id} {field} names a local file: {found and found[0]!r}"
    host = regimen.source_url.removeprefix("https://").split("/")[0]
    assert regimen.source_url.startswith("https://") and "." in host, regimen.source_url


def test_seed_regimen_model() -> None:
    regimen = load_regimen(bundled_path("aldesleukin-sc"))
    (phase,) = regimen.phases
    assert phase.cycle_days == 35
    assert phase.cycles is None  # until stopped
    (rule,) = phase.doses
    assert rule.days == (1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26)
    assert rule.time == time(9, 0)
    assert rule.duration == timedelta(minutes=15)
    assert [e.days for e in phase.events] == [(-1,), (15,)]
    assert [(p.key, str(p.after_last_dose)) for p in regimen.precautions] == [
        ("no-live-vaccines", "12 months"),
        ("contraception", "None"),
    ]
    assert "ambigu" in regimen.notes.lower()


def test_malformed_toml_names_file_and_line() -> None:
    text = 'id = "x"\nname = "y"\n[drugs.a\nname = "A"\n'
    with pytest.raises(RegimenError) as caught:
        parse_regimen(text, origin="broken.toml")
    message = str(caught.value)
    assert message.startswith("broken.toml:3: not valid TOML: ")
    assert "(column" in message


def test_missing_file() -> None:
    with pytest.raises(RegimenError, match=r"nope\.toml: no such file"):
        load_regimen("nope.toml")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('name = "caf\xe9"'.encode("latin-1"))
    with pytest.raises(RegimenError, match="not UTF-8"):
        load_regimen(path)


def test_hard_wrapped_instructions_are_unwrapped_but_list_items_kept() -> None:
    regimen = load_regimen(bundled_path("aldesleukin-sc"))
    assert "\n" not in regimen.phases[0].doses[0].instructions
    assert "\n- Dose amount" in regimen.notes


def test_listing_summaries_match_the_validated_regimens() -> None:
    # `scheduler regimens` reads the TOML without the loader; it must say what the loader says.
    from scheduler.regimen.catalog import summaries
    from scheduler.regimen.describe import cycle_summary

    for summary in summaries():
        regimen = load_regimen(bundled_path(summary.id))
        assert (summary.name, summary.source) == (regimen.name, regimen.source)
        assert summary.cycles == cycle_summary(regimen)


def test_every_independent_problem_is_reported() -> None:
    """Issue 13: validate stopped at the first problem although its help promises each one.
    Each phase, dose rule, event and precaution is checked even after another failed."""
    path = TESTDATA / "multiple-problems.toml"
    with pytest.raises(RegimenError) as caught:
        load_regimen(path)
    lines = [str(p).replace(str(path), "{file}") for p in caught.value.problems]
    assert lines == [
        "{file}:16: phases[0].doses[0].days: day 22 is past the end of the 21-day cycle (dose "
        "days are 1 to 21, or -1, -2 ... for days before day 1)",
        "{file}:22: phases[0].doses[1].time: '25:00' is not a time of day (hours 00-23, minutes "
        "00-59, e.g. 09:00 or 20:30)",
        "{file}:28: phases[0].events[0].days: there is no day 0: day 1 is the first day of the "
        "cycle and -1 the day before it",
        "{file}:33: precautions[0].after_last_dose: 'forever' is not a period (write e.g. \"12 "
        'months", "6 weeks", "90 days", "1 year")',
    ]
    assert caught.value is caught.value.problems[0]  # plan and every other caller: the first


def test_validate_prints_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    from scheduler.cli import main

    assert main(["validate", str(TESTDATA / "multiple-problems.toml")]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 4 and all(line.startswith("Error: ") for line in err)


def test_validate_stops_after_fifty_problems_and_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """500 phases with a negative cycle length: the first 50 are named, then one line says
    validate stopped there (the bound on the work a hostile file can ask for)."""
    from scheduler.cli import main
    from scheduler.regimen.loader import MAX_PROBLEMS

    head = 'id = "x"\nname = "n"\nindication = "i"\nsource = "s"\n'
    head += '[drugs.a]\nname = "A"\nroute = "oral"\n'
    phases = "".join(f"[[phases]]\ncycle_days = -{n}\n" for n in range(1, 501))
    path = tmp_path / "many.toml"
    path.write_text(head + phases, encoding="utf-8")
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert MAX_PROBLEMS == 50 and len(err) == 51
    assert err[0].endswith("phases[0].cycle_days: cycle length must be a whole number of days "
                           "from 1 to 366, got -1")  # fmt: skip
    assert "phases[49].cycle_days" in err[49]
    assert err[50] == f"Error: {path}: stopped after 50 problems; fix these and run validate again"
