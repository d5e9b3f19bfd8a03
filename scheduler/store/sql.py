"""One database, two engines: SQLite (embedded, the default for one nurse) and PostgreSQL (a
clinic's shared server), behind the same few calls.

Each kind of database is one row of :data:`DIALECTS`: its URL schemes, how to connect, how a
query marks its parameters and how a read-modify-write takes its lock. Everything else — the
schema, the queries — is written once, in the SQL both engines read.

Connections are per thread (the feed server's worker threads, a CLI command's one thread) and
opened on first use. :meth:`Database.transaction` is the only way to write: it begins, yields a
cursor, and commits, or rolls back on any error, so a refused edit leaves nothing half-written.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import StoreError

__all__ = ["DIALECTS", "Database", "Dialect", "dialect_of"]

#: Seconds a writer waits for another's lock (as the course files' edit lock does).
LOCK_WAIT = 30


@dataclass(frozen=True)
class Dialect:
    """What differs between database engines."""

    name: str
    schemes: tuple[str, ...]
    example: str
    connect: Callable[[str], Any]
    """Open a connection (autocommit: transactions are begun explicitly)."""
    begin_write: str
    """How a transaction that will write begins: SQLite takes the database's write lock at
    once (BEGIN IMMEDIATE), so that two editors never both read the same version."""
    lock_row: str
    """What a read that will be written back adds to lock its row (PostgreSQL: FOR UPDATE)."""
    placeholder: str
    errors: tuple[type[BaseException], ...]


def _sqlite(url: str) -> Any:
    path = _sqlite_path(url)
    if not path.parent.is_dir():
        raise StoreError(f"the folder {path.parent} does not exist", field="store")
    if path.exists() and not path.is_file():
        raise StoreError(f"{path} is not a regular file", field="store")
    if not path.exists():  # private from the first byte: patient data (-wal and -shm follow it)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    connection = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None,
                                 check_same_thread=False)  # fmt: skip
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute(f"PRAGMA busy_timeout={LOCK_WAIT * 1000}")
    except sqlite3.DatabaseError as err:
        connection.close()
        raise StoreError(
            f"{path} is not a database this tool can use ({err})", field="store"
        ) from None
    return connection


def _sqlite_path(url: str) -> Path:
    rest = url.split(":", 1)[1]
    if not rest.startswith("///") or rest == "///" or "?" in rest or "#" in rest:
        raise StoreError(
            f"{url!r:.80} is not a SQLite store: write sqlite:///clinic.db (a relative path) or "
            "sqlite:////srv/clinic.db (an absolute one)",
            field="store",
        )
    name = rest[3:]
    if name == ":memory:":
        raise StoreError(
            "a store in memory is lost when the command ends: give a file", field="store"
        )
    return Path(name)


def _postgresql(url: str) -> Any:
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a dependency
        raise StoreError(
            "PostgreSQL needs psycopg: pip install 'psycopg[binary]'", field="store"
        ) from None
    try:
        connection = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StoreError(
            f"cannot connect to the PostgreSQL store ({first})", field="store"
        ) from None
    connection.execute(f"SET lock_timeout = '{LOCK_WAIT}s'")
    return connection


def _pg_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:  # pragma: no cover
        return ()
    return (psycopg.Error,)


DIALECTS: tuple[Dialect, ...] = (
    Dialect(
        "sqlite",
        ("sqlite",),
        "sqlite:///clinic.db",
        _sqlite,
        "BEGIN IMMEDIATE",
        "",
        "?",
        (sqlite3.Error,),
    ),
    Dialect(
        "postgresql",
        ("postgresql", "postgres"),
        "postgresql://nurse@db.example/clinic",
        _postgresql,
        "BEGIN",
        " FOR UPDATE",
        "%s",
        (),
    ),
)


def dialect_of(url: str) -> Dialect:
    """The database engine ``url`` names, by its scheme."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    for dialect in DIALECTS:
        if scheme in dialect.schemes:
            return dialect
    allowed = ", ".join(d.example for d in DIALECTS)
    raise StoreError(f"unknown store {url!r:.80} (allowed: {allowed}; none for course files)",
                     field="store")  # fmt: skip


_PARAM = re.compile(r"\?")


class Database:
    """A database at ``url``, with a connection per thread."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.dialect = dialect_of(url)
        self.errors = self.dialect.errors or _pg_errors()
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()

    @property
    def name(self) -> str:
        """The store as messages name it: never a password."""
        parts = urlsplit(self.url)
        if self.dialect.name == "sqlite":
            return str(_sqlite_path(self.url))
        host = parts.hostname or "localhost"
        return f"postgresql://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"

    def connection(self) -> Any:
        found = getattr(self._local, "connection", None)
        if found is None:
            found = self.dialect.connect(self.url)
            self._local.connection = found
            with self._guard:
                self._all.append(found)
        return found

    def _sql(self, query: str) -> str:
        return query if self.dialect.placeholder == "?" else _PARAM.sub("%s", query)

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """The rows a read gives (outside any transaction, or inside the current one)."""
        try:
            cursor = self.connection().execute(self._sql(query), tuple(params))
            return list(cursor.fetchall())
        except self.errors as err:
            raise self._failed(err) from None

    def execute(self, query: str, params: Sequence[Any] = ()) -> int:
        """Run a statement; the number of rows it changed."""
        try:
            cursor = self.connection().execute(self._sql(query), tuple(params))
            return int(cursor.rowcount)
        except self.errors as err:
            raise self._failed(err) from None

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """A write transaction: committed when the block ends, rolled back if it raises. Nested
        calls join the outer one."""
        if getattr(self._local, "depth", 0):
            self._local.depth += 1
            try:
                yield self
            finally:
                self._local.depth -= 1
            return
        connection = self.connection()
        try:
            connection.execute(self.dialect.begin_write)
        except self.errors as err:
            raise self._failed(err) from None
        self._local.depth = 1
        try:
            yield self
        except BaseException:
            self._local.depth = 0
            try:
                connection.execute("ROLLBACK")
            except self.errors:
                self._drop()
            raise
        self._local.depth = 0
        try:
            connection.execute("COMMIT")
        except self.errors as err:
            self._drop()
            raise self._failed(err) from None

    def close(self) -> None:
        with self._guard:
            for connection in self._all:
                with contextlib.suppress(Exception):
                    connection.close()
            self._all.clear()
        self._local = threading.local()

    def _drop(self) -> None:
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def _failed(self, err: BaseException) -> StoreError:
        text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "lock" in text.lower() and ("timeout" in text.lower() or "locked" in text.lower()):
            return StoreError(
                f"{self.name}: another edit held the store for more than {LOCK_WAIT} s; "
                "nothing was written: try again",
                field="store",
            )
        self._drop()  # a connection that failed may be unusable: the next call opens a new one
        return StoreError(f"{self.name}: the database failed ({text:.200})", field="store")
