"""Courses in a database: :class:`SqlStore`, the course store seam over SQLite or PostgreSQL.

A course is kept as its course file's text (read and checked exactly as a file is, so every
store agrees), with a version that every write raises by one; every version ever stored stays
in ``course_log``. A key is a course's name in the store (``js``, ``ward3-0042``).

A read-modify-write (:meth:`SqlStore.editing`) is one transaction that locks the course first —
SQLite's write lock, PostgreSQL's row lock — so a second editor waits, then reads what the first
wrote: nothing is lost, whichever worker or machine each runs on. :meth:`SqlStore.put` outside
it compares versions in the same statement that writes (a conflict, never a lost update).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..arguments import need
from ..course.file import MAX_FILE_BYTES, dump_course, parse_course
from ..course.model import Course
from ..course.store import Stored
from ..course.tokens import MAX_TOKENS, Access, Token, check_name
from ..errors import CourseConflict, CourseError
from .schema import upgrade
from .sql import Database

__all__ = ["SqlStore", "check_key"]

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def check_key(key: object) -> str:
    """A course's name in a store: letters, digits, ``.``, ``_`` and ``-``, at most 100."""
    if not isinstance(key, str) or not _KEY.match(key):
        shown = repr(key)[:60] if isinstance(key, str) else type(key).__name__
        raise CourseError(
            f"{shown} is not a course name in a store (letters, digits, '.', '_' and '-', "
            "at most 100, starting with a letter or digit; e.g. js or ward3-0042)"
        )
    return key


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


def _moment(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


class SqlStore:
    """Courses and feed tokens in the database at ``url`` (``sqlite:///clinic.db``,
    ``postgresql://user@host/db``); the schema is created or upgraded on first use."""

    def __init__(self, url: str, *, now: Any = None) -> None:
        self.db = Database(url)
        self._now = now or (lambda: datetime.now(UTC))
        self._ready = False

    # -- the seam -------------------------------------------------------------------------------

    def get(self, key: str) -> Stored:
        row = self._row(check_key(key))
        return self._stored(key, row)

    def version(self, key: str) -> str:
        rows = self._db().rows("SELECT version FROM courses WHERE key = ?", (check_key(key),))
        if not rows:
            raise self._missing(key)
        return str(rows[0][0])

    def exists(self, key: str) -> bool:
        return bool(self._db().rows("SELECT 1 FROM courses WHERE key = ?", (check_key(key),)))

    def create(self, key: str, course: Course, *, force: bool = False) -> Stored:
        check_key(key)
        need(course, Course, "course", "a Course")
        body = self._body(key, course)
        db = self._db()
        stamp = _stamp(self._now())
        with db.transaction():
            rows = db.rows(
                "SELECT version FROM courses WHERE key = ?" + db.dialect.lock_row, (key,)
            )
            if rows and not force:
                raise CourseError(
                    f"a course named {key!r} is already in {db.name} and was left unchanged "
                    "(use --force to replace it)"
                )
            version = int(rows[0][0]) + 1 if rows else 1
            if rows:
                db.execute("DELETE FROM tokens WHERE key = ?", (key,))  # a new patient's course
                db.execute(
                    "UPDATE courses SET id = ?, body = ?, version = ?, modified = ?, label = ?, "
                    "regimen = ?, start_date = ?, tokens_version = NULL WHERE key = ?",
                    (course.id, body, version, stamp, course.label, course.regimen,
                     course.start.isoformat(), key),
                )  # fmt: skip
            else:
                db.execute(
                    "INSERT INTO courses (key, id, body, version, modified, label, regimen, "
                    "start_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, course.id, body, version, stamp, course.label, course.regimen,
                     course.start.isoformat()),
                )  # fmt: skip
            self._log(key, version, stamp, body)
            self._bump(key)
        return Stored(key, self._own(key, course), str(version), _moment(stamp))

    def put(self, key: str, course: Course, *, expected: str) -> Stored:
        check_key(key)
        need(course, Course, "course", "a Course")
        need(expected, str, "expected", "a version from get() or editing()")
        body = self._body(key, course)
        db = self._db()
        stamp = _stamp(self._now())
        with db.transaction():
            try:
                version = int(expected) + 1
            except ValueError:
                version = -1
            changed = db.execute(
                "UPDATE courses SET id = ?, body = ?, version = ?, modified = ?, label = ?, "
                "regimen = ?, start_date = ? WHERE key = ? AND version = ?",
                (course.id, body, version, stamp, course.label, course.regimen,
                 course.start.isoformat(), key, version - 1),
            )  # fmt: skip
            if changed != 1:
                if not self.exists(key):
                    raise self._missing(key)
                raise CourseConflict(
                    "changed since it was read (another edit came first): nothing was written; "
                    "read it again and redo the change",
                    file=self._origin(key),
                )
            self._log(key, version, stamp, body)
            self._bump(key)
        return Stored(key, self._own(key, course), str(version), _moment(stamp))

    @contextmanager
    def editing(self, key: str) -> Iterator[Stored]:
        check_key(key)
        db = self._db()
        with db.transaction():
            row = self._row(key, lock=True)
            yield self._stored(key, row)

    def find(self, text: str, *, limit: int = 200) -> list[tuple[str, str, str, str]]:
        """Courses whose name, label or regimen contains ``text`` (any case; ``%`` and ``_`` as
        themselves), as (key, label, regimen, start), by name: one query over the courses'
        names (a scan of the table's short columns, no course read or planned)."""
        wild = {"\\": "\\\\", "%": "\\%", "_": "\\_"}
        needle = "%" + "".join(wild.get(c, c) for c in text.strip().lower()[:100]) + "%"
        like = "LIKE ? ESCAPE '\\'"
        rows = self._db().rows(
            f"SELECT key, label, regimen, start_date FROM courses WHERE LOWER(key) {like} "
            f"OR LOWER(label) {like} OR LOWER(regimen) {like} ORDER BY key LIMIT ?",
            (needle, needle, needle, int(limit)),
        )
        return [
            (str(key), str(label), str(regimen), str(start)) for key, label, regimen, start in rows
        ]

    def keys(self) -> list[str]:
        return [row[0] for row in self._db().rows("SELECT key FROM courses ORDER BY key")]

    def tokens(self, key: str) -> Access:
        check_key(key)
        rows = self._db().rows(
            "SELECT name, token, created, show_label FROM tokens WHERE key = ? ORDER BY name",
            (key,),
        )
        return Access(
            Path(key),
            tuple(
                Token(name, token, _moment(made), bool(shown)) for name, token, made, shown in rows
            ),
        )

    def tokens_version(self, key: str) -> str | None:
        rows = self._db().rows(
            "SELECT tokens_version FROM courses WHERE key = ?", (check_key(key),)
        )
        if not rows or rows[0][0] is None:
            return None
        return str(rows[0][0])

    def rotate_token(
        self, key: str, name: str, *, now: datetime, show_label: bool | None = None
    ) -> Token:
        check_key(key)
        check_name(name)
        need(show_label, bool, "show_label", "True or False", optional=True)
        db = self._db()
        with db.transaction():
            self._row(key, lock=True)
            access = self.tokens(key)
            before = access.get(name)
            if before is None and len(access.tokens) >= MAX_TOKENS:
                raise CourseError(f"already has {MAX_TOKENS} readers: revoke one first",
                                  file=self._origin(key))  # fmt: skip
            label = show_label if show_label is not None else bool(before and before.show_label)
            new = Token(name, secrets.token_urlsafe(32), now.astimezone(UTC).replace(microsecond=0),
                        label)  # fmt: skip
            db.execute("DELETE FROM tokens WHERE key = ? AND name = ?", (key, name))
            db.execute(
                "INSERT INTO tokens (key, name, token, created, show_label) VALUES (?, ?, ?, ?, ?)",
                (key, name, new.token, _stamp(new.created), int(label)),
            )
            self._bump_tokens(key)
        return new

    def revoke_token(self, key: str, name: str) -> None:
        check_key(key)
        check_name(name)
        db = self._db()
        with db.transaction():
            self._row(key, lock=True)
            if not db.execute("DELETE FROM tokens WHERE key = ? AND name = ?", (key, name)):
                known = ", ".join(t.name for t in self.tokens(key).tokens) or "none"
                raise CourseError(f"has no feed token for {name!r} (tokens: {known})",
                                  file=self._origin(key))  # fmt: skip
            self._bump_tokens(key)

    def set_tokens(self, key: str, tokens: tuple[Token, ...]) -> None:
        """The course's feed tokens, exactly ``tokens`` (an import keeps every link working)."""
        check_key(key)
        if len(tokens) > MAX_TOKENS:
            raise CourseError(f"has more than {MAX_TOKENS} readers", file=self._origin(key))
        db = self._db()
        with db.transaction():
            self._row(key, lock=True)
            db.execute("DELETE FROM tokens WHERE key = ?", (key,))
            for token in tokens:
                check_name(token.name)
                db.execute(
                    "INSERT INTO tokens (key, name, token, created, show_label) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (key, token.name, token.token, _stamp(token.created), int(token.show_label)),
                )
            self._bump_tokens(key)

    def tokens_stamp(self) -> int:
        """What changes whenever a course or a token is added or changed (the feed index sweeps
        again when it does): the store's change counter, one row."""
        return int(self._db().rows("SELECT value FROM counters WHERE name = 'changes'")[0][0])

    def tokens_versions(self) -> dict[str, str | None]:
        """Every course's tokens version, in one query (the feed index's sweep)."""
        rows = self._db().rows("SELECT key, tokens_version FROM courses")
        return {str(key): None if v is None else str(v) for key, v in rows}

    def changed_since(self, mark: int, *, limit: int) -> list[tuple[str, int]]:
        """Courses written after change number ``mark``, oldest change first: (key, change)."""
        rows = self._db().rows(
            "SELECT key, changed FROM courses WHERE changed > ? ORDER BY changed LIMIT ?",
            (int(mark), int(limit)),
        )
        return [(str(key), int(changed)) for key, changed in rows]

    def reference(self, regimen: Path, key: str) -> str:
        """How a course in this store names a regimen file: by its absolute path (a database
        has no folder for a relative one to start from)."""
        return str(regimen.resolve())

    # -- beyond the seam ------------------------------------------------------------------------

    def history_of(self, key: str) -> list[tuple[int, datetime]]:
        """Every version of the course stored, with when: the change log, oldest first."""
        rows = self._db().rows(
            "SELECT version, stored FROM course_log WHERE key = ? ORDER BY version",
            (check_key(key),),
        )
        return [(int(version), _moment(stored)) for version, stored in rows]

    def body_at(self, key: str, version: int) -> str:
        rows = self._db().rows(
            "SELECT body FROM course_log WHERE key = ? AND version = ?", (check_key(key), version)
        )
        if not rows:
            raise CourseError(f"has no version {version}", file=self._origin(key))
        return str(rows[0][0])

    def database(self) -> Database:
        """The store's database, its schema brought up to date (for the clinic app's tables)."""
        return self._db()

    def close(self) -> None:
        self.db.close()

    # -- inside ---------------------------------------------------------------------------------

    def _db(self) -> Database:
        if not self._ready:
            upgrade(self.db)
            self._ready = True
        return self.db

    def _origin(self, key: str) -> str:
        return f"{key} (in {self.db.name})"

    def _missing(self, key: str) -> CourseError:
        return CourseError(f"no course named {key!r} in {self.db.name}")

    def _row(self, key: str, *, lock: bool = False) -> tuple[Any, ...]:
        db = self._db()
        rows = db.rows(
            "SELECT body, version, modified FROM courses WHERE key = ?"
            + (db.dialect.lock_row if lock else ""),
            (key,),
        )
        if not rows:
            raise self._missing(key)
        return rows[0]

    def _stored(self, key: str, row: tuple[Any, ...]) -> Stored:
        body, version, modified = row
        course = parse_course(str(body), origin=self._origin(key))
        return Stored(key, course, str(version), _moment(str(modified)))

    def _own(self, key: str, course: Course) -> Course:
        return (
            replace(course, origin=self._origin(key))
            if course.origin != self._origin(key)
            else course
        )

    def _body(self, key: str, course: Course) -> str:
        body = dump_course(course)
        if len(body.encode("utf-8")) > MAX_FILE_BYTES:  # as a course file: years of records
            raise CourseError(f"would be larger than {MAX_FILE_BYTES:,} bytes",
                              file=self._origin(key))  # fmt: skip
        return body

    def _log(self, key: str, version: int, stamp: str, body: str) -> None:
        self.db.execute(
            "INSERT INTO course_log (key, version, stored, body) VALUES (?, ?, ?, ?)",
            (key, version, stamp, body),
        )

    def _bump_tokens(self, key: str) -> None:
        self.db.execute(
            "UPDATE courses SET tokens_version = COALESCE(tokens_version, 0) + 1 WHERE key = ?",
            (key,),
        )
        self._bump(key)

    def _bump(self, key: str) -> None:
        """Mark ``key`` with the next number of the store's change counter (inside the write's
        transaction: the counter's row lock orders every writer)."""
        changed = self.db.rows(
            "UPDATE counters SET value = value + 1 WHERE name = 'changes' RETURNING value"
        )[0][0]
        self.db.execute("UPDATE courses SET changed = ? WHERE key = ?", (int(changed), key))
