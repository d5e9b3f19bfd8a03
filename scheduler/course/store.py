"""Where courses live: one storage interface that everything reading or writing a course goes
through — the course commands, ``plan COURSE``, publish, batch and the feed server.

:class:`CourseStore` is the seam: get a course with its version, put a course expecting a
version (a conflict if it changed since), create one, list them, hold one for a
read-modify-write, and its readers' feed tokens. :class:`FileStore` implements it over course
files as they are today: a key is the file's path, the version is what changes whenever the
file does (its inode, size and times), writes are atomic with the previous version kept as
``FILE.bak``, and files are private (0600). Another store (a database) is one new class.
"""

from __future__ import annotations

import os
import stat
import threading
import warnings
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..arguments import need, need_path
from ..errors import CourseConflict, CourseError, PrivacyWarning
from ..files import locked, read_with_stat
from .file import MAX_FILE_BYTES, dump_course, parse_course
from .model import Course

if TYPE_CHECKING:
    from .tokens import Access, Token

__all__ = ["PRIVATE", "CourseStore", "FileStore", "Stored"]

#: The mode of every file holding patient data: readable and writable by its owner only.
PRIVATE = 0o600


@dataclass(frozen=True)
class Stored:
    """A course as read from a store, and the version it was read at."""

    key: str
    course: Course
    version: str
    """Opaque; equal exactly when the stored course is the same (for caches and conflicts)."""
    modified: datetime
    """When this version was stored (UTC, whole seconds): what a feed's DTSTAMP and
    Last-Modified say."""


class CourseStore(Protocol):
    """The storage of courses and their feed tokens."""

    def get(self, key: str) -> Stored:
        """The course at ``key`` and its version; CourseError if there is none."""
        ...

    def version(self, key: str) -> str:
        """The version of the course at ``key`` without reading it (cheap: for caches)."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a course is stored at ``key``."""
        ...

    def create(self, key: str, course: Course, *, force: bool = False) -> Stored:
        """Store a new course at ``key``; refused if one is there (unless ``force``)."""
        ...

    def put(self, key: str, course: Course, *, expected: str) -> Stored:
        """Replace the course at ``key``, which must still be at version ``expected``
        (CourseConflict if not: nothing is written)."""
        ...

    def editing(self, key: str) -> AbstractContextManager[Stored]:
        """A context holding ``key`` for one read-modify-write: parallel editors wait, so each
        reads the version the one before wrote. Yields the course as it is now."""
        ...

    def keys(self) -> list[str]:
        """The courses stored."""
        ...

    def tokens(self, key: str) -> Access:
        """The feed tokens of the course at ``key`` (none if it has none)."""
        ...

    def tokens_version(self, key: str) -> str | None:
        """The version of the course's tokens, None without any (cheap: for the feed index)."""
        ...

    def rotate_token(
        self, key: str, name: str, *, now: datetime, show_label: bool | None = None
    ) -> Token:
        """A new token for reader ``name`` (which revokes the old one)."""
        ...

    def revoke_token(self, key: str, name: str) -> None:
        """Remove reader ``name``'s token."""
        ...

    def reference(self, regimen: Path, key: str) -> str:
        """How the course at ``key`` names the regimen file ``regimen`` in this store."""
        ...


def _version(info: os.stat_result) -> str:
    # A write replaces the file (a new inode); an in-place edit (an editor, cp) changes its size
    # or times. ctime also moves on a chmod, which only costs a cache miss.
    return f"{info.st_ino}.{info.st_size}.{info.st_mtime_ns}.{info.st_ctime_ns}"


def _modified(info: os.stat_result) -> datetime:
    return datetime.fromtimestamp(int(info.st_mtime), UTC)


class FileStore:
    """Courses as TOML files (docs/courses.md). A key is a course file's path; ``folder`` is
    where :meth:`keys` looks (the feed server's courses folder)."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(need_path(folder, "folder")) if folder is not None else None
        self._held = threading.local()

    # -- courses ------------------------------------------------------------------------------

    def get(self, key: str | Path) -> Stored:
        name = str(need_path(key, "key"))
        data, info = read_with_stat(name, limit=MAX_FILE_BYTES, what="course file",
                                    error=CourseError)  # fmt: skip
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            raise CourseError(
                f"is not UTF-8 text (byte {err.start:,} is {data[err.start]:#04x}): save it as "
                "UTF-8",
                file=name,
            ) from None
        course = parse_course(text, origin=name)
        _warn_if_exposed(name, info)
        return Stored(name, course, _version(info), _modified(info))

    def version(self, key: str | Path) -> str:
        need_path(key, "key")
        try:
            return _version(os.stat(key))
        except FileNotFoundError:
            raise CourseError("no such file", file=str(key)) from None
        except OSError as err:
            raise CourseError(f"cannot read it ({err.strerror})", file=str(key)) from None

    def exists(self, key: str | Path) -> bool:
        need_path(key, "key")
        return os.path.isfile(key)

    def create(self, key: str | Path, course: Course, *, force: bool = False) -> Stored:
        from ..files import write_atomic

        need_path(key, "key")
        write_atomic(key, dump_course(course).encode("utf-8"), force=force, mode=PRIVATE)
        return self._stored(str(key), course)

    def put(self, key: str | Path, course: Course, *, expected: str) -> Stored:
        name = str(need_path(key, "key"))
        need(course, Course, "course", "a Course")
        need(expected, str, "expected", "a version from get() or editing()")
        if self._holding(name):
            return self._replace(name, course, expected)
        with locked(name, error=CourseError):
            return self._replace(name, course, expected)

    @contextmanager
    def editing(self, key: str | Path) -> Iterator[Stored]:
        name = os.path.realpath(need_path(key, "key"))  # a link edits the course it leads to
        with locked(name, error=CourseError):
            held = self._held.__dict__.setdefault("names", set())
            held.add(name)
            try:
                yield self.get(name)
            finally:
                held.discard(name)

    def keys(self) -> list[str]:
        if self.folder is None:
            raise CourseError("this store has no folder to list")
        from .tokens import SUFFIX

        found = []
        try:
            with os.scandir(self.folder) as entries:
                for entry in entries:
                    if entry.name.endswith(".toml") and not entry.name.endswith(SUFFIX):
                        found.append(os.path.join(self.folder, entry.name))
        except OSError as err:
            raise CourseError(
                f"cannot list the courses folder ({err.strerror})", file=str(self.folder)
            ) from None
        return sorted(found)

    # -- tokens -------------------------------------------------------------------------------

    def tokens(self, key: str | Path) -> Access:
        from .tokens import load_access

        need_path(key, "key")
        return load_access(key)

    def tokens_version(self, key: str | Path) -> str | None:
        from .tokens import feed_file

        need_path(key, "key")
        try:
            return _version(os.stat(feed_file(key)))
        except FileNotFoundError:
            return None

    def rotate_token(
        self, key: str | Path, name: str, *, now: datetime, show_label: bool | None = None
    ) -> Token:
        from .tokens import rotate

        return rotate(key, name, now=now, show_label=show_label)

    def revoke_token(self, key: str | Path, name: str) -> None:
        from .tokens import revoke

        revoke(key, name)

    def reference(self, regimen: Path, key: str | Path) -> str:
        """A regimen file relative to the course file's folder, so the course plans the same
        from any working folder (absolute on another drive)."""
        need(regimen, Path, "regimen", "a pathlib.Path of the regimen file")
        need_path(key, "key")
        target = regimen.resolve()
        folder = Path(os.path.abspath(key)).parent
        try:
            return Path(os.path.relpath(target, folder)).as_posix()
        except ValueError:  # another drive (Windows): keep it absolute
            return str(target)

    # -- inside -------------------------------------------------------------------------------

    def _stored(self, name: str, course: Course) -> Stored:
        info = os.stat(name)
        return Stored(name, course, _version(info), _modified(info))

    def _holding(self, name: str) -> bool:
        return os.path.realpath(name) in self._held.__dict__.get("names", ())

    def _replace(self, name: str, course: Course, expected: str) -> Stored:
        from ..files import write_atomic

        previous, info = read_with_stat(name, limit=MAX_FILE_BYTES, what="course file",
                                        error=CourseError)  # fmt: skip
        if _version(info) != expected:
            raise CourseConflict(
                "changed since it was read (another edit came first): nothing was written; "
                "read it again and redo the change",
                file=name,
            )
        target = Path(name)
        write_atomic(target.with_name(target.name + ".bak"), previous, force=True, mode=PRIVATE)
        write_atomic(target, dump_course(course).encode("utf-8"), force=True, mode=PRIVATE)
        return self._stored(name, course)


def _warn_if_exposed(name: str, info: os.stat_result) -> None:
    """One warning when others may read a course file (patient data): the tool writes 0600."""
    if os.name == "posix" and stat.S_IMODE(info.st_mode) & 0o077:
        warnings.warn(
            f"{name} is open to other users of this machine (mode "
            f"{stat.S_IMODE(info.st_mode):04o}) but holds patient data: chmod 600 {name}",
            PrivacyWarning,
            stacklevel=3,
        )
