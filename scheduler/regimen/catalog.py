"""The bundled regimen library: find a regimen by id or path, list what ships.

Installed from a wheel, the files are inside the package (scheduler/regimens); in a source
checkout (editable install) they are the top-level regimens/ folder beside the package.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..arguments import describe
from ..errors import UnknownRegimenError
from ..words import plural

if TYPE_CHECKING:
    from .model import Regimen

__all__ = [
    "Summary",
    "bundled_ids",
    "bundled_path",
    "cycles_text",
    "listing",
    "regimens_dir",
    "resolve",
    "summaries",
]

_PACKAGE = Path(__file__).resolve().parent.parent


def regimens_dir() -> Path:
    """The folder holding the bundled regimen files."""
    for candidate in (_PACKAGE / "regimens", _PACKAGE.parent / "regimens"):
        if candidate.is_dir():
            return candidate
    raise UnknownRegimenError("the bundled regimens folder is missing from this installation")


def bundled_ids() -> list[str]:
    """Ids of the bundled regimens, sorted (the file stems)."""
    return sorted(p.stem for p in regimens_dir().glob("*.toml"))


def bundled_path(regimen_id: str) -> Path:
    path = regimens_dir() / f"{regimen_id}.toml"
    if not path.is_file():
        import difflib

        ids = bundled_ids()
        close = [i for i in ids if i.startswith(regimen_id)] if regimen_id else []
        close = close or difflib.get_close_matches(regimen_id, ids, n=3)
        hint = f"did you mean {', '.join(close)}? " if close and len(regimen_id) <= 64 else ""
        raise UnknownRegimenError(
            f"unknown regimen {regimen_id!r} ({hint}bundled: {', '.join(ids)}; "
            "or give the path of a .toml file)"
        )
    return path


def resolve(ref: str | Path) -> Regimen:
    """Load a regimen from a bundled id (``aldesleukin-sc``) or a file path."""
    from .loader import load_regimen

    if not isinstance(ref, str | os.PathLike):
        raise UnknownRegimenError(
            f"regimen must be a bundled id such as aldesleukin-sc or a .toml file name, not "
            f"{describe(ref)}"
        )
    text = str(ref)
    if not text.strip() or "\x00" in text:
        raise UnknownRegimenError(
            f"no regimen called {text!r} (give a bundled id such as aldesleukin-sc, or a .toml file)"
        )
    path = Path(text)
    if text.endswith(".toml") or "/" in text or "\\" in text or path.exists():
        return load_regimen(path)
    return load_regimen(bundled_path(text))


def cycles_text(phases: list[tuple[str, int | None, str | None]]) -> str:
    """``35 days until stopped``, ``14 days × 12``, ``21 days up to 24 months``, ``3 months
    until stopped``, per phase (cycle length in words, cycle count or None, time bound or
    None), joined by `` then ``."""
    parts = []
    for length, count, up_to in phases:
        if count is not None:
            parts.append(f"{length} × {count}")
        elif up_to is not None:
            parts.append(f"{length} up to {up_to}")
        else:
            parts.append(f"{length} until stopped")
    return " then ".join(parts)


def _length(phase: dict[str, Any]) -> str:
    """A phase table's cycle length in words, as :attr:`Phase.length` says it."""
    if isinstance(phase.get("cycle_months"), int):
        return plural(phase["cycle_months"], "month")
    return plural(int(phase.get("cycle_days", 0)), "day")


@dataclass(frozen=True)
class Summary:
    """One line of the library listing."""

    id: str
    name: str
    cycles: str
    source: str


def summaries() -> list[Summary]:
    """The bundled regimens for listing, read straight from their TOML.

    Listing does not validate: the test suite loads every bundled file through the loader, and
    skipping it here keeps ``scheduler regimens`` fast (no model, engine or exporters)."""
    out = []
    for path in sorted(regimens_dir().glob("*.toml"), key=lambda p: p.stem):
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
        phases = [
            (
                _length(p),
                p["cycles"] if isinstance(p.get("cycles"), int) else None,
                p.get("up_to"),
            )
            for p in data.get("phases", [])
        ]
        out.append(
            Summary(
                id=str(data.get("id", path.stem)),
                name=str(data.get("name", "")),
                cycles=cycles_text(phases),
                source=str(data.get("source", "")),
            )
        )
    return out


#: The listing's columns, and the order they give way when the terminal is narrow: each step
#: shrinks one column (with an ellipsis) to at most the width given, 0 dropping it. The id is
#: what the user types next, so it is never cut.
_COLUMNS = ("ID", "CYCLE", "NAME", "SOURCE")
_GIVE_WAY = ((3, 20), (2, 24), (3, 0), (1, 12), (2, 10))


def listing(width: int | None = None) -> str:
    """The bundled regimens as a table, one per line, fitted to ``width`` columns when given:
    the source and then the name are cut with ``…`` (the id never is)."""
    rows = [_COLUMNS, *((s.id, s.cycles, s.name, s.source) for s in summaries())]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    if width is not None:
        for column, smallest in _GIVE_WAY:
            excess = sum(w + 2 for w in widths if w) - 2 - width
            if excess <= 0:
                break
            widths[column] = max(smallest, widths[column] - excess)
    lines = []
    for row in rows:
        cells = [_cut(cell, w).ljust(w) for cell, w in zip(row, widths, strict=True) if w]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"
