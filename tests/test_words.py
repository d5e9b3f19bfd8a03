"""Counts in messages: one helper, so no message says "cycle(s)" or "1 days"."""

from __future__ import annotations

import re

from scheduler.words import LONGEST_WORD, one_line, plural
from tests.helpers import REPO


def test_plural() -> None:
    assert plural(1, "cycle") == "1 cycle"
    assert plural(0, "cycle") == "0 cycles"
    assert plural(11, "day") == "11 days"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(2, "entry", "entries") == "2 entries"


def test_one_line() -> None:
    assert one_line("a\n  b\tc ") == "a b c"
    word = "X" * LONGEST_WORD
    assert one_line(word) == word  # at the limit: whole
    long = "A" * 80 + "B" * 1_000 + "C" * 20
    assert (
        one_line(f"unknown {long} here")
        == "unknown " + "A" * 80 + "…[1,000 characters]…" + "C" * 20 + " here"
    )


def test_no_message_hedges_a_plural() -> None:
    """Issue 13: "line(s)", "cycle(s)" in what users read (an "http(s) address" is fine)."""
    for path in sorted((REPO / "scheduler").rglob("*.py")):
        if path.name == "words.py":
            continue  # its docstring names the fault
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            hedged = re.search(r"\w\(s\)", line.replace("http(s)", "https"))
            assert hedged is None, f"{path.name}:{number}: {line.strip()} (use plural())"
