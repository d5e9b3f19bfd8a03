"""Where a clinic's courses live, chosen by a URL: nothing for course files (a key is a file's
path), ``sqlite:///clinic.db`` for the embedded database, ``postgresql://user@host/db`` for a
shared server — one row each of :data:`scheduler.store.sql.DIALECTS` beside the files. Every
store implements :class:`scheduler.course.store.CourseStore`.
"""

from __future__ import annotations

from ..course.store import CourseStore, FileStore
from ..errors import StoreError

__all__ = ["open_store"]


def open_store(url: str | None) -> CourseStore:
    """The store ``url`` names (None or empty: course files)."""
    if url is None:
        return FileStore()
    if not isinstance(url, str):
        raise StoreError(f"a store is named by a URL, not {type(url).__name__}", field="store")
    if not url.strip():
        return FileStore()
    from .courses import SqlStore
    from .sql import dialect_of

    dialect_of(url)  # an unknown scheme is refused before anything is opened
    return SqlStore(url)
