"""How messages read: a count (``1 cycle``, ``3 cycles``: one helper, so that no message says
``cycle(s)`` and none says ``1 days``), and one line that stays readable whatever was typed."""

from __future__ import annotations

__all__ = ["and_list", "one_line", "plural"]

#: A word of a message longer than this (a value someone typed or pasted) is shortened.
LONGEST_WORD = 200


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``plural(1, "cycle")`` -> ``"1 cycle"``; ``plural(0, "day")`` -> ``"0 days"``;
    ``many`` spells an irregular plural (``plural(2, "entry", "entries")``)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"


def and_list(items: list[str]) -> str:
    """``["age", "sex", "weight"]`` -> ``"age, sex and weight"``."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def one_line(text: str) -> str:
    """``text`` as one line: whitespace runs become one space, and a word longer than
    :data:`LONGEST_WORD` characters (a 100,000-character --holidays value echoed back) keeps its
    start and end around the count of what was left out."""
    words = []
    for word in text.split():
        if len(word) > LONGEST_WORD:
            word = f"{word[:80]}…[{len(word) - 100:,} characters]…{word[-20:]}"
        words.append(word)
    return " ".join(words)
