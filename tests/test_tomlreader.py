"""The one TOML reader: what tomllib cannot turn into values is one line naming the file and
line, never an internal error (issue 19, item 10: a 5,000-digit number stopped Python's int
conversion with a ValueError that tomllib does not turn into a TOMLDecodeError)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scheduler.cli import main
from scheduler.errors import ArgumentError, CourseError, RegimenError
from scheduler.tomlreader import load_toml
from tests.helpers import REPO

HUGE = "1" * 5000
MESSAGE = (
    "not valid TOML for this tool: a number of thousands of digits (no field takes more than a few)"
)


def test_a_number_of_thousands_of_digits_names_its_line() -> None:
    with pytest.raises(RegimenError) as caught:
        load_toml(f'id = "x"\n\ncycle_days = {HUGE}\n', "r.toml", RegimenError)
    assert str(caught.value) == f"r.toml:3: {MESSAGE}"


def test_the_text_must_be_text() -> None:
    with pytest.raises(ArgumentError, match=r"^text must be the TOML text \(a str: decode bytes"):
        load_toml(b'id = "x"', "r.toml", CourseError)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", [["validate"], ["show"]])
def test_the_command_line_says_so_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    text = (REPO / "regimens" / "aldesleukin-sc.toml").read_text(encoding="utf-8")
    source = tmp_path / "huge.toml"
    source.write_text(text.replace("cycle_days = 35", f"cycle_days = {HUGE}", 1))
    line = source.read_text().splitlines().index(f"cycle_days = {HUGE}") + 1
    code = main([*command, str(source)])
    out, err = capsys.readouterr()
    assert (code, out) == (1, "")
    assert err == f"Error: {source}:{line}: {MESSAGE}\n"
