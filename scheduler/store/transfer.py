"""Moving a clinic between stores: a folder of course files (with their feed tokens) into a
database, and a database back out to files — the same courses, identities, histories, records
and feed links, so nothing a patient subscribed to changes.

Everything is read and checked before anything is written: a folder with one bad course file
imports nothing, and says which file and why.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from ..course.model import Course, is_regimen_path
from ..course.store import CourseStore, FileStore
from ..course.tokens import SUFFIX, Access, Token, feed_file, save_access
from ..errors import CourseError
from .courses import check_key

__all__ = ["Moved", "export_folder", "import_folder"]


@dataclass(frozen=True)
class Moved:
    """One course moved: its key where it went, and how many feed tokens went with it."""

    key: str
    tokens: int


def _course_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        raise CourseError(f"{folder}: not a folder of course files")
    return sorted(
        path
        for path in folder.iterdir()
        if path.name.endswith(".toml") and not path.name.endswith(SUFFIX) and path.is_file()
    )


def _absolute(course: Course) -> Course:
    """The course naming its regimen file by absolute path (a database has no folder)."""
    if is_regimen_path(course.regimen) and not os.path.isabs(course.regimen):
        return replace(course, regimen=str(Path(course.reference_file(course.regimen)).resolve()))
    return course


def import_folder(folder: str | Path, store: CourseStore, *, force: bool = False) -> list[Moved]:
    """Every course file in ``folder`` (and its tokens) into ``store``, keyed by file name
    without ``.toml``. Refused whole if a file is not a course or a key is already taken (unless
    ``force``)."""
    files = FileStore()
    found = []
    for path in _course_files(Path(folder)):
        key = path.name[: -len(".toml")]
        try:
            check_key(key)
        except CourseError as err:
            raise CourseError(str(err), file=str(path)) from None
        course = _absolute(files.get(str(path)).course)
        tokens = files.tokens(str(path)).tokens
        if not force and store.exists(key):
            raise CourseError(
                f"a course named {key!r} is already in the store: nothing was imported "
                "(use --force to replace it)",
                file=str(path),
            )
        found.append((key, course, tokens))
    ids: dict[str, str] = {}
    for key, course, _ in found:
        if course.id in ids:
            raise CourseError(
                f"{ids[course.id]}.toml and {key}.toml are copies of one course (id "
                f"{course.id}): nothing was imported; keep one",
                file=str(folder),
            )
        ids[course.id] = key
    moved = []
    for key, course, tokens in found:
        store.create(key, course, force=force)
        _copy_tokens(store, key, tokens)
        moved.append(Moved(key, len(tokens)))
    return moved


def _copy_tokens(store: CourseStore, key: str, tokens: tuple[Token, ...]) -> None:
    """The same tokens (the same links), not new ones."""
    from .courses import SqlStore

    if isinstance(store, SqlStore):
        store.set_tokens(key, tokens)
    elif tokens:  # pragma: no cover - files to files is a copy
        raise CourseError("tokens can be imported into a database store only")


def export_folder(store: CourseStore, folder: str | Path, *, force: bool = False) -> list[Moved]:
    """Every course in ``store`` as ``folder/KEY.toml`` (0600) with its tokens beside it as
    ``KEY.feed.toml``. Refused whole if a file is there already (unless ``force``)."""
    target = Path(folder)
    if not target.is_dir():
        raise CourseError(f"{target}: not a folder (create it first)")
    keys = store.keys()
    for key in keys:
        path = target / f"{key}.toml"
        if not force and (os.path.lexists(path) or os.path.lexists(feed_file(path))):
            raise CourseError(
                "already exists: nothing was exported (use --force to replace it)", file=str(path)
            )
    files = FileStore()
    moved = []
    for key in keys:
        stored = store.get(key)
        path = target / f"{key}.toml"
        files.create(str(path), replace(stored.course, origin=str(path)), force=True)
        tokens = store.tokens(key).tokens
        save_access(Access(path, tokens))
        moved.append(Moved(key, len(tokens)))
    return moved
