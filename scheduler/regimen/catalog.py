"""The bundled regimen library: find a regimen by id or path, list what ships.

Installed from a wheel, the files are inside the package (scheduler/regimens); in a source
checkout (editable install) they are the top-level regimens/ folder beside the package.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UnknownRegimenError

if TYPE_CHECKING:
    from .model import Regimen

__all__ = [
    "Summary",
    "bundled_ids",
    "bundled_path",
    "cycles_text",
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
        raise UnknownRegimenError(
            f"unknown regimen {regimen_id!r} (bundled: {', '.join(bundled_ids())}; "
            "or give the path of a .toml file)"
        )
    return path


def resolve(ref: str | Path) -> Regimen:
    """Load a regimen from a bundled id (``aldesleukin-sc``) or a file path."""
    from .loader import load_regimen

    text = str(ref)
    if not text.strip() or "\x00" in text:
        raise UnknownRegimenError(
            f"no regimen called {text!r} (give a bundled id such as aldesleukin-sc, or a .toml file)"
        )
    path = Path(text)
    if text.endswith(".toml") or "/" in text or "\\" in text or path.exists():
        return load_regimen(path)
    return load_regimen(bundled_path(text))


def cycles_text(phases: list[tuple[int, int | None, str | None]]) -> str:
    """``35 days until stopped``, ``14 days × 12``, ``21 days up to 24 months``, per phase
    (cycle days, cycle count or None, time bound or None), joined by `` then ``."""
    parts = []
    for days, count, up_to in phases:
        if count is not None:
            parts.append(f"{days} days × {count}")
        elif up_to is not None:
            parts.append(f"{days} days up to {up_to}")
        else:
            parts.append(f"{days} days until stopped")
    return " then ".join(parts)


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
                int(p.get("cycle_days", 0)),
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
