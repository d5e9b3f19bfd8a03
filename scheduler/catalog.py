"""The bundled regimen library: find a regimen by id or path, list what ships.

Installed from a wheel, the files are inside the package (scheduler/regimens); in a source
checkout (editable install) they are the top-level regimens/ folder beside the package.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UnknownRegimenError
from .loader import load_regimen
from .model import Regimen

__all__ = ["bundled_ids", "bundled_path", "regimens_dir", "resolve"]

_HERE = Path(__file__).resolve().parent


def regimens_dir() -> Path:
    """The folder holding the bundled regimen files."""
    for candidate in (_HERE / "regimens", _HERE.parent / "regimens"):
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
    text = str(ref)
    path = Path(text)
    if text.endswith(".toml") or path.is_file() or "/" in text or "\\" in text:
        return load_regimen(path)
    return load_regimen(bundled_path(text))
