"""How a count reads in a message: ``1 cycle``, ``3 cycles``. One helper, so that no message
says ``cycle(s)`` and none says ``1 days``."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``plural(1, "cycle")`` -> ``"1 cycle"``; ``plural(0, "day")`` -> ``"0 days"``;
    ``many`` spells an irregular plural (``plural(2, "entry", "entries")``)."""
    return f"{count} {noun if count == 1 else (many or noun + 's')}"
