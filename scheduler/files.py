"""Writing results: atomically, never over an existing file unless asked."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError

__all__ = ["write_atomic"]


def write_atomic(path: str | Path, data: bytes, *, force: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename, so a
    failure never leaves half a file and an existing file is either kept or fully replaced."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"{target} is a folder: give a file name for the output")
    if target.exists() and not force:
        raise OutputError(
            f"{target} already exists: use --force to replace it (it was left unchanged)"
        )
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {target}: the folder {folder} does not exist")
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as err:
        raise OutputError(f"cannot write in {folder}: {err.strerror}") from err
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as err:
        Path(temp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {err.strerror}") from err
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
